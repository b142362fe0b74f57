"""The demographics block shared by Content and single-post exports."""

from __future__ import annotations

from linkedin_assets.core.exports.cells import label, to_fraction, to_text
from linkedin_assets.core.exports.model import DEMOGRAPHIC_CATEGORIES, Demographic, ExportError
from linkedin_assets.core.exports.workbook import Sheet, column_of, data_rows, reject_unknown_columns, require_row

# Legacy exports label categories in the plural, 2026 ones in the singular.
_SINGULAR = {
    "Job titles": "Job title",
    "Locations": "Location",
    "Industries": "Industry",
    "Seniority": "Seniorities",
    "Company size": "Company sizes",
    "Companies": "Company",
}
_CATEGORIES = {
    label(form): canonical for canonical in DEMOGRAPHIC_CATEGORIES for form in (canonical, _SINGULAR[canonical])
}


def read_demographics(
    sheet: Sheet,
    file_name: str,
    category_header: str,
    value_header: str,
    percent_header: str,
    demographic_type: str = "audience",
) -> tuple[int, tuple[Demographic, ...]]:
    """(header row, rows) of the block headed `category_header` | `Value` | `percent_header`."""
    header = require_row(sheet, file_name, category_header, value_header, percent_header)
    category_col = column_of(sheet, header, category_header, file_name)
    value_col = column_of(sheet, header, value_header, file_name)
    percent_col = column_of(sheet, header, percent_header, file_name)
    expected = " | ".join(repr(to_text(sheet.cell(header, c))) for c in (category_col, value_col, percent_col))
    rows = list(data_rows(sheet, header))
    reject_unknown_columns(sheet, file_name, header, (category_col, value_col, percent_col), rows, expected)
    found: dict[tuple[str, str], Demographic] = {}
    for row in rows:
        category = _category(sheet, row, category_col, file_name)
        value = to_text(sheet.cell(row, value_col))
        if value is None:
            raise ExportError(file_name, f"{sheet.where(row, value_col)}: demographic value is empty")
        percentage, below = to_fraction(sheet.cell(row, percent_col), sheet.where(row, percent_col))
        if (category, value) in found:
            raise ExportError(file_name, f"{sheet.where(row)}: demographic {category} / {value!r} appears twice")
        found[(category, value)] = Demographic(category, value, percentage, below, demographic_type)
    return header, tuple(found.values())


def _category(sheet: Sheet, row: int, column: int, file_name: str) -> str:
    text = sheet.cell(row, column)
    canonical = _CATEGORIES.get(label(text))
    if canonical is None:
        known = ", ".join(DEMOGRAPHIC_CATEGORIES)
        problem = f"unknown demographic category {text!r} (known: {known})"
        raise ExportError(file_name, f"{sheet.where(row, column)}: {problem}")
    return canonical
