"""Cheap checks of a landed file made before any parser reads its content.

A file's name, its size, and for .xlsx its zip package (is it one, is it whole, does
it unpack to something sane, does it hold formulas) are checked here, so a bad file
is refused with a precise reason before python-calamine ever sees it. Every check
raises an ExportError naming the file; nothing here needs Dagster or the lake, so
the Databricks notebooks get the same reasons by calling the parsers.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from linkedin_assets.core.exports.model import ExportError
from linkedin_assets.core.settings import max_file_mb

MAX_FILE_MB_ENV = "LINKEDIN_MAX_FILE_MB"
# A workbook may unpack to this many times the file size limit; more is a zip bomb,
# not an analytics export (LinkedIn's are a few hundred KB unpacked).
MAX_UNPACKED_FACTOR = 10

# Characters no LinkedIn export name holds: path separators, characters Windows
# forbids in file names (so no browser download on Windows can produce them) and the
# shell's metacharacters. Nothing here runs a shell, but such a name is a hand-made
# file, and it would be a trap for any script that later handles the landing folder.
# The apostrophe stays allowed: profile names such as "O'Brien" are real.
_FORBIDDEN_IN_NAMES = '/\\;$`|"<>*?'

_ZIP_MAGIC = b"PK\x03\x04"
# An encrypted .xlsx is an OLE compound file holding an "EncryptedPackage" stream.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_MACROS = re.compile(r"(^|/)vbaProject\.bin$", re.IGNORECASE)
# <f>, <f t="shared" .../>, or with a namespace prefix (<x:f>): a cell formula.
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br\s*=\s*[\"']([A-Za-z]{1,3}\d+)[\"']")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_REFERENCE = re.compile(rb"([A-Za-z]{1,3})(\d{1,7})")
# python-calamine allocates a sheet's whole rectangle up front: a sheet claiming a cell
# at XFD1048576 asks for 17 billion cells and kills the process. LinkedIn's sheets are
# a few hundred rows by a few columns.
MAX_SHEET_CELLS = 2_000_000
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def max_file_bytes() -> int:
    """The size limit from LINKEDIN_MAX_FILE_MB (MB = 1024 * 1024 bytes), default 20."""
    return int(max_file_mb() * 1024 * 1024)


def check_file_name(file_name: str) -> None:
    """Refuse names with control characters, path separators or shell metacharacters."""
    controls = sorted({c for c in file_name if unicodedata.category(c) in ("Cc", "Zl", "Zp")})
    if controls:
        shown = ", ".join(repr(c) for c in controls)
        raise ExportError(file_name, f"file name contains control characters ({shown}): rename the file")
    forbidden = [c for c in _FORBIDDEN_IN_NAMES if c in file_name]
    if forbidden:
        shown = " ".join(forbidden)
        raise ExportError(
            file_name,
            f"file name contains characters not allowed in an export name ({shown}): rename the file",
        )


def check_size(path: Path, file_name: str) -> int:
    """The file's size in bytes; refused above the limit, before anything reads it."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExportError(file_name, f"cannot read the file: {exc.strerror or exc}") from None
    limit = max_file_bytes()
    if size > limit:
        raise ExportError(
            file_name,
            f"file is {_mb(size)}, over the {_mb(limit)} limit ({MAX_FILE_MB_ENV}); "
            "LinkedIn exports are far smaller, so it was not read",
        )
    return size


