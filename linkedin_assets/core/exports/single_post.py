"""The single-post export: lifetime-to-date metrics of one post, as of a date.

Legacy files hold key/value rows in `PERFORMANCE` and demographics in `TOP
DEMOGRAPHICS`; 2026 files hold both in one sheet `Post analytics`, the key/value
rows first, with section titles (`Discovery`, `Engagement`...) that have no value.
Keys are matched by text, so reordered or shifted rows are fine.

The numbers are lifetime-to-date. Legacy files say as of when (the end of their
Highlights range); 2026 files have no Highlights row, so the as-of date is the day
LinkedIn generated the file (docProps `dcterms:created`), or, only when the
workbook does not say, the day of the file's modification time. The post is the one
its Post URL names: the id in the file name is a different one.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from linkedin_assets.core.exports.cells import LINKEDIN_LAUNCH, to_date, to_int, to_linkedin_url, to_text, to_time
from linkedin_assets.core.exports.demographics import read_demographics
from linkedin_assets.core.exports.model import Demographic, ExportError, FileName, PostExport
from linkedin_assets.core.exports.names import parse_file_name
from linkedin_assets.core.exports.workbook import Sheet, Workbook, as_export_errors, key_value_rows, open_workbook

_METRIC_KEYS = {
    "impressions": "impressions",
    "members reached": "members_reached",
    "reactions": "reactions",
    "comments": "comments",
    "reposts": "reposts",
    "saves": "saves",
    "sends on linkedin": "sends_on_linkedin",
    "profile viewers from this post": "profile_viewers",
    "followers gained from this post": "followers_gained",
    "social engagements": "social_engagements",
    "link engagements": "link_engagements",
    "premium custom button engagements": "premium_custom_button_engagements",
}

_URL, _DATE, _TIME, _HIGHLIGHTS = "post url", "post date", "post publish time", "highlights"
_REQUIRED = {_URL: "Post URL", _DATE: "Post Date", "impressions": "Impressions"}
# Known key -> (where its value is, value)
_Values = dict[str, tuple[str, object]]
_RANGE_SEPARATOR = re.compile(r"\s+to\s+", re.IGNORECASE)


def parse_post_export(path: Path, file_name: str | None = None) -> PostExport:
    """A single-post export (legacy `PostAnalytics_...` or 2026 `SinglePostAnalytics_...`) as a record."""
    file_name = file_name or path.name
    with as_export_errors(file_name):
        name = parse_file_name(file_name)
        if name.kind != "post":
            raise ExportError(file_name, f"a {name.kind} export, not a single-post export")
        book = open_workbook(path, file_name)
        values, demographics = _legacy(book) if name.flavour == "legacy" else _current(book)
        return _record(name, file_name, values, demographics, book.created or _modified(path))


def _modified(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.timezone.utc)


_DEMOGRAPHIC_HEADERS = ("Category", "Value", "%")


def _legacy(book: Workbook) -> tuple[_Values, tuple[Demographic, ...]]:
    values = _key_values(book.sheet("PERFORMANCE"), book.file_name, until=None)
    _, demographics = read_demographics(
        book.sheet("TOP DEMOGRAPHICS"), book.file_name, *_DEMOGRAPHIC_HEADERS, "content"
    )
    return values, demographics


def _current(book: Workbook) -> tuple[_Values, tuple[Demographic, ...]]:
    sheet = book.sheet("Post analytics")
    header, demographics = read_demographics(sheet, book.file_name, *_DEMOGRAPHIC_HEADERS, "content")
    return _key_values(sheet, book.file_name, until=header), demographics


def _key_values(sheet: Sheet, file_name: str, until: int | None) -> _Values:
    """Known key -> (where its value is, value); rows without a value are section titles."""
    found: _Values = {}
    for row, column, key, value in key_value_rows(sheet, until):
        key = key.rstrip(":").strip()
        known = _HIGHLIGHTS if _HIGHLIGHTS in key else key
        if known == _HIGHLIGHTS and value is None and _RANGE_SEPARATOR.search(key):
            # Some files write the range into the key cell: "... Highlights <start> to <end>".
            value = re.split(r"highlights", to_text(sheet.cell(row, column - 1)) or "", flags=re.IGNORECASE)[-1]
        if value is None or (known not in _METRIC_KEYS and known not in (_URL, _DATE, _TIME, _HIGHLIGHTS)):
            continue  # LinkedIn adds metrics now and then; unknown ones are not ours to store
        if known in found:
            raise ExportError(file_name, f"{sheet.where(row)}: {key!r} appears twice")
        found[known] = (sheet.where(row, column), value)
    for key, shown in _REQUIRED.items():
        if key not in found:
            raise ExportError(file_name, f"sheet {sheet.name!r}: no {shown!r} row with a value")
    return found


def _record(
    name: FileName, file_name: str, values: _Values, demographics: tuple[Demographic, ...], generated: dt.datetime
) -> PostExport:
    published = to_date(values[_DATE][1], values[_DATE][0])
    if published < LINKEDIN_LAUNCH:
        raise ValueError(f"{values[_DATE][0]}: post date {published.isoformat()} is before LinkedIn existed")
    # The publish time is UTC, as is the date it belongs to.
    time = to_time(values[_TIME][1], values[_TIME][0]) if _TIME in values else None
    if _HIGHLIGHTS in values:
        highlights_start, as_of = _highlights(*values[_HIGHLIGHTS])
    else:
        highlights_start, as_of = None, generated.date()
    if as_of < published:
        raise ValueError(
            f"{values[_DATE][0]}: the post is published on {published.isoformat()}, after the "
            f"as-of date of its numbers ({as_of.isoformat()})"
        )
    return PostExport(
        file_name=file_name,
        flavour=name.flavour,
        profile=name.profile,
        post_id=name.post_id,
        post_url=to_linkedin_url(values[_URL][1], values[_URL][0]),
        post_publish_date=published,
        post_publish_timestamp=dt.datetime.combine(published, time) if time is not None else None,
        highlights_start=highlights_start,
        as_of_date=as_of,
        metrics={
            metric: to_int(values[key][1], values[key][0]) if key in values else None
            for key, metric in _METRIC_KEYS.items()
        },
        demographics=demographics,
        generated_at=generated,
    )


def _highlights(where: str, value: object) -> tuple[dt.date, dt.date]:
    """'<start> to <end>' -> (start, end); the end is the as-of date of the numbers."""
    ends = _RANGE_SEPARATOR.split(to_text(value) or "")
    if len(ends) != 2:
        raise ValueError(f"{where}: expected a range '<start> to <end>', found {value!r}")
    start, end = (to_date(text, where) for text in ends)
    if start > end:
        raise ValueError(f"{where}: highlights range starts after it ends ({value!r})")
    return start, end
