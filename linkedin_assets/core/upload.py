"""An uploaded file, judged before it lands: what it is, which volume takes it, or why not.

The upload page (linkedin_assets/upload/) streams each file into a staging folder,
asks `inspect_upload` for its verdict (the project's own parsers decide, so the
reason shown is the one errors/ would get), and `land`s only accepted files, into
their volume's pending/ folder, atomically and never over a file already there.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import uuid
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from linkedin_assets.core.exports.content import parse_content_export
from linkedin_assets.core.exports.guards import check_file_name
from linkedin_assets.core.exports.language import export_of_sheets
from linkedin_assets.core.exports.model import ExportError
from linkedin_assets.core.exports.names import parse_file_name
from linkedin_assets.core.exports.patch import check_known_posts, parse_patch_file
from linkedin_assets.core.exports.single_post import parse_post_export
from linkedin_assets.core.exports.workbook import as_export_errors, open_workbook
from linkedin_assets.core.landing import Landing, fitted, is_export_name

STAGING = ".uploads"  # under the landing root: the same file system as the volumes, never listed as one
PATCH_SUFFIXES = (".csv", ".xlsx")
MAX_NUMBERED = 1000


@dataclass(frozen=True)
class Verdict:
    name: str
    volume: str | None = None  # where it lands; None: refused
    facts: dict[str, str | int] = field(default_factory=dict)  # what the page shows of it
    reason: str | None = None  # why it is refused: the message errors/ would get

    @property
    def accepted(self) -> bool:
        return self.volume is not None


def _period(start: dt.date, end: dt.date) -> str:
    return start.isoformat() if start == end else f"{start.isoformat()} to {end.isoformat()}"


def inspect_upload(path: Path, name: str, known_posts: Collection[str] = ()) -> Verdict:
    """The verdict on the file at `path`, uploaded as `name`."""
    try:
        with as_export_errors(name):
            check_file_name(name)
            if not is_export_name(name):
                raise ExportError(name, "not an export file name (hidden, a lock file, or a download in flight)")
            return _inspect(path, name, known_posts)
    except ExportError as exc:
        return Verdict(name, reason=str(exc))


def _inspect(path: Path, name: str, known_posts: Collection[str]) -> Verdict:
    try:
        kind = parse_file_name(name).kind
    except ExportError as exc:
        if Path(name).suffix.lower() not in PATCH_SUFFIXES:
            raise
        if Path(name).suffix.lower() == ".xlsx" and name.lower().startswith(("content_", "aggregateanalytics_")):
            raise  # an export's name gone wrong, not a patch file
        kind, name_problem = "patch", str(exc)
        if Path(name).suffix.lower() == ".xlsx":
            sheets = [sheet.name for sheet in open_workbook(path, name).sheets.values()]
            what = export_of_sheets(sheets)
            if what is not None:  # an export under another name: say what it is, not "bad patch"
                shown = ", ".join(repr(s) for s in sheets)
                raise ExportError(name, f"{what} (sheets found: {shown}); {exc.problem}") from None
    if kind == "content":
        export = parse_content_export(path, name)
        one_day = export.period_start == export.period_end
        return Verdict(
            name,
            "content_daily" if one_day else "content_historical",
            {
                "kind": "Content export (one day)" if one_day else "Content export (a range)",
                "generation": "2026 (AggregateAnalytics)" if export.flavour == "2026" else "legacy (Content_)",
                "profile": export.profile,
                "period": _period(export.period_start, export.period_end),
                "days": len(export.daily),
                "posts": len({p.post_url for p in export.top_posts}),
            },
        )
    if kind == "post":
        post = parse_post_export(path, name)
        return Verdict(
            name,
            "posts",
            {
                "kind": "single-post export",
                "generation": "2026 (SinglePostAnalytics)" if post.flavour == "2026" else "legacy (PostAnalytics)",
                "profile": post.profile,
                "post": post.post_url,
                "published": post.post_publish_date.isoformat(),
                "as of": post.as_of_date.isoformat(),
            },
        )
    try:
        patch = parse_patch_file(path, name)
    except ExportError as exc:
        raise ExportError(name, f"{exc.problem} (and not an export either: {name_problem})") from None
    check_known_posts(patch, known_posts)
    return Verdict(name, "patch", {"kind": "patch file", "rows": len(patch.rows)})


def staging_path(root: Path, name: str) -> Path:
    """A fresh path in the staging folder under `root` for one upload of `name` (its suffix kept: parsers read it)."""
    folder = root / STAGING
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(name).suffix.lower()
    return folder / f"{uuid.uuid4().hex}{suffix if suffix in PATCH_SUFFIXES else '.part'}"


def numbered_names(name: str) -> Iterator[str]:
    """`name`, then `stem (1).xlsx`, `stem (2).xlsx`, ... as a browser numbers repeated downloads
    (each cut to the name limit the landing keeps)."""
    stem, suffix = Path(name).stem, Path(name).suffix
    for n in range(MAX_NUMBERED):
        yield fitted(stem if n == 0 else f"{stem} ({n})", suffix)


def land(staged: Path, verdict: Verdict, landing: Landing) -> Path:
    """Move an accepted upload into its volume's pending/, atomically, keeping any same-named file.

    A file already there (pending, or the same upload twice) keeps its name; the newcomer
    becomes `name (1).xlsx`, `name (2).xlsx`, ... as a browser numbers repeated downloads.
    """
    if verdict.volume is None:
        raise ValueError(f"{verdict.name} was refused: {verdict.reason}")
    folder = landing.folder(verdict.volume, "pending")
    folder.mkdir(parents=True, exist_ok=True)
    for name in numbered_names(verdict.name):
        target = folder / name
        try:
            # A hard link fails when the name is taken: no check-then-write race with another upload.
            os.link(staged, target)
        except FileExistsError:
            continue
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()
        return target
    raise ExportError(verdict.name, f"{MAX_NUMBERED} files of this name are already pending")


def patch_csv(rows: list[dict[str, str | None]]) -> bytes:
    """A patch file (UTF-8 CSV with the columns the patch parser reads) for rows entered on the page."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["post_url", "true_url", "title", "content"], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (row.get(k) or "") for k in writer.fieldnames})
    return out.getvalue().encode("utf-8")
