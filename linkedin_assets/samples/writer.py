"""Real .xlsx (and CSV) files laid out exactly like LinkedIn's exports (see LINKEDIN_EXPORTS.md).

Workbooks are written in openpyxl's write-only mode without styling: a year of
history and hundreds of daily files must generate in seconds.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook

from ..exports.model import Demographic
from .profile import Profile

FLAVOURS = ("legacy", "2026")
DATE_ORDERS = ("MDY", "DMY")
PATCH_COLUMNS = ("post_url", "true_url", "title", "content")
TOP_POSTS_BANNER = "Maximum of 50 posts available to include in this list"

# 2026 exports label demographic categories in the singular.
_SINGULAR = {
    "Job titles": "Job title",
    "Locations": "Location",
    "Industries": "Industry",
    "Seniority": "Seniority",
    "Company size": "Company size",
    "Companies": "Company",
}

# Single-post keys in LinkedIn's order; the 2026 layout adds the last three.
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
_POST_KEYS_2026 = (
    ("Social engagements", "social_engagements"),
    ("Link engagements", "link_engagements"),
    ("Premium custom button engagements", "premium_custom_button_engagements"),
)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Cell = object
Rows = Iterable[Sequence[Cell]]


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


# --- Content export ----------------------------------------------------------------


def write_content_export(
    profile: Profile,
    folder: Path,
    start: dt.date,
    end: dt.date,
    flavour: str = "legacy",
    date_order: str = "MDY",
    suffix: str = "",
) -> Path:
    """The Content workbook for [start, end]: DISCOVERY, ENGAGEMENT, TOP POSTS, FOLLOWERS, DEMOGRAPHICS."""
    _check_flavour(flavour)
    if date_order not in DATE_ORDERS:
        raise ValueError(f"date_order must be one of {DATE_ORDERS}, not {date_order!r}")
    days = profile.dates(start, end)  # also checks the range lies inside the profile
    text = flavour == "2026"
    number = _thousands if text else _plain
    date = _dmy if date_order == "DMY" else _mdy
    sheets = {
        "DISCOVERY": _discovery(profile, start, end, number, date),
        "ENGAGEMENT": _engagement(profile, days, number, date),
        "TOP POSTS": _top_posts(profile, start, end, number, date, text),
        "FOLLOWERS": _followers(profile, days, number, date),
        "DEMOGRAPHICS": _demographic_rows(profile.demographics, ("Top Demographics", "Value", "Percentage"), text),
    }
    return _save(sheets, Path(folder) / content_file_name(profile.name, start, end, flavour, suffix))


def _discovery(profile: Profile, start: dt.date, end: dt.date, number, date) -> Rows:
    return [
        ["Overall Performance", f"{date(start)} - {date(end)}"],
        ["Impressions", number(profile.impressions(start, end))],
        ["Members reached", number(profile.members_reached(start, end))],
    ]


def _engagement(profile: Profile, days: list[dt.date], number, date) -> Rows:
    rows: list[list[Cell]] = [["Date", "Impressions", "Engagements"]]
    rows += [[date(d), number(profile.days[d].impressions), number(profile.days[d].engagements)] for d in days]
    return rows


def _top_posts(profile: Profile, start: dt.date, end: dt.date, number, date, text: bool) -> Rows:
    published = "Post Publish Date" if text else "Post publish date"
    by_engagements = profile.top_posts(start, end, "engagements")
    by_impressions = profile.top_posts(start, end, "impressions")
    rows: list[list[Cell]] = [
        [TOP_POSTS_BANNER],
        [],
        ["Post URL", published, "Engagements", None, "Post URL", published, "Impressions"],
    ]
    for index in range(max(len(by_engagements), len(by_impressions))):
        row = _top_side(by_engagements, index, number, date) + [None] + _top_side(by_impressions, index, number, date)
        rows.append(_trimmed(row))
    return rows


def _top_side(ranked: list[tuple[str, dt.date, int]], index: int, number, date) -> list[Cell]:
    if index >= len(ranked):
        return [None, None, None]
    url, published, value = ranked[index]
    return [url, date(published), number(value)]


def _followers(profile: Profile, days: list[dt.date], number, date) -> Rows:
    end = days[-1]
    rows: list[list[Cell]] = [
        [f"Total followers on {date(end)}:", number(profile.days[end].total_followers)],
        [],
        ["Date", "New followers"],
    ]
    rows += [[date(d), number(profile.days[d].new_followers)] for d in days]
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


def write_post_export(profile: Profile, url: str, as_of: dt.date, folder: Path, flavour: str = "legacy") -> Path:
    """A single-post workbook with the post's lifetime-to-date figures as of `as_of`."""
    _check_flavour(flavour)
    post = profile.post(url)
    metrics = profile.post_lifetime(url, as_of)
    demographics = profile.post_demographics(url)
    header = ("Category", "Value", "%")
    if flavour == "legacy":
        keys = _POST_KEYS
        performance = _post_rows(post.url, post.published_at, as_of, metrics, keys, _long_date, _plain)
        sheets = {
            "PERFORMANCE": performance,
            "TOP DEMOGRAPHICS": _demographic_rows(demographics, header, text=False),
        }
    else:
        keys = _POST_KEYS + _POST_KEYS_2026
        performance = _post_rows(post.url, post.published_at, as_of, metrics, keys, _mdy, _thousands)
        sheets = {"Post analytics": [*performance, [], *_demographic_rows(demographics, header, text=True)]}
    return _save(sheets, Path(folder) / post_file_name(profile.name, post.activity_id, flavour))


def _post_rows(url, published_at: dt.datetime, as_of: dt.date, metrics, keys, date, number) -> list[list[Cell]]:
    rows: list[list[Cell]] = [
        ["Post URL", url],
        ["Post Date", date(published_at.date())],
        ["Post Publish Time", _clock(published_at)],
    ]
    rows += [[key, number(metrics[metric])] for key, metric in keys]
    rows.append(["Highlights", f"{date(published_at.date())} to {date(as_of)}"])
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


def _save(sheets: dict[str, Rows], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


def _trimmed(row: list[Cell]) -> list[Cell]:
    # An impressions list longer than the engagements list leaves no trailing Nones behind.
    while row and row[-1] is None:
        row.pop()
    return row


def _plain(value: int) -> int:
    return value


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