def check_xlsx_package(path: Path, file_name: str) -> None:
    """An .xlsx is a zip package: refuse what is not one, is cut short, unpacks too big, or holds formulas."""
    if check_size(path, file_name) == 0:
        raise ExportError(file_name, "not a readable .xlsx workbook: the file is empty (0 bytes)")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if not zipfile.is_zipfile(path):
        if magic == _ZIP_MAGIC:
            raise ExportError(
                file_name,
                "not a readable .xlsx workbook: the zip archive is truncated or damaged "
                "(its central directory is missing): an interrupted download? download it again",
            )
        if magic == _OLE_MAGIC and _ENCRYPTED_PACKAGE in path.read_bytes():  # size checked above
            raise ExportError(
                file_name,
                "the workbook is password-protected (encrypted): LinkedIn's exports never are; "
                "save it without a password or download the export again",
            )
        raise ExportError(
            file_name,
            "not a readable .xlsx workbook: the file is not a zip archive, as every .xlsx is "
            f"(it starts with {magic!r}: an .xls, CSV or web page renamed to .xlsx?)",
        )
    try:
        with zipfile.ZipFile(path) as package:
            _check_package(package, path, file_name)
    except ExportError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:
        raise ExportError(file_name, f"not a readable .xlsx workbook: damaged zip archive ({exc})") from None


def _check_package(package: zipfile.ZipFile, path: Path, file_name: str) -> None:
    members = {info.filename: info for info in package.infolist()}
    if "xl/workbook.xml" not in members:
        raise ExportError(
            file_name,
            "not a readable .xlsx workbook: a zip archive without xl/workbook.xml (not an Excel workbook)",
        )
    unpacked = sum(info.file_size for info in members.values())
    limit = max_file_bytes() * MAX_UNPACKED_FACTOR
    if unpacked > limit:
        raise ExportError(
            file_name,
            f"workbook unpacks to {_mb(unpacked)}, over {MAX_UNPACKED_FACTOR} x the "
            f"{_mb(max_file_bytes())} limit ({MAX_FILE_MB_ENV}): not a LinkedIn export",
        )
    macros = next((m for m in members if _MACROS.search(m)), None)
    if macros:
        raise ExportError(
            file_name, f"the workbook holds macros ({macros}): LinkedIn's exports never do; it was not read"
        )
    names = _sheet_names(package)
    for member in sorted(m for m in members if m.startswith("xl/worksheets/") and m.endswith(".xml")):
        xml = package.read(member)
        _check_extent(xml, names.get(member, posixpath.basename(member)), file_name)
        found = _FORMULA.search(xml)
        if found:
            cells = list(_CELL.finditer(xml, 0, found.start()))
            cell = cells[-1].group(1).decode("ascii").upper() if cells else "?"
            sheet = names.get(member, posixpath.basename(member))
            raise ExportError(
                file_name,
                f"contains formulas (sheet {sheet!r} cell {cell}): LinkedIn exports hold plain values; "
                "download the export again, or paste the cells as values",
            )


def _check_extent(xml: bytes, sheet: str, file_name: str) -> None:
    """Refuse a sheet whose declared or used cells span more than MAX_SHEET_CELLS, before any reader allocates them."""
    references = [m.group(1) for m in _CELL.finditer(xml)]
    references += [end for m in _DIMENSION.finditer(xml) for end in m.group(1).split(b":")]
    rows = columns = 0
    for reference in references:
        found = _REFERENCE.fullmatch(reference.strip().replace(b"$", b""))
        if found:
            rows = max(rows, int(found.group(2)))
            columns = max(columns, _column_number(found.group(1)))
    if rows * columns > MAX_SHEET_CELLS:
        raise ExportError(
            file_name,
            f"sheet {sheet!r} spans {rows:,} rows x {columns:,} columns ({rows * columns:,} cells, over "
            f"{MAX_SHEET_CELLS:,}): not a LinkedIn export, and too large to read safely",
        )


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - ord("A") + 1
    return number


def _sheet_names(package: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part -> the sheet's name in Excel; empty when the package does not say."""
    try:
        book = ElementTree.fromstring(package.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(_RELATIONSHIPS)}
    names = {}
    for sheet in book.iter():
        if sheet.tag.rsplit("}", 1)[-1] != "sheet" or sheet.get(_R_ID) not in targets:
            continue
        target = targets[sheet.get(_R_ID)]
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        names[part] = sheet.get("name", part)
    return names


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
