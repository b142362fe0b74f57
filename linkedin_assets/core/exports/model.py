"""What the parsers return: plain typed records, one class per LinkedIn export.

The parsers know LinkedIn's layouts; nothing downstream does. Bronze assets turn
these records into Arrow tables, and the sample generator is checked against them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

# Canonical demographic categories (legacy labels are plural, 2026 ones singular).
DEMOGRAPHIC_CATEGORIES = (
    "Job titles",
    "Locations",
    "Industries",
    "Seniority",
    "Company size",
    "Companies",
)

# Canonical single-post metric names, in the order LinkedIn lists them.
POST_METRICS = (
    "impressions",
    "members_reached",
    "reactions",
    "comments",
    "reposts",
    "saves",
    "sends_on_linkedin",
    "profile_viewers",
    "followers_gained",
    "social_engagements",
    "link_engagements",
    "premium_custom_button_engagements",
)


class ExportError(ValueError):
    """A file that is not a LinkedIn export we understand; the message names file and problem.

    The message is always one line starting with the file name, whatever the name or
    the problem hold (a newline in a file name, an exception text over several lines),
    because it is stored as the last line of `<name>.error.txt` and shown in run logs.
    """

    def __init__(self, file_name: str, problem: str):
        self.file_name = file_name
        self.problem = problem
        super().__init__(f"{shown_name(file_name)}: {excerpt(one_line(problem))}")


# A reason quotes the cell it is about; a 10 MB cell must not travel whole into the
# error note, the terminal, the event log and the support email.
MAX_REASON_CHARS = 500


def excerpt(text: str, limit: int = MAX_REASON_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


# Line and paragraph separators count too: str.splitlines() splits on them.
_BREAKING = ("Cc", "Zl", "Zp")
# Bidirectional controls reorder what a terminal shows ("fdp.xlsx" reads as "xlsx.pdf"
# after a right-to-left override): written as escapes too.
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def shown_name(file_name: str) -> str:
    """A file name on one line, as it is: control and bidi characters written as escapes."""
    return "".join(_escaped(c) if unicodedata.category(c) in _BREAKING or c in _BIDI else c for c in file_name)


def one_line(text: str) -> str:
    """Text on one line: line breaks become ' / ', other control characters escapes."""
    lines = [line.strip() for line in re.split(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+", text)]
    return shown_name(" / ".join(line for line in lines if line))


def _escaped(char: str) -> str:
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
    if named:
        return named
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


@dataclass(frozen=True)
class FileName:
    """What a file's name says about it."""

    kind: str  # "content" | "post"
    flavour: str  # "legacy" | "2026"
    profile: str
    period_start: dt.date | None = None  # content exports only
    period_end: dt.date | None = None
    post_id: str | None = None  # single-post exports only


@dataclass(frozen=True)
class DailyTotal:
    date: dt.date
    impressions: int
    engagements: int


@dataclass(frozen=True)
class TopPost:
    metric: str  # "engagements" | "impressions"
    rank: int  # 1-based position in LinkedIn's list
    post_url: str
    post_publish_date: dt.date
    value: int


@dataclass(frozen=True)
class NewFollowers:
    date: dt.date
    new_followers: int


@dataclass(frozen=True)
class Demographic:
    category: str  # one of DEMOGRAPHIC_CATEGORIES
    value: str
    percentage: float | None  # fraction 0..1; None when LinkedIn wrote "< 1%"
    below_one_percent: bool
    # "audience" (DEMOGRAPHICS, AUDIENCE DEMOGRAPHICS) or "content" (CONTENT DEMOGRAPHICS,
    # a single post's viewers)
    demographic_type: str = "audience"


@dataclass(frozen=True)
class ContentExport:
    file_name: str
    flavour: str
    profile: str
    period_start: dt.date
    period_end: dt.date
    impressions: int | None  # DISCOVERY, over the whole period; None: no DISCOVERY (2023 files)
    members_reached: int | None
    daily: tuple[DailyTotal, ...]
    top_posts: tuple[TopPost, ...]
    total_followers: int | None
    total_followers_as_of: dt.date | None
    new_followers: tuple[NewFollowers, ...]
    demographics: tuple[Demographic, ...]
    generated_at: dt.datetime | None = None  # when LinkedIn made the file (UTC): its download time


@dataclass(frozen=True)
class PostExport:
    file_name: str
    flavour: str
    profile: str
    post_id: str | None  # from the file name
    post_url: str
    post_publish_date: dt.date
    post_publish_timestamp: dt.datetime | None  # UTC, naive; None when no time given
    highlights_start: dt.date | None
    # The day the lifetime numbers are as of: the end of the Highlights range (legacy),
    # else the UTC date the file was generated (2026 files have no Highlights row).
    as_of_date: dt.date
    metrics: dict[str, int | None] = field(default_factory=dict)  # keys from POST_METRICS
    demographics: tuple[Demographic, ...] = ()
    generated_at: dt.datetime | None = None


@dataclass(frozen=True)
class PatchRow:
    post_url: str
    true_url: str | None  # None = no correction for this field
    title: str | None
    content: str | None


@dataclass(frozen=True)
class PatchFile:
    file_name: str
    rows: tuple[PatchRow, ...]
