"""Real .xlsx (and CSV) files laid out exactly like LinkedIn's exports (see LINKEDIN_EXPORTS.md).

Workbooks are written in openpyxl's write-only mode without styling: a year of
history and hundreds of daily files must generate in seconds.

What the files carry, as real exports do (LINKEDIN_EXPORTS.md section 4):
- `docProps/core.xml` `dcterms:created` is the download moment (`generated_at`,
  naive UTC; by default 10:00 on the Content export's last day / the post export's
  as-of day: LinkedIn generates a Content export on its last day, so that day is
  partial, and a 2026 single-post export's as-of date is the date it was made).
- `flavour` sets names and cells: "legacy" numbers are numeric cells, empties are
  absent; "2026" writes every value as text (counts as plain digits, "1234"),
  empty cells as '' strings (TOP POSTS column D and the cells of a side that ran out
  of posts), and `Total followers on M/D/YYYY` without the legacy colon. Blank rows
  have no cells in both flavours, as in real files (`<row r="2"/>`); calamine reads
  them as rows of ''.
- `layout` sets the Content sheets by generation (CONTENT_LAYOUTS): "2023" has no
  DISCOVERY; "2024" reads `Unique views` for `Members reached`; "2025" and "2026"
  are the five-sheet layout; "2026-08" has six sheets, AUDIENCE and CONTENT
  DEMOGRAPHICS in place of DEMOGRAPHICS. By default: "2026-08" for a 2026 file
  ending on or after 2026-08-01, "2026" for an earlier 2026 file, "2025" for legacy.
- `revised=True` writes an earlier download of the window (`Profile.earlier_download`):
  past days revised up and down, the last day partial.
- A 2026 single-post export has no Highlights row (its as-of date is only in
  `dcterms:created`), unlabelled section rows, three cells a row, and a file-name id
  that is not the URL's id (`Post.export_id`).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText

from linkedin_assets.core.exports.model import Demographic
from linkedin_assets.samples.profile import Profile

FLAVOURS = ("legacy", "2026")
DATE_ORDERS = ("MDY", "DMY")
CONTENT_LAYOUTS = ("2023", "2024", "2025", "2026", "2026-08")
SIX_SHEETS_FROM = dt.date(2026, 8, 1)  # 2026 Content exports ending on or after this have six sheets
GENERATED_AT_HOUR = 10  # default download time (UTC) on the file's last / as-of day
PATCH_COLUMNS = ("post_url", "true_url", "title", "content")
TOP_POSTS_BANNER = "Maximum of 50 posts available to include in this list"
DEMOGRAPHICS_HEADER = ("Top Demographics", "Value", "Percentage")
POST_DEMOGRAPHICS_HEADER = ("Category", "Value", "%")

# 2026 exports label demographic categories in the singular.
_SINGULAR = {
    "Job titles": "Job title",
    "Locations": "Location",
    "Industries": "Industry",
    "Seniority": "Seniority",
    "Company size": "Company size",
    "Companies": "Company",
}

# Legacy single-post keys in LinkedIn's order.
_POST_KEYS = (
    ("Impressions", "impressions"),
    ("Members reached", "members_reached"),
    ("Reactions", "reactions"),
    ("Comments", "comments"),
    ("Reposts", "reposts"),
    ("Saves", "saves"),
    ("Sends on LinkedIn", "sends_on_linkedin"),
    ("Profile viewers from this post", "profile_viewers"),
    ("Followers gained from this post", "followers_gained"),
)
# The 2026 `Post analytics` sheet: section title (value cell empty) and its keys.
_POST_SECTIONS_2026 = (
    ("Discovery", (("Impressions", "impressions"), ("Members reached", "members_reached"))),
    (
        "Profile activity",
        (
            ("Profile viewers from this post", "profile_viewers"),
            ("Followers gained from this post", "followers_gained"),
        ),
    ),
    (
        "Engagement",
        (
            ("Social engagements", "social_engagements"),
            ("Reactions", "reactions"),
            ("Comments", "comments"),
            ("Reposts", "reposts"),
            ("Saves", "saves"),
            ("Sends on LinkedIn", "sends_on_linkedin"),
            ("Link engagements", "link_engagements"),
            ("Premium custom button engagements", "premium_custom_button_engagements"),
        ),
    ),
)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# POI writes '' as a string cell; openpyxl would write an empty '' as a cell without
# a value, which openpyxl reads back as None. An empty rich-text run reads as ''.
_EMPTY_STRING = CellRichText("")

Cell = object
Rows = Iterable[Sequence[Cell]]


@dataclass(frozen=True)
class _Cells:
    """How one file writes numbers, dates and empty cells."""

    text: bool  # 2026: every value as text, empties as ''
    number: Callable[[int], Cell]
    date: Callable[[dt.date], str]

    @property
    def empty(self) -> Cell:
        return "" if self.text else None


# --- names -------------------------------------------------------------------------


def content_file_name(profile_name: str, start: dt.date, end: dt.date, flavour: str, suffix: str = "") -> str:
    _check_flavour(flavour)
    if flavour == "legacy":
        return f"Content_{start.isoformat()}_{end.isoformat()}_{_legacy_name(profile_name)}{suffix}.xlsx"
    return f"AggregateAnalytics_{profile_name}_{start.isoformat()}_{end.isoformat()}{suffix}.xlsx"


def post_file_name(profile_name: str, activity_id: str, flavour: str, suffix: str = "") -> str:
    _check_flavour(flavour)
    if flavour == "legacy":
        return f"PostAnalytics_{_legacy_name(profile_name)}_{activity_id}{suffix}.xlsx"
    return f"SinglePostAnalytics_{profile_name}_{activity_id}{suffix}.xlsx"


def _legacy_name(profile_name: str) -> str:
    # Legacy names run the words together ("AdaQ.Lovelace,PhD"); 2026 ones keep the spaces.
    return "".join(profile_name.split())


def default_layout(flavour: str, end: dt.date) -> str:
    """The Content layout LinkedIn used for a file of `flavour` ending on `end`."""
    _check_flavour(flavour)
    if flavour == "legacy":
        return "2025"
    return "2026-08" if end >= SIX_SHEETS_FROM else "2026"


def content_sheet_names(layout: str) -> list[str]:
    """The sheets of a Content export of `layout`, in order."""
    _check_layout(layout)
    demographics = ["AUDIENCE DEMOGRAPHICS", "CONTENT DEMOGRAPHICS"] if layout == "2026-08" else ["DEMOGRAPHICS"]
    discovery = [] if layout == "2023" else ["DISCOVERY"]
    return [*discovery, "ENGAGEMENT", "TOP POSTS", "FOLLOWERS", *demographics]


def default_generated_at(day: dt.date) -> dt.datetime:
    """The default download moment of a file whose last (or as-of) day is `day`: that day, 10:00 UTC."""
    return dt.datetime.combine(day, dt.time(GENERATED_AT_HOUR))


# --- Content export ----------------------------------------------------------------


def write_content_export(
    profile: Profile,
    folder: Path,
    start: dt.date,
    end: dt.date,
    flavour: str = "legacy",
    date_order: str = "MDY",
    suffix: str = "",
    *,
    layout: str | None = None,
    generated_at: dt.datetime | None = None,
    revised: bool = False,
    thousands: bool = False,
) -> Path:
    """The Content workbook for [start, end]; see the module docstring for the keywords.

    `layout` None: default_layout(flavour, end). `generated_at` None:
    default_generated_at(end). `revised`: the values of an earlier download of the
    window (Profile.earlier_download(start, end)) instead of the truth. `thousands`:
    counts as text with thousands separators ("5,537"), whatever the flavour.
    """
    _check_flavour(flavour)
    if date_order not in DATE_ORDERS:
        raise ValueError(f"date_order must be one of {DATE_ORDERS}, not {date_order!r}")
    layout = default_layout(flavour, end) if layout is None else layout
    _check_layout(layout)
    days = profile.dates(start, end)  # also checks the range lies inside the profile
    shown = profile.earlier_download(start, end) if revised else profile
    text = flavour == "2026"
    cells = _Cells(
        text=text,
        number=_thousands if thousands else (_digits if text else _plain),
        date=_dmy if date_order == "DMY" else _mdy,
    )
    sheets: dict[str, Rows] = {}
    if layout != "2023":
        sheets["DISCOVERY"] = _discovery(shown, start, end, cells, layout)
    sheets["ENGAGEMENT"] = _engagement(shown, days, cells)
    sheets["TOP POSTS"] = _top_posts(shown, start, end, cells)
    sheets["FOLLOWERS"] = _followers(shown, days, cells)
    if layout == "2026-08":
        sheets["AUDIENCE DEMOGRAPHICS"] = _demographic_rows(profile.demographics, DEMOGRAPHICS_HEADER, text)
        sheets["CONTENT DEMOGRAPHICS"] = _demographic_rows(profile.content_demographics, DEMOGRAPHICS_HEADER, text)
    else:
        sheets["DEMOGRAPHICS"] = _demographic_rows(profile.demographics, DEMOGRAPHICS_HEADER, text)
    assert list(sheets) == content_sheet_names(layout)
    path = Path(folder) / content_file_name(profile.name, start, end, flavour, suffix)
    return _save(sheets, path, _created(generated_at, end))


def _discovery(profile: Profile, start: dt.date, end: dt.date, cells: _Cells, layout: str) -> Rows:
    reached = "Unique views" if layout == "2024" else "Members reached"
    return [
        ["Overall Performance", f"{cells.date(start)} - {cells.date(end)}"],
        ["Impressions", cells.number(profile.impressions(start, end))],
        [reached, cells.number(profile.members_reached(start, end))],
    ]


def _engagement(profile: Profile, days: list[dt.date], cells: _Cells) -> Rows:
    rows: list[list[Cell]] = [["Date", "Impressions", "Engagements"]]
    rows += [
        [cells.date(d), cells.number(profile.days[d].impressions), cells.number(profile.days[d].engagements)]
        for d in days
    ]
    return rows


def _top_posts(profile: Profile, start: dt.date, end: dt.date, cells: _Cells) -> Rows:
    published = "Post Publish Date" if cells.text else "Post publish date"
    by_engagements = profile.top_posts(start, end, "engagements")
    by_impressions = profile.top_posts(start, end, "impressions")
    rows: list[list[Cell]] = [
        [TOP_POSTS_BANNER],
        [],  # a row without cells, in both flavours (POI writes <row r="2"/>)
        ["Post URL", published, "Engagements", cells.empty, "Post URL", published, "Impressions"],
    ]
    for index in range(max(len(by_engagements), len(by_impressions))):
        row = [*_top_side(by_engagements, index, cells), cells.empty, *_top_side(by_impressions, index, cells)]
        rows.append(row if cells.text else _trimmed(row))
    return rows


def _top_side(ranked: list[tuple[str, dt.date, int]], index: int, cells: _Cells) -> list[Cell]:
    if index >= len(ranked):
        return [cells.empty] * 3  # sides have their own lengths; 2026 fills the gap with ''
    url, published, value = ranked[index]
    return [url, cells.date(published), cells.number(value)]


def _followers(profile: Profile, days: list[dt.date], cells: _Cells) -> Rows:
    end = days[-1]
    colon = "" if cells.text else ":"  # 2026: "Total followers on 4/18/2026", no colon
    rows: list[list[Cell]] = [
        [f"Total followers on {cells.date(end)}{colon}", cells.number(profile.days[end].total_followers)],
        [],
        ["Date", "New followers"],
    ]
    rows += [[cells.date(d), cells.number(profile.days[d].new_followers)] for d in days]
    return rows


def _demographic_rows(demographics: list[Demographic], header: Sequence[str], text: bool) -> Rows:
    rows: list[list[Cell]] = [list(header)]
    for found in demographics:
        category = _SINGULAR[found.category] if text else found.category
        rows.append([category, found.value, _percentage(found, text)])
    return rows


def _percentage(found: Demographic, text: bool) -> Cell:
    if found.below_one_percent or found.percentage is None:
        return "< 1%"
    return f"{round(found.percentage * 100)}%" if text else found.percentage


# --- single-post export ------------------------------------------------------------


def write_post_export(
    profile: Profile,
    url: str,
    as_of: dt.date,
    folder: Path,
    flavour: str = "legacy",
    *,
    generated_at: dt.datetime | None = None,
    file_id: str | None = None,
    suffix: str = "",
    thousands: bool = False,
) -> Path:
    """A single-post workbook with the post's lifetime-to-date figures as of `as_of`.

    `generated_at` None: default_generated_at(as_of); a 2026 file's as-of date is only
    in it, so keep its date equal to `as_of` unless a test wants them apart. `file_id`
    None: the post's activity id (legacy) or its Post.export_id (2026, not the URL's
    id). `thousands`: counts as text with separators ("5,537"); otherwise legacy
    counts are numbers and 2026 ones plain-digit text ("1234").
    """
    _check_flavour(flavour)
    post = profile.post(url)
    metrics = profile.post_lifetime(url, as_of)
    demographics = profile.post_demographics(url)
    if flavour == "legacy":
        number = _thousands if thousands else _plain
        sheets = {
            "PERFORMANCE": _legacy_post_rows(post.url, post.published_at, as_of, metrics, number),
            "TOP DEMOGRAPHICS": _demographic_rows(demographics, POST_DEMOGRAPHICS_HEADER, text=False),
        }
        file_id = post.activity_id if file_id is None else file_id
    else:
        number = _thousands if thousands else _digits
        demographic_rows = _demographic_rows(demographics, POST_DEMOGRAPHICS_HEADER, text=True)
        sheets = {"Post analytics": _post_rows_2026(post.url, post.published_at, metrics, number, demographic_rows)}
        file_id = post.export_id if file_id is None else file_id
    path = Path(folder) / post_file_name(profile.name, file_id, flavour, suffix)
    return _save(sheets, path, _created(generated_at, as_of))


def _legacy_post_rows(url, published_at: dt.datetime, as_of: dt.date, metrics, number) -> list[list[Cell]]:
    rows: list[list[Cell]] = [
        ["Post URL", url],
        ["Post Date", _long_date(published_at.date())],
        ["Post Publish Time", _clock(published_at)],
    ]
    rows += [[key, number(metrics[metric])] for key, metric in _POST_KEYS]
    rows.append(["Highlights", f"{_long_date(published_at.date())} to {_long_date(as_of)}"])
    return rows


def _post_rows_2026(url, published_at: dt.datetime, metrics, number, demographic_rows: Rows) -> list[list[Cell]]:
    # As POI writes it: the sheet is three columns wide (A1:C..) because of the
    # demographics; key/value rows have cells A-B only, section titles A only, blank
    # rows no cells. A reader that pads rows (calamine) sees '' in the rest.
    rows: list[list[Cell]] = [
        ["Post URL", url],
        ["Post Date", _mdy(published_at.date())],
        ["Post Publish Time", _clock(published_at)],
        [],
    ]
    for title, keys in _POST_SECTIONS_2026:
        rows.append([title])
        rows += [[key, number(metrics[metric])] for key, metric in keys]
    rows += [[], ["Post viewer demographics"], *(list(row) for row in demographic_rows)]
    return rows


# --- patch file --------------------------------------------------------------------


def write_patch_file(rows: list[dict], path: Path) -> Path:
    """Patch rows as CSV (UTF-8) or xlsx, by the path's suffix; a missing key or None is an empty cell."""
    path = Path(path)
    table = [list(PATCH_COLUMNS)] + [[row.get(c) for c in PATCH_COLUMNS] for row in rows]
    suffix = path.suffix.lower()
    if suffix == ".csv":
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows([["" if v is None else v for v in r] for r in table])
        return path
    if suffix == ".xlsx":
        return _save({"patch": table}, path)
    raise ValueError(f"a patch file must end in .csv or .xlsx, not {path.name!r}")


