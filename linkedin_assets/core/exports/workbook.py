"""Reading .xlsx exports with python-calamine, and locating blocks by header text.

Rows keep their Excel numbering (row 1 is rows[0]) so messages can point at a cell.
Empty cells ("" or whitespace) are None; trailing empty cells and rows are dropped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook

from linkedin_assets.core.exports.cells import is_empty, label, to_text
from linkedin_assets.core.exports.guards import check_xlsx_package
from linkedin_assets.core.exports.model import ExportError

Row = list[object]


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[Row]

    def where(self, row: int, column: int | None = None) -> str:
        """A human pointer to a cell; row and column are 0-based indexes into rows."""
        if column is None:
            return f"sheet {self.name!r} row {row + 1}"
        return f"sheet {self.name!r} cell {column_letter(column)}{row + 1}"

    def cell(self, row: int, column: int) -> object:
        cells = self.rows[row] if row < len(self.rows) else []
        return cells[column] if column < len(cells) else None


@dataclass(frozen=True)
class Workbook:
    file_name: str
    sheets: dict[str, Sheet]  # keyed by label(sheet name)
    # When LinkedIn generated the file (docProps/core.xml dcterms:created, UTC): the
    # download time. None when the package does not say.
    created: dt.datetime | None = None

    def has(self, name: str) -> bool:
        return label(name) in self.sheets

    def sheet(self, name: str) -> Sheet:
        found = self.sheets.get(label(name))
        if found is None:
            present = ", ".join(repr(s.name) for s in self.sheets.values()) or "none"
            raise ExportError(self.file_name, f"sheet {name!r} not found (sheets found: {present})")
        return found

    def first_sheet(self) -> Sheet:
        if not self.sheets:
            raise ExportError(self.file_name, "workbook has no sheets")
        return next(iter(self.sheets.values()))


def open_workbook(path: Path, file_name: str) -> Workbook:
    """Every sheet of an .xlsx, read eagerly so a damaged part fails here, not later.

    The package is checked first (size, zip, formulas): see guards.py.
    """
    check_xlsx_package(path, file_name)
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = {}
        for name in book.sheet_names:
            values = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            sheets[label(name)] = Sheet(name, _trimmed(values))
    except Exception as exc:  # calamine raises its own, OSError, zip errors...: all mean unreadable
        raise ExportError(file_name, f"not a readable .xlsx workbook: {exc}") from exc
    created = created_at(path)
    # It decides which download wins each day: one from the future would win forever.
    if created is not None and created > dt.datetime.now(dt.timezone.utc) + FUTURE_SLACK:
        raise ExportError(
            file_name,
            f"the workbook says LinkedIn generated it on {created.isoformat(timespec='seconds')}, which is in "
            "the future: a re-saved or hand-made file? download the export again",
        )
    return Workbook(file_name, sheets, created)


# Clocks disagree a little; a day more than now is no clock error.
FUTURE_SLACK = dt.timedelta(days=1)


_CORE = "docProps/core.xml"
_CREATED = "{http://purl.org/dc/terms/}created"


def created_at(path: Path) -> dt.datetime | None:
    """The package's creation time (UTC): LinkedIn's generator writes it when the export is made.

    A file's modification time is no download time (a copy, a sync tool or an unzip
    resets it); this one travels inside the file. None when absent or unreadable.
    """
    try:
        with zipfile.ZipFile(path) as package:
            if _CORE not in package.namelist():
                return None
            found = ElementTree.fromstring(package.read(_CORE)).find(_CREATED)
    except (zipfile.BadZipFile, OSError, ElementTree.ParseError):
        return None
    text = (found.text or "").strip() if found is not None else ""
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    # W3CDTF without a zone is read as UTC, as LinkedIn writes it with "Z".
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)


def _trimmed(values: Sequence[Sequence[object]]) -> list[Row]:
    rows = [_trimmed_row(r) for r in values]
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _trimmed_row(values: Sequence[object]) -> Row:
    row = [None if is_empty(v) else v for v in values]
    while row and row[-1] is None:
        row.pop()
    return row


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def find_row(sheet: Sheet, *headers: str, start: int = 0) -> int | None:
    """First row at or after `start` holding every header (case- and space-insensitive)."""
    wanted = {label(h) for h in headers}
    for index in range(start, len(sheet.rows)):
        if wanted <= {label(v) for v in sheet.rows[index]}:
            return index
    return None


def require_row(sheet: Sheet, file_name: str, *headers: str, start: int = 0) -> int:
    found = find_row(sheet, *headers, start=start)
    if found is None:
        expected = " | ".join(repr(h) for h in headers)
        if not any(sheet.rows[start:]):
            raise ExportError(file_name, f"sheet {sheet.name!r} is empty: expected a header row with {expected}")
        raise ExportError(
            file_name, f"sheet {sheet.name!r}: header row with {expected} not found{_closest(sheet, headers, start)}"
        )
    return found


def _closest(sheet: Sheet, headers: Sequence[str], start: int) -> str:
    """Where the row most like the wanted header row differs from it, so a renamed header is named."""
    wanted = {label(h): h for h in headers}
    best, best_hits = None, 0
    for index in range(start, len(sheet.rows)):
        hits = len(wanted.keys() & {label(v) for v in sheet.rows[index]})
        if hits > best_hits:
            best, best_hits = index, hits
    if best is None:
        return ""
    present = {label(v) for v in sheet.rows[best]}
    missing = ", ".join(repr(h) for key, h in wanted.items() if key not in present)
    found = " | ".join(repr(to_text(v)) for v in sheet.rows[best] if v is not None)
    return f" ({sheet.where(best)} reads {found}: no {missing}; a renamed column?)"


def reject_unknown_columns(
    sheet: Sheet, file_name: str, header: int, known: Sequence[int], rows: Iterable[int], expected: str
) -> None:
    """Refuse a header row or data rows with cells outside the columns the parser reads.

    LinkedIn adding a column (or a hand-edited file) is a layout we do not know:
    storing the known columns and silently dropping the rest could misread it.
    """
    columns = set(known)
    for column, value in enumerate(sheet.rows[header]):
        if value is not None and column not in columns:
            raise ExportError(
                file_name,
                f"{sheet.where(header, column)}: unrecognised layout: unexpected column {to_text(value)!r} "
                f"(expected only {expected})",
            )
    for row in rows:
        for column, value in enumerate(sheet.rows[row]):
            if value is not None and column not in columns:
                raise ExportError(
                    file_name,
                    f"{sheet.where(row, column)}: unrecognised layout: value {to_text(value)!r} in a column "
                    f"without a header (expected only {expected})",
                )


def column_of(sheet: Sheet, row: int, header: str, file_name: str, among: range | None = None) -> int:
    """The column whose cell in `row` is `header`, optionally searched only within `among`."""
    columns = among if among is not None else range(len(sheet.rows[row]))
    for column in columns:
        if label(sheet.cell(row, column)) == label(header):
            return column
    raise ExportError(file_name, f"{sheet.where(row)}: expected a header {header!r}")


def value_right_of(sheet: Sheet, row: int, column: int) -> int:
    """Column of the first non-empty cell right of (row, column), so a shifted value is found."""
    cells = sheet.rows[row]
    return next((c for c in range(column + 1, len(cells)) if cells[c] is not None), column + 1)


def data_rows(sheet: Sheet, after: int, until: int | None = None) -> Iterator[int]:
    """Indexes of the non-blank rows below a header row."""
    for index in range(after + 1, len(sheet.rows) if until is None else until):
        if sheet.rows[index]:
            yield index


def key_value_rows(sheet: Sheet, until: int | None = None) -> Iterator[tuple[int, int, str, object]]:
    """(row, value column, key label, value) for rows 'key | value'; value None when absent."""
    for index in data_rows(sheet, -1, until):
        key_column = next(c for c, v in enumerate(sheet.rows[index]) if v is not None)
        value_column = value_right_of(sheet, index, key_column)
        yield index, value_column, label(sheet.cell(index, key_column)), sheet.cell(index, value_column)


@contextlib.contextmanager
def as_export_errors(file_name: str) -> Iterator[None]:
    """Any failure inside a parser becomes an ExportError naming the file."""
    try:
        yield
    except ExportError:
        raise
    except ValueError as exc:  # the cell helpers' messages already say where and what
        raise ExportError(file_name, str(exc)) from exc
    except Exception as exc:  # a parser bug or a layout nobody foresaw: still the file's error
        raise ExportError(file_name, f"{type(exc).__name__}: {exc}") from exc
