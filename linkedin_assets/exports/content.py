"""The creator "Content" export: DISCOVERY, ENGAGEMENT, TOP POSTS, FOLLOWERS, DEMOGRAPHICS.

Blocks are found by their header text, never by cell address: LinkedIn moves them.
Text dates "a/b/YYYY" are month-first in English locales and day-first in others;
the file's own date range decides which, and a file where both readings fit but
disagree is rejected rather than guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from .cells import DATE_ORDERS, label, read_slash_date, slash_date_parts, to_int, to_text
from .demographics import read_demographics
from .model import ContentExport, DailyTotal, ExportError, FileName, NewFollowers, TopPost
from .names import parse_file_name
from .workbook import (
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
_TOTAL_FOLLOWERS = re.compile(r"total followers on (.+?):?")
_TOP_METRICS = ("Engagements", "Impressions")


def parse_content_export(path: Path, file_name: str | None = None) -> ContentExport:
    """A Content export (legacy `Content_...` or 2026 `AggregateAnalytics_...`) as a record."""
    file_name = file_name or path.name
    with as_export_errors(file_name):
        name = parse_file_name(file_name)
        if name.kind != "content":
            raise ExportError(file_name, f"a {name.kind} export, not a Content export")
        return _ContentReader(open_workbook(path, file_name), name).read()


@dataclass(frozen=True)
class _DateColumn:
    """A column's dates read under the day/month order that fits the file's range."""

    dates: list[dt.date]
    order: str | None  # None when the column does not tell (no text dates, or both readings agree)


class _ContentReader:
    def __init__(self, book: Workbook, name: FileName):
        self.book = book
        self.file = book.file_name
        self.name = name
        self.start: dt.date = name.period_start
        self.end: dt.date = name.period_end

    def read(self) -> ContentExport:
        impressions, members_reached, range_order = self._discovery()
        daily, daily_order = self._engagement()
        new_followers, followers_order = self._new_followers()
        order = self._file_order({"DISCOVERY": range_order, "ENGAGEMENT": daily_order, "FOLLOWERS": followers_order})
        total_followers, total_as_of = self._total_followers(order)
        demographics_sheet = self.book.sheet("DEMOGRAPHICS")
        _, demographics = read_demographics(demographics_sheet, self.file, "Top Demographics", "Percentage")
        return ContentExport(
            file_name=self.file,
            flavour=self.name.flavour,
            profile=self.name.profile,
            period_start=self.start,
            period_end=self.end,
            impressions=impressions,
            members_reached=members_reached,
            daily=tuple(daily),
            top_posts=tuple(self._top_posts(order)),
            total_followers=total_followers,
            total_followers_as_of=total_as_of,
            new_followers=tuple(new_followers),
            demographics=demographics,
        )

    # DISCOVERY -----------------------------------------------------------------

    def _discovery(self) -> tuple[int, int, str | None]:
        sheet = self.book.sheet("DISCOVERY")
        order = self._check_range(sheet, *self._labelled_value(sheet, "Overall Performance"))
        impressions = self._int_at(sheet, *self._labelled_value(sheet, "Impressions"))
        members_reached = self._int_at(sheet, *self._labelled_value(sheet, "Members reached"))
        return impressions, members_reached, order

    def _labelled_value(self, sheet: Sheet, key: str) -> tuple[int, int]:
        """Cell of the value right of the cell reading `key`."""
        for row, cells in enumerate(sheet.rows):
            for column, value in enumerate(cells):
                if label(value) == label(key):
                    return row, value_right_of(sheet, row, column)
        raise ExportError(self.file, f"sheet {sheet.name!r}: row {key!r} not found")

    def _int_at(self, sheet: Sheet, row: int, column: int) -> int:
        return to_int(sheet.cell(row, column), sheet.where(row, column))

    def _check_range(self, sheet: Sheet, row: int, column: int) -> str | None:
        """The day/month order under which the stated range is the file name's range."""
        text = to_text(sheet.cell(row, column)) or ""
        where = sheet.where(row, column)
        parts = [slash_date_parts(end) for end in _RANGE_SEPARATOR.split(text)]
        if len(parts) != 2 or None in parts:
            raise ExportError(self.file, f"{where}: expected a range 'M/D/YYYY - M/D/YYYY', found {text!r}")
        expected = (self.start, self.end)
        fitting = [o for o in DATE_ORDERS if tuple(read_slash_date(p, o) for p in parts) == expected]
        if not fitting:
            stated = f"{self.start.isoformat()} to {self.end.isoformat()}"
            raise ExportError(self.file, f"{where}: range {text!r} does not match the file name's range {stated}")
        return fitting[0] if len(fitting) == 1 else None

    # ENGAGEMENT and FOLLOWERS ----------------------------------------------------

    def _engagement(self) -> tuple[list[DailyTotal], str | None]:
        sheet = self.book.sheet("ENGAGEMENT")
        header = require_row(sheet, self.file, "Date", "Impressions", "Engagements")
        date_col, impressions_col, engagements_col = (
            column_of(sheet, header, h, self.file) for h in ("Date", "Impressions", "Engagements")
        )
        rows = list(data_rows(sheet, header))
        self._check_columns(sheet, header, (date_col, impressions_col, engagements_col), rows)
        column = self._date_column(sheet, rows, date_col)
        totals = [
            DailyTotal(day, self._int_at(sheet, row, impressions_col), self._int_at(sheet, row, engagements_col))
            for row, day in zip(rows, column.dates)
        ]
        return totals, column.order

    def _new_followers(self) -> tuple[list[NewFollowers], str | None]:
        sheet = self.book.sheet("FOLLOWERS")
        header = require_row(sheet, self.file, "Date", "New followers")
        date_col = column_of(sheet, header, "Date", self.file)
        count_col = column_of(sheet, header, "New followers", self.file)
        rows = list(data_rows(sheet, header))
        self._check_columns(sheet, header, (date_col, count_col), rows)
        column = self._date_column(sheet, rows, date_col)
        found = [NewFollowers(day, self._int_at(sheet, row, count_col)) for row, day in zip(rows, column.dates)]
        return found, column.order

    def _check_columns(self, sheet: Sheet, header: int, columns: tuple[int, ...], rows: list[int]) -> None:
        """Only the per-day columns we read, and at least one day: an empty sheet would store nothing."""
        expected = " | ".join(repr(to_text(sheet.cell(header, c))) for c in columns)
        reject_unknown_columns(sheet, self.file, header, columns, rows, expected)
        if not rows:
            stated = f"{self.start.isoformat()} to {self.end.isoformat()}"
            raise ExportError(
                self.file, f"sheet {sheet.name!r} has a header but no data rows (expected one row per day, {stated})"
            )

    def _date_column(self, sheet: Sheet, rows: list[int], column: int) -> _DateColumn:
        """Dates of a per-day column: inside the file's range, one row per date."""
        cells = [(sheet.where(row, column), sheet.cell(row, column)) for row in rows]
        for where, value in cells:
            if all(_read_date(value, order) is None for order in DATE_ORDERS):
                raise ExportError(self.file, f"{where}: {_shown(value)} is not a date (expected M/D/YYYY)")
        readings = {order: [_read_date(value, order) for _, value in cells] for order in DATE_ORDERS}
        fitting = [order for order in DATE_ORDERS if all(self._inside(d) for d in readings[order])]
        if not fitting:
            raise ExportError(self.file, self._no_fit(cells, readings))
        first, second = (readings[order] for order in DATE_ORDERS)
        if len(fitting) == 2 and first != second:
            where, value = next(cell for cell, a, b in zip(cells, first, second) if a != b)
            raise ExportError(
                self.file,
                f"{where}: ambiguous day/month in {value!r}: every date of the column fits the file's range "
                f"both as M/D/YYYY and as DD/MM/YYYY",
            )
        dates = readings[fitting[0]]
        self._check_unique(sheet, rows, dates)
        has_text = any(isinstance(value, str) for _, value in cells)
        return _DateColumn(dates, fitting[0] if len(fitting) == 1 and has_text else None)

    def _inside(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def _no_fit(self, cells: list[tuple[str, object]], readings: dict[str, list[dt.date | None]]) -> str:
        stated = f"{self.start.isoformat()} to {self.end.isoformat()}"
        reasons = []
        for order, dates in readings.items():
            where, value = next(cell for cell, d in zip(cells, dates) if not self._inside(d))
            reasons.append(f"as {order}, {where} ({value!r}) is no date inside {stated}")
        return "dates fit neither day/month order: " + "; ".join(reasons)

    def _check_unique(self, sheet: Sheet, rows: list[int], dates: list[dt.date]) -> None:
        seen: dict[dt.date, int] = {}
        for row, day in zip(rows, dates):
            if day in seen:
                raise ExportError(self.file, f"{sheet.where(row)}: date {day.isoformat()} repeats row {seen[day] + 1}")
            seen[day] = row

    def _file_order(self, orders: dict[str, str | None]) -> str | None:
        """The one day/month order the sheets that tell agree on; None when none tells."""
        told = {sheet: order for sheet, order in orders.items() if order is not None}
        if len(set(told.values())) > 1:
            detail = ", ".join(f"{sheet} {order}" for sheet, order in told.items())
            raise ExportError(self.file, f"sheets disagree on the day/month order of dates: {detail}")
        return next(iter(told.values()), None)

    def _total_followers(self, order: str | None) -> tuple[int | None, dt.date | None]:
        """The 'Total followers on M/D/YYYY:' row; absent in some exports, so optional."""
        sheet = self.book.sheet("FOLLOWERS")
        for row, cells in enumerate(sheet.rows):
            for column, value in enumerate(cells):
                found = _TOTAL_FOLLOWERS.fullmatch(label(value))
                if found:
                    where = sheet.where(row, column)
                    as_of = _single_date(found.group(1), where, order)
                    return self._int_at(sheet, row, value_right_of(sheet, row, column)), as_of
        return None, None

    # TOP POSTS -------------------------------------------------------------------

    def _top_posts(self, order: str | None) -> list[TopPost]:
        sheet = self.book.sheet("TOP POSTS")
        header = require_row(sheet, self.file, "Post URL")
        sides = self._top_post_sides(sheet, header)
        expected = ", ".join(
            f"'Post URL' | 'Post publish date' | {metric!r}" for metric in _TOP_METRICS if metric in sides
        )
        known = [column for columns in sides.values() for column in columns]
        reject_unknown_columns(sheet, self.file, header, known, data_rows(sheet, header), expected)
        posts = []
        for metric, (url_col, date_col, value_col) in sides.items():
            posts += self._top_post_side(sheet, header, metric, url_col, date_col, value_col, order)
        return posts

    def _top_post_sides(self, sheet: Sheet, header: int) -> dict[str, tuple[int, int, int]]:
        """metric -> (url, publish date, value) columns; each side starts at a 'Post URL' header."""
        cells = sheet.rows[header]
        starts = [c for c, v in enumerate(cells) if label(v) == "post url"] + [len(cells)]
        sides = {}
        for begin, stop in zip(starts, starts[1:]):
            segment = range(begin, stop)
            date_col = column_of(sheet, header, "Post publish date", self.file, segment)
            metrics = [m for m in _TOP_METRICS if any(label(cells[c]) == label(m) for c in segment)]
            if len(metrics) != 1 or metrics[0] in sides:
                raise ExportError(
                    self.file,
                    f"{sheet.where(header, begin)}: expected the 'Post URL' columns to be followed by "
                    f"one of the headers 'Engagements' or 'Impressions', once each",
                )
            sides[metrics[0]] = (begin, date_col, column_of(sheet, header, metrics[0], self.file, segment))
        for metric in _TOP_METRICS:
            if metric not in sides:
                raise ExportError(self.file, f"{sheet.where(header)}: expected a header {metric!r} after a 'Post URL'")
        return sides

    def _top_post_side(
        self, sheet: Sheet, header: int, metric: str, url_col: int, date_col: int, value_col: int, order: str | None
    ) -> list[TopPost]:
        posts: list[TopPost] = []
        seen: set[str] = set()
        for row in data_rows(sheet, header):
            cells = [sheet.cell(row, c) for c in (url_col, date_col, value_col)]
            if all(c is None for c in cells):
                continue  # this side's list ended; the other side may go on
            url = to_text(cells[0])
            if url is None or not url.lower().startswith(("http://", "https://")):
                raise ExportError(self.file, f"{sheet.where(row, url_col)}: expected a post URL, found {cells[0]!r}")
            if url in seen:
                raise ExportError(self.file, f"{sheet.where(row, url_col)}: post listed twice by {metric}")
            seen.add(url)
            published = _single_date(cells[1], sheet.where(row, date_col), order, latest=self.end)
            value = self._int_at(sheet, row, value_col)
            posts.append(TopPost(metric.lower(), len(posts) + 1, url, published, value))
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


def _single_date(value: object, where: str, order: str | None, latest: dt.date | None = None) -> dt.date:
    """A lone date, read in the file's day/month order.

    When the file does not tell the order, the reading must be the only one not after `latest`.
    """
    readings = {d for o in ((order,) if order else DATE_ORDERS) if (d := _read_date(value, o)) is not None}
    if not readings:
        raise ValueError(f"{where}: expected a date M/D/YYYY, found {value!r}")
    candidates = {d for d in readings if latest is None or d <= latest}
    if not candidates:
        raise ValueError(f"{where}: date {value!r} is after the file's period end {latest.isoformat()}")
    if len(candidates) > 1:
        raise ValueError(
            f"{where}: ambiguous day/month in {value!r}: nothing in the file tells M/D/YYYY from DD/MM/YYYY"
        )
    return candidates.pop()
