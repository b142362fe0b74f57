"""Landing files -> bronze Delta tables, for a range of analytics dates.

A partition's content is a function of the files that cover it: the pending ones
and those already in processed/. That makes re-running a partition idempotent and
lets a backfill rebuild dates from processed/ alone. A pending file moves to
processed/ only once every date it covers has been written, and to errors/ when it
cannot be parsed; parsing happens before any write, so a bad file changes nothing.

A run takes only the pending files it was started for (see `Requested`): another
pending file may still be being written, and has a run of its own once it settles.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path

from linkedin_assets.core.bronze import tables
from linkedin_assets.core.exports.model import ExportError
from linkedin_assets.core.exports.names import parse_file_name
from linkedin_assets.core.exports.parse import parse_export
from linkedin_assets.core.exports.patch import check_known_posts
from linkedin_assets.core.exports.workbook import FUTURE_SLACK
from linkedin_assets.core.lake.protocol import Lake, ReadableLake, WriteResult
from linkedin_assets.core.landing import CONTENT_VOLUMES, LandedFile, Landing
from linkedin_assets.core.profiles import NO_ALIASES, Profiles


@dataclass(frozen=True)
class Requested:
    """The pending files a run may take.

    A run a file-arrival sensor started takes exactly its file (the sensor saw it
    settle). A run nothing named a file for (a backfill, a materialization from the UI)
    takes the pending files last modified before `settled_before` (seconds since the
    epoch), so a file still being written is left for its own run. Processed files are
    always read: they are what a partition is rebuilt from.
    """

    files: frozenset[str] | None = None  # LandedFile.source_file names
    settled_before: float | None = None

    def takes(self, file: LandedFile) -> bool:
        if self.files is not None:
            return file.source_file in self.files
        return self.settled_before is None or file.mtime_ns / 1e9 <= self.settled_before

    def to_json(self) -> dict:
        """As the Databricks notebook receives it (a Pipes extra)."""
        return {"files": sorted(self.files) if self.files is not None else None, "settled_before": self.settled_before}

    @classmethod
    def from_json(cls, value: dict | None) -> Requested:
        value = value or {}
        files = value.get("files")
        return cls(frozenset(files) if files is not None else None, value.get("settled_before"))


EVERY_PENDING_FILE = Requested()


@dataclass
class IngestReport:
    written: list[WriteResult] = field(default_factory=list)
    processed: list[str] = field(default_factory=list)  # pending files moved to processed/
    reread: list[str] = field(default_factory=list)  # files from processed/ read again
    rejected: dict[str, str] = field(default_factory=dict)  # file -> reason
    expected_rows: dict[str, int] = field(default_factory=dict)  # table -> rows built from the files
    covered_days: set = field(default_factory=set)  # days some parsed file holds daily rows for
    left_pending: list[str] = field(default_factory=list)  # pending files this run was not for


@functools.lru_cache(maxsize=4096)
def _parsed(volume: str, path: str, size: int, mtime_ns: int):
    """Parsing is keyed by file identity, so one process never parses a file twice."""
    return parse_export(Path(path), volume)


def parse(file: LandedFile, readable=None):
    """The parsed export; `readable`: a local copy to read (a volume file seen from the sensor)."""
    return _parsed(file.volume, str(readable or file.path), file.size, file.mtime_ns)


def coverage(file: LandedFile, landing=None) -> tuple[dt.date, dt.date] | None:
    """The analytics dates a file holds: from its name, or for post exports its as-of date.

    Raises ExportError when that cannot be told. Patch files are not date-keyed: None.
    `landing` gives a readable copy when the file is not on a local disk.
    """
    if file.volume in CONTENT_VOLUMES:
        name = parse_file_name(file.name)
        if name.kind != "content":
            raise ExportError(file.name, f"a {name.kind} export does not belong in {file.volume}/")
        if name.period_start is None or name.period_end is None:
            raise ExportError(file.name, "the file name states no period")
        return name.period_start, name.period_end
    if file.volume == "posts":
        as_of = parse(file, landing.readable(file) if landing is not None else None).as_of_date
        return as_of, as_of
    return None


def landed_days(landing: Landing) -> tuple[dt.date, dt.date] | None:
    """(first, last) day the landed Content exports cover, pending or processed, from file names alone."""
    found: list[dt.date] = []
    for volume in CONTENT_VOLUMES:
        for state in ("pending", "processed"):
            for file in landing.files(volume, state):
                try:
                    period = parse_file_name(file.name)
                except ExportError:
                    continue
                found += [d for d in (period.period_start, period.period_end) if d is not None]
    return (min(found), max(found)) if found else None


def earliest_day(landing: Landing) -> dt.date | None:
    """The first day a landed Content export covers (pending or processed).

    Processed files keep the partitions over what the lake holds; pending ones let a
    first run take a saved archive of older exports.
    """
    span = landed_days(landing)
    return span[0] if span else None


def _pending(landing: Landing, volume: str, requested: Requested, report: IngestReport) -> list[LandedFile]:
    """The pending files of `volume` this run takes; the others are named in the report and left."""
    taken = []
    for file in landing.files(volume, "pending"):
        if requested.takes(file):
            taken.append(file)
        else:
            report.left_pending.append(file.source_file)
    return taken


def _overlapping(landing: Landing, volumes, start, end, report: IngestReport, requested: Requested):
    """(file, is_pending) for files overlapping [start, end]; unroutable pending files are rejected."""
    found = []
    for volume in volumes:
        for state in ("processed", "pending"):
            files = (
                landing.files(volume, state) if state == "processed" else _pending(landing, volume, requested, report)
            )
            for file in files:
                try:
                    dates = coverage(file)
                except ExportError as exc:
                    _reject(landing, file, str(exc), report, state)
                    continue
                if dates is None:  # not date-keyed (patch files)
                    continue
                first, last = dates
                if first <= end and last >= start:
                    found.append((file, state == "pending", first >= start and last <= end))
    return found


def _reject(landing: Landing, file: LandedFile, reason: str, report: IngestReport, state: str) -> None:
    if state == "pending":
        landing.mark_error(file, reason)
        report.rejected[file.source_file] = reason
    else:
        # A processed file that no longer parses means the parser changed: keep the file
        # and the stored rows, and fail loudly instead of silently dropping its days.
        report.rejected[file.source_file] = f"{reason} (kept in processed/; parser regression?)"


def _untimed_future(file: LandedFile, export) -> None:
    """Refuse a file whose download time would come from a modification time in the future.

    Without a generation time in the file, its mtime decides which download wins: one in
    2100 would win every day for ever.
    """
    if getattr(export, "generated_at", None) is not None:
        return
    if file.downloaded_at > dt.datetime.now(dt.timezone.utc) + FUTURE_SLACK:
        raise ExportError(
            file.name,
            f"the file states no generation time and was last modified on "
            f"{file.downloaded_at.isoformat(timespec='seconds')}, which is in the future: its download time "
            "cannot be told; set its time (touch it) and drop it again",
        )


def _parse_all(landing: Landing, candidates, report: IngestReport, profiles: Profiles | None = None):
    """(file, is_pending, inside, export) of the candidates that parse; `profiles`: each must name one."""
    good = []
    for file, is_pending, inside in candidates:
        try:
            export = parse(file)
            if profiles is not None:
                profiles.of(file.name, export.profile)
            if is_pending:
                _untimed_future(file, export)
            good.append((file, is_pending, inside, export))
        except ExportError as exc:
            _reject(landing, file, str(exc), report, "pending" if is_pending else "processed")
    return good


def _downloaded_at(file: LandedFile) -> dt.datetime:
    """The generation time LinkedIn wrote into the file; its mtime when it says none or no longer parses."""
    try:
        return tables.downloaded_at(file, parse(file))
    except ExportError:
        return file.downloaded_at


def _finish(landing: Landing, parsed, report: IngestReport) -> None:
    for file, is_pending, inside, _ in parsed:
        if is_pending and inside:
            landing.mark_processed(file, _downloaded_at)
            report.processed.append(file.source_file)
        elif not is_pending:
            report.reread.append(file.source_file)


def ingest_content(
    landing: Landing,
    lake: Lake,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
    requested: Requested = EVERY_PENDING_FILE,
    profiles: Profiles = NO_ALIASES,
) -> IngestReport:
    """Write the six content tables for [start, end] from the Content exports covering it."""
    report = IngestReport()
    candidates = _overlapping(landing, CONTENT_VOLUMES, start, end, report, requested)
    parsed = _parse_all(landing, candidates, report, profiles)
    now = now or dt.datetime.now(dt.timezone.utc)
    rows = tables.content_rows([(f, e) for f, _, _, e in parsed], start, end, now, profiles)
    report.covered_days = {d.date for _, _, _, e in parsed for d in e.daily}
    for table in tables.CONTENT_TABLES:
        report.expected_rows[table.name] = rows[table.name].num_rows
        report.written.append(
            lake.replace_scope("bronze", table.name, rows[table.name], table.keys, table.scope(start, end))
        )
    _finish(landing, parsed, report)
    return report


def ingest_posts(
    landing: Landing,
    lake: Lake,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
    requested: Requested = EVERY_PENDING_FILE,
    profiles: Profiles = NO_ALIASES,
) -> IngestReport:
    """Write post_details for the as-of dates [start, end] from single-post exports."""
    report = IngestReport()
    parsed = _parse_all(landing, _overlapping(landing, ("posts",), start, end, report, requested), report, profiles)
    now = now or dt.datetime.now(dt.timezone.utc)
    rows = tables.post_rows([(f, e) for f, _, _, e in parsed], start, end, now, profiles)
    table = tables.POST_DETAILS
    report.expected_rows[table.name] = rows.num_rows
    report.written.append(lake.replace_scope("bronze", table.name, rows, table.keys, table.scope(start, end)))
    _finish(landing, parsed, report)
    return report


def known_post_urls(lake: ReadableLake) -> set[str]:
    """Post URLs stored in bronze top_posts and post_details; a missing table knows none.

    Through the lake's interface only: on Databricks the lake is Unity Catalog's.
    """
    known: set[str] = set()
    for table in (tables.TOP_POSTS, tables.POST_DETAILS):
        stored = lake.read("bronze", table.name)
        if stored is not None:
            known.update(url for url in stored.column("post_url").to_pylist() if url is not None)
    return known


def _only_known_posts(landing: Landing, lake: Lake, parsed, report: IngestReport):
    """Parsed patch files whose every post_url is a known post; the others go to errors/ whole."""
    if not parsed:
        return parsed
    known = known_post_urls(lake)
    kept = []
    for entry in parsed:
        file, _, _, patch = entry
        try:
            check_known_posts(patch, known)
        except ExportError as exc:
            _reject(landing, file, str(exc), report, "pending")
            continue
        kept.append(entry)
    return kept


def ingest_patches(
    landing: Landing, lake: Lake, now: dt.datetime | None = None, requested: Requested = EVERY_PENDING_FILE
) -> IngestReport:
    """Apply pending patch files to post_patch in download order; the table keeps direct edits.

    A file with any row that cannot be applied (unparseable, or a post_url that is no
    known post) is rejected whole: nothing of it is written, the others still apply.
    """
    report = IngestReport()
    candidates = [(f, True, True) for f in _pending(landing, "patch", requested, report)]
    parsed = _only_known_posts(landing, lake, _parse_all(landing, candidates, report), report)
    now = now or dt.datetime.now(dt.timezone.utc)
    table = tables.POST_PATCH
    if parsed:
        rows = tables.patch_rows([(f, e) for f, _, _, e in parsed], now)
        report.written.append(
            lake.upsert("bronze", table.name, rows, "post_url", keep_when_null=["true_url", "title", "content"])
        )
    _finish(landing, parsed, report)
    return report
