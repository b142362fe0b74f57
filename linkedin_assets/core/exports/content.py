"""The creator "Content" export: DISCOVERY, ENGAGEMENT, TOP POSTS, FOLLOWERS, DEMOGRAPHICS.

Every generation LinkedIn has shipped is read: 2023 files have no DISCOVERY, mid-2024
ones say "Unique views" for members reached, 2026 ones hold every value as text, and
from August 2026 AUDIENCE and CONTENT DEMOGRAPHICS replace DEMOGRAPHICS. Blocks are
found by their header text, never by cell address: LinkedIn moves them. The sheet
names tell the export's language, and the language its labels and date order
(English: M/D/YYYY always), so a date is never guessed from its digits.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from pathlib import Path

from linkedin_assets.core.exports.cells import (
    LINKEDIN_LAUNCH,
    label,
    read_slash_date,
    slash_date_parts,
    to_int,
    to_linkedin_url,
    to_text,
)
from linkedin_assets.core.exports.demographics import read_demographics
from linkedin_assets.core.exports.language import language_of
from linkedin_assets.core.exports.model import (
    ContentExport,
    DailyTotal,
    Demographic,
    ExportError,
    FileName,
    NewFollowers,
    TopPost,
)
from linkedin_assets.core.exports.names import parse_file_name
from linkedin_assets.core.exports.workbook import (
    Sheet,
    Workbook,
    as_export_errors,
    column_of,
    data_rows,
    open_workbook,
    reject_unknown_columns,
    require_row,
    value_right_of,
)

_RANGE_SEPARATOR = re.compile(r"\s+-\s+|\s*[–—]\s*")
_TOP_METRICS = ("engagements", "impressions")  # language roles, also TopPost.metric


def parse_content_export(path: Path, file_name: str | None = None) -> ContentExport:
    """A Content export (legacy `Content_...` or 2026 `AggregateAnalytics_...`) as a record."""
    file_name = file_name or path.name
    with as_export_errors(file_name):
        name = parse_file_name(file_name)
        if name.kind != "content":
            raise ExportError(file_name, f"a {name.kind} export, not a Content export")
        return _ContentReader(open_workbook(path, file_name), name).read()


class _ContentReader:
    def __init__(self, book: Workbook, name: FileName):
        self.book = book
        self.file = book.file_name
        self.name = name
        if name.period_start is None or name.period_end is None:
            raise ExportError(self.file, "a Content export's name states its period")
        self.start: dt.date = name.period_start
        self.end: dt.date = name.period_end
        self.lang = language_of(self.file, [sheet.name for sheet in book.sheets.values()])
        if self.lang.date_order is None:  # language_of returns only languages it can read
            raise ExportError(self.file, f"no date order known for {self.lang.name}")
        self.order: str = self.lang.date_order

    def text(self, role: str) -> str:
        return self.lang.texts(role)[0]

    def sheet(self, role: str) -> Sheet:
        return self.book.sheet(self.lang.sheets[role])

    def read(self) -> ContentExport:
        impressions, members_reached = self._discovery()
        return ContentExport(
            file_name=self.file,
            flavour=self.name.flavour,
            profile=self.name.profile,
            period_start=self.start,
            period_end=self.end,
            impressions=impressions,
            members_reached=members_reached,
            daily=tuple(self._engagement()),
            top_posts=tuple(self._top_posts()),
            total_followers=(total := self._total_followers())[0],
            total_followers_as_of=total[1],
            new_followers=tuple(self._new_followers()),
            demographics=self._demographics(),
            generated_at=self.book.created,
        )

    # DISCOVERY -----------------------------------------------------------------

    def _discovery(self) -> tuple[int | None, int | None]:
        """Period impressions and members reached; unknown (None) in 2023 files, which have no DISCOVERY."""
        if not self.book.has(self.lang.sheets["DISCOVERY"]):
            return None, None
        sheet = self.sheet("DISCOVERY")
        self._check_range(sheet, *self._labelled_value(sheet, "overall performance"))
        impressions = self._int_at(sheet, *self._labelled_value(sheet, "impressions"))
        members_reached = self._int_at(sheet, *self._labelled_value(sheet, "members reached"))
        return impressions, members_reached

    def _labelled_value(self, sheet: Sheet, role: str) -> tuple[int, int]:
        """Cell of the value right of the cell reading one of the role's texts."""
        wanted = {label(text) for text in self.lang.texts(role)}
        for row, cells in enumerate(sheet.rows):
            for column, value in enumerate(cells):
                if label(value) in wanted:
                    return row, value_right_of(sheet, row, column)
        shown = " or ".join(repr(text) for text in self.lang.texts(role))
        raise ExportError(self.file, f"sheet {sheet.name!r}: row {shown} not found")

    def _int_at(self, sheet: Sheet, row: int, column: int, signed: bool = False) -> int:
        return to_int(sheet.cell(row, column), sheet.where(row, column), signed=signed)

    def _check_range(self, sheet: Sheet, row: int, column: int) -> None:
        """The stated range must be the file name's range."""
        text = to_text(sheet.cell(row, column)) or ""
        where = sheet.where(row, column)
        parts = [slash_date_parts(end) for end in _RANGE_SEPARATOR.split(text)]
        if len(parts) != 2 or parts[0] is None or parts[1] is None:
            raise ExportError(self.file, f"{where}: expected a range '{self.order} - {self.order}', found {text!r}")
        if (read_slash_date(parts[0], self.order), read_slash_date(parts[1], self.order)) != (self.start, self.end):
            stated = f"{self.start.isoformat()} to {self.end.isoformat()}"
            raise ExportError(self.file, f"{where}: range {text!r} does not match the file name's range {stated}")

    # ENGAGEMENT and FOLLOWERS ----------------------------------------------------

    def _engagement(self) -> list[DailyTotal]:
        sheet = self.sheet("ENGAGEMENT")
        headers = [self.text(r) for r in ("date", "impressions", "engagements")]
        header = require_row(sheet, self.file, *headers)
        date_col, impressions_col, engagements_col = (column_of(sheet, header, h, self.file) for h in headers)
        rows = list(data_rows(sheet, header))
        self._check_columns(sheet, header, (date_col, impressions_col, engagements_col), rows)
        # A day's counts can be negative: LinkedIn publishes corrections that way.
        return [
            DailyTotal(
                day,
                self._int_at(sheet, row, impressions_col, signed=True),
                self._int_at(sheet, row, engagements_col, signed=True),
            )
            for row, day in zip(rows, self._dates(sheet, rows, date_col))
        ]

    def _new_followers(self) -> list[NewFollowers]:
        sheet = self.sheet("FOLLOWERS")
        headers = [self.text(r) for r in ("date", "new followers")]
        header = require_row(sheet, self.file, *headers)
        date_col, count_col = (column_of(sheet, header, h, self.file) for h in headers)
        rows = list(data_rows(sheet, header))
        self._check_columns(sheet, header, (date_col, count_col), rows)
        return [
            NewFollowers(day, self._int_at(sheet, row, count_col, signed=True))
            for row, day in zip(rows, self._dates(sheet, rows, date_col))
        ]

    def _check_columns(self, sheet: Sheet, header: int, columns: tuple[int, ...], rows: list[int]) -> None:
        """Only the per-day columns we read, and at least one day: an empty sheet would store nothing."""
        expected = " | ".join(repr(to_text(sheet.cell(header, c))) for c in columns)
        reject_unknown_columns(sheet, self.file, header, columns, rows, expected)
        if not rows:
            stated = f"{self.start.isoformat()} to {self.end.isoformat()}"
            raise ExportError(
                self.file, f"sheet {sheet.name!r} has a header but no data rows (expected one row per day, {stated})"
            )

    def _dates(self, sheet: Sheet, rows: list[int], column: int) -> list[dt.date]:
        """Dates of a per-day column: inside the file's range, one row per date."""
        stated = f"{self.start.isoformat()} to {self.end.isoformat()}"
        dates: list[dt.date] = []
        seen: dict[dt.date, int] = {}
        for row in rows:
            where, value = sheet.where(row, column), sheet.cell(row, column)
            day = _read_date(value, self.order)
            if day is None:
                raise ExportError(self.file, f"{where}: {_shown(value)} is not a date (expected {self.order})")
            if not self.start <= day <= self.end:
                raise ExportError(
                    self.file, f"{where}: {_shown(value)} ({self.order}) is no date inside the file's period {stated}"
                )
            if day in seen:
                raise ExportError(self.file, f"{sheet.where(row)}: date {day.isoformat()} repeats row {seen[day] + 1}")
            seen[day] = row
            dates.append(day)
        # LinkedIn writes one row for every day of the period, zeros included. A file
        # with fewer is cut or edited, and storing it would delete the days it lacks.
        days = (self.end - self.start).days + 1
        if len(seen) != days:
            every = (self.start + dt.timedelta(days=i) for i in range(days))
            missing = [d.isoformat() for d in every if d not in seen]
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            raise ExportError(
                self.file,
                f"sheet {sheet.name!r} holds {len(seen)} of the {days} days of its period {stated} "
                f"(missing {shown}): a cut or edited file? download the export again",
            )
        return dates

    def _total_followers(self) -> tuple[int | None, dt.date | None]:
        """The 'Total followers on M/D/YYYY' row (legacy files end it with ':'); absent in some exports."""
        sheet = self.sheet("FOLLOWERS")
        prefix = label(self.text("total followers on"))
        for row, cells in enumerate(sheet.rows):
            for column, value in enumerate(cells):
                found = re.fullmatch(rf"{re.escape(prefix)} (.+?):?", label(value))
                if found:
                    as_of = self._single_date(found.group(1), sheet.where(row, column))
                    return self._int_at(sheet, row, value_right_of(sheet, row, column)), as_of
        return None, None

    def _single_date(self, value: object, where: str, latest: dt.date | None = None) -> dt.date:
        day = _read_date(value, self.order)
        if day is None:
            raise ExportError(self.file, f"{where}: expected a date {self.order}, found {_shown(value)}")
        if latest is not None and day > latest:
            raise ExportError(self.file, f"{where}: date {value!r} is after the file's period end {latest.isoformat()}")
        if day < LINKEDIN_LAUNCH:  # a post of the year 1000 would grow the calendar to 375,000 days
            raise ExportError(
                self.file, f"{where}: date {value!r} is before LinkedIn existed ({LINKEDIN_LAUNCH.isoformat()})"
            )
        return day

    # DEMOGRAPHICS ----------------------------------------------------------------

    def _demographics(self) -> tuple[Demographic, ...]:
        """Five-sheet files: one DEMOGRAPHICS sheet; from August 2026 an audience and a content sheet.

        The single DEMOGRAPHICS sheet describes the audience: in one profile's consecutive
        2026 downloads its rows match the later AUDIENCE DEMOGRAPHICS sheet's, not CONTENT's.
        """
        sheets = {"DEMOGRAPHICS": "audience", "AUDIENCE DEMOGRAPHICS": "audience", "CONTENT DEMOGRAPHICS": "content"}
        present = [role for role in sheets if self.book.has(self.lang.sheets.get(role, role))]
        if not present or (present != ["DEMOGRAPHICS"] and "DEMOGRAPHICS" in present):
            self.sheet("DEMOGRAPHICS")  # names the sheets found
            raise ExportError(
                self.file, "expected either a DEMOGRAPHICS sheet or AUDIENCE and CONTENT DEMOGRAPHICS sheets, not both"
            )
        found: list[Demographic] = []
        category, value, percent = (self.text(r) for r in ("top demographics", "value", "percentage"))
        for role in present:
            _, rows = read_demographics(
                self.sheet(role), self.file, category, value, percent, demographic_type=sheets[role]
            )
            found += rows
        return tuple(found)

    # TOP POSTS -------------------------------------------------------------------

    def _top_posts(self) -> list[TopPost]:
        sheet = self.sheet("TOP POSTS")
        header = require_row(sheet, self.file, self.text("post url"))
        sides = self._top_post_sides(sheet, header)
        expected = ", ".join(
            f"{self.text('post url')!r} | {self.text('post publish date')!r} | {self.text(metric)!r}"
            for metric in _TOP_METRICS
        )
        known = [column for columns in sides.values() for column in columns]
        reject_unknown_columns(sheet, self.file, header, known, data_rows(sheet, header), expected)
        posts = []
        for metric, (url_col, date_col, value_col) in sides.items():
            posts += self._top_post_side(sheet, header, metric, url_col, date_col, value_col)
        return posts

    def _top_post_sides(self, sheet: Sheet, header: int) -> dict[str, tuple[int, int, int]]:
        """metric -> (url, publish date, value) columns; each side starts at a 'Post URL' header."""
        cells = sheet.rows[header]
        url_header = self.text("post url")
        starts = [c for c, v in enumerate(cells) if label(v) == label(url_header)] + [len(cells)]
        names = {metric: self.text(metric) for metric in _TOP_METRICS}
        sides = {}
        for begin, stop in itertools.pairwise(starts):
            segment = range(begin, stop)
            date_col = column_of(sheet, header, self.text("post publish date"), self.file, segment)
            metrics = [m for m, text in names.items() if any(label(cells[c]) == label(text) for c in segment)]
            if len(metrics) != 1 or metrics[0] in sides:
                raise ExportError(
                    self.file,
                    f"{sheet.where(header, begin)}: expected the {url_header!r} columns to be followed by "
                    f"one of the headers {' or '.join(repr(t) for t in names.values())}, once each",
                )
            sides[metrics[0]] = (begin, date_col, column_of(sheet, header, names[metrics[0]], self.file, segment))
        for metric, text in names.items():
            if metric not in sides:
                raise ExportError(
                    self.file, f"{sheet.where(header)}: expected a header {text!r} after a {url_header!r}"
                )
        return sides

    def _top_post_side(
        self, sheet: Sheet, header: int, metric: str, url_col: int, date_col: int, value_col: int
    ) -> list[TopPost]:
        """One ranking; it ends where its cells do (with fewer than 50 posts the sides differ in length)."""
        posts: list[TopPost] = []
        seen: set[str] = set()
        for row in data_rows(sheet, header):
            cells = [sheet.cell(row, c) for c in (url_col, date_col, value_col)]
            if all(c is None for c in cells):
                continue  # this side's list ended; the other side may go on
            url = to_linkedin_url(cells[0], sheet.where(row, url_col))
            if url in seen:
                raise ExportError(self.file, f"{sheet.where(row, url_col)}: post listed twice by {metric}")
            seen.add(url)
            # A post can be published long before the period; never after it.
            published = self._single_date(cells[1], sheet.where(row, date_col), latest=self.end)
            value = self._int_at(sheet, row, value_col)
            posts.append(TopPost(metric, len(posts) + 1, url, published, value))
        return posts


def _shown(value: object) -> str:
    return "an empty cell" if value is None else repr(value)


def _read_date(value: object, order: str) -> dt.date | None:
    """A date cell as is; text 'a/b/YYYY' under `order`; None when it is no date that way."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    parts = slash_date_parts(value) if isinstance(value, str) else None
    return read_slash_date(parts, order) if parts else None
