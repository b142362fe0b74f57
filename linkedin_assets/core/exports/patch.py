"""Hand-written post corrections: CSV or xlsx with post_url, true_url, title, content.

An empty cell means "no correction for this field" (None), never "blank it".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Sequence
from pathlib import Path

from linkedin_assets.core.exports.cells import label, to_linkedin_url, to_text
from linkedin_assets.core.exports.guards import check_file_name, check_size
from linkedin_assets.core.exports.model import ExportError, PatchFile, PatchRow
from linkedin_assets.core.exports.workbook import as_export_errors, open_workbook

_FIELDS = ("post_url", "true_url", "title", "content")


def parse_patch_file(path: Path, file_name: str | None = None) -> PatchFile:
    """A patch file (.csv or .xlsx) as a record; a later row for the same post_url wins."""
    file_name = file_name or path.name
    with as_export_errors(file_name):
        check_file_name(file_name)
        suffix = path.suffix.lower()
        if suffix == ".csv":
            rows = _csv_rows(path, file_name)
        elif suffix == ".xlsx":
            rows = open_workbook(path, file_name).first_sheet().rows
        else:
            raise ExportError(file_name, f"a patch file must be .csv or .xlsx, not {path.suffix or 'extensionless'}")
        return PatchFile(file_name, _patch_rows(rows, file_name))


def _csv_rows(path: Path, file_name: str) -> list[list[object]]:
    check_size(path, file_name)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")  # Excel saves "CSV UTF-8" with a BOM
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ExportError(
            file_name,
            f"not UTF-8 text (line {line}, byte {exc.start}: {data[exc.start : exc.end]!r}): save the CSV as UTF-8",
        ) from exc
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]


def _patch_rows(rows: Sequence[Sequence[object]], file_name: str) -> tuple[PatchRow, ...]:
    header_index = next((i for i, row in enumerate(rows) if any(to_text(v) for v in row)), None)
    if header_index is None:
        raise ExportError(file_name, "patch file is empty: expected a header row with post_url")
    columns = {label(v): c for c, v in enumerate(rows[header_index]) if label(v) in _FIELDS}
    if "post_url" not in columns:
        found = ", ".join(repr(to_text(v)) for v in rows[header_index] if to_text(v)) or "nothing"
        raise ExportError(file_name, f"row {header_index + 1}: header must include post_url (found {found})")
    patches: dict[str, PatchRow] = {}
    for index in range(header_index + 1, len(rows)):
        values = {f: _cell(rows[index], columns[f]) if f in columns else None for f in _FIELDS}
        if not any(values.values()):
            continue
        if values["post_url"] is None:
            raise ExportError(file_name, f"row {index + 1}: post_url is empty")
        if values["true_url"] is not None:  # the dashboard links it as "Open on LinkedIn"
            values["true_url"] = to_linkedin_url(values["true_url"], f"row {index + 1} true_url")
        patches[values["post_url"]] = PatchRow(
            values["post_url"], values["true_url"], values["title"], values["content"]
        )
    return tuple(patches.values())


def _cell(row: Sequence[object], column: int) -> str | None:
    return to_text(row[column]) if column < len(row) else None


def check_known_posts(patch: PatchFile, known_urls: Collection[str], shown: int = 3) -> None:
    """Refuse the whole patch file when any post_url is no post we know.

    `known_urls` are the post URLs stored in bronze top_posts and post_details. A
    correction for an unknown URL is almost always a typo or a URL copied from the
    wrong place; applying the other rows and dropping it would hide the mistake.
    """
    unknown = [row.post_url for row in patch.rows if row.post_url not in known_urls]
    if unknown:
        listed = ", ".join(unknown[:shown]) + (f" and {len(unknown) - shown} more" if len(unknown) > shown else "")
        raise ExportError(
            patch.file_name,
            f"unknown post_url ({len(unknown)} of {len(patch.rows)} rows): {listed}: no such post in bronze "
            "top_posts or post_details; nothing from this file was applied",
        )
