"""One entry point for every landing volume: the right parser for the file."""

from __future__ import annotations

from pathlib import Path

from linkedin_assets.core.exports.content import parse_content_export
from linkedin_assets.core.exports.model import ContentExport, ExportError, PatchFile, PostExport
from linkedin_assets.core.exports.patch import parse_patch_file
from linkedin_assets.core.exports.single_post import parse_post_export
from linkedin_assets.core.exports.workbook import as_export_errors

_EXTENSIONS = {
    "content_daily": (".xlsx",),
    "content_historical": (".xlsx",),
    "posts": (".xlsx",),
    "patch": (".csv", ".xlsx"),
}


def parse_export(path: Path, volume: str) -> ContentExport | PostExport | PatchFile:
    """The parsed record of a landed file; every failure is an ExportError naming the file.

    A content_daily file covering several days parses like a historical one: which
    dates it feeds is decided downstream from its period. The name and size guards run
    inside each parser (each is an entry point of its own), so they are not repeated here.
    """
    file_name = path.name
    with as_export_errors(file_name):
        if volume not in _EXTENSIONS:
            raise ExportError(file_name, f"unknown landing volume {volume!r} (known: {', '.join(_EXTENSIONS)})")
        allowed = _EXTENSIONS[volume]
        if path.suffix.lower() not in allowed:
            shown = path.suffix or "no extension"
            raise ExportError(file_name, f"{volume}/ takes {' or '.join(allowed)} files, not {shown}")
        if volume == "posts":
            return parse_post_export(path, file_name)
        if volume == "patch":
            return parse_patch_file(path, file_name)
        return parse_content_export(path, file_name)