# --- cells and workbooks -------------------------------------------------------------


def _save(sheets: dict[str, Rows], path: Path, created: dt.datetime | None = None) -> Path:
    """Write the sheets; `created` (naive UTC) becomes docProps/core.xml dcterms:created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    if created is not None:
        book.properties.created = created
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append([_EMPTY_STRING if value == "" else value for value in row])
    book.save(path)
    return path


def _created(generated_at: dt.datetime | None, day: dt.date) -> dt.datetime:
    if generated_at is None:
        return default_generated_at(day)
    if generated_at.tzinfo is not None:
        generated_at = generated_at.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return generated_at.replace(microsecond=0)  # W3CDTF in core.xml has whole seconds


def _trimmed(row: list[Cell]) -> list[Cell]:
    # An impressions list longer than the engagements list leaves no trailing Nones behind.
    while row and row[-1] is None:
        row.pop()
    return row


def _plain(value: int) -> int:
    return value


def _digits(value: int) -> str:
    return str(value)  # 2026 Content exports: "1234", "-2"


def _thousands(value: int) -> str:
    return f"{value:,}"


def _mdy(day: dt.date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


def _dmy(day: dt.date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _long_date(day: dt.date) -> str:
    # "Sep 30, 2025", no zero padding; spelled out so the process locale cannot change it.
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def _clock(moment: dt.datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def _check_flavour(flavour: str) -> None:
    if flavour not in FLAVOURS:
        raise ValueError(f"flavour must be one of {FLAVOURS}, not {flavour!r}")


def _check_layout(layout: str) -> None:
    if layout not in CONTENT_LAYOUTS:
        raise ValueError(f"layout must be one of {CONTENT_LAYOUTS}, not {layout!r}")
