"""Cell values as LinkedIn writes them, turned into Python values.

The same figure arrives as a number cell in one export and as text ("5,537", "2%",
"< 1%") in another, so every reader goes through these helpers. They raise a plain
ValueError whose message starts with `where` (sheet and cell); the parsers wrap it
into an ExportError that adds the file name.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

# A grouped number must be grouped correctly: "55,37" is a misread, not 5537.
_WHOLE_NUMBER = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_BELOW_ONE_PERCENT = re.compile(r"<\s*1\s*%")
_SLASH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_TEXT_DATE_FORMATS = ("%b %d, %Y", "%B %d, %Y")
_TIME_FORMATS = ("%I:%M %p", "%I:%M:%S %p", "%H:%M", "%H:%M:%S")

INT64_MAX = 2**63 - 1
LINKEDIN_LAUNCH = dt.date(2003, 5, 5)  # no post, day or follower count is older

# Day/month orders a text date "a/b/YYYY" can be read in.
MONTH_FIRST = "M/D/YYYY"
DAY_FIRST = "DD/MM/YYYY"
DATE_ORDERS = (MONTH_FIRST, DAY_FIRST)


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def to_text(value: object) -> str | None:
    """A cell as trimmed text; None when empty. Integral floats lose their '.0'."""
    if is_empty(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


def label(value: object) -> str:
    """A header or key cell in comparable form: trimmed, lower case, single spaces."""
    return " ".join(str(value).split()).lower() if not is_empty(value) else ""


def to_int(value: object, where: str, signed: bool = False) -> int:
    """A LinkedIn count: a whole number, given as a number or as text.

    Never negative unless `signed`: LinkedIn publishes corrections as negative days
    (a -2 engagements day), but never writes a negative total.
    """
    if isinstance(value, bool):  # bool is an int subclass; a TRUE cell is not a count
        raise ValueError(f"{where}: expected a whole number, found {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        number = int(value.strip().replace(",", ""))
    else:
        raise ValueError(f"{where}: expected a whole number, found {_shown(value)}")
    if number < 0 and not signed:
        raise ValueError(f"{where}: expected a count (never negative), found {number}")
    if not -INT64_MAX <= number <= INT64_MAX:
        raise ValueError(f"{where}: {_shown(value)[:40]} is too large for a count (the tables hold 64-bit integers)")
    return number


def to_linkedin_url(value: object, where: str) -> str:
    """A post's address: an http(s) URL on linkedin.com (the dashboard links it as "Open on LinkedIn")."""
    url = to_text(value) or ""
    host = urlsplit(url).hostname or "" if url.lower().startswith(("http://", "https://")) else ""
    if not (host == "linkedin.com" or host.endswith(".linkedin.com")):
        raise ValueError(f"{where}: expected a LinkedIn post URL (https://www.linkedin.com/...), found {_shown(value)}")
    return url


def to_fraction(value: object, where: str) -> tuple[float | None, bool]:
    """A percentage as (fraction 0..1, below_one_percent); "< 1%" gives (None, True)."""
    if isinstance(value, str):
        text = value.strip()
        if _BELOW_ONE_PERCENT.fullmatch(text):
            return None, True
        percent = _PERCENT.fullmatch(text)
        if percent:
            return _checked_fraction(float(percent.group(1)) / 100, value, where), False
        try:
            return _checked_fraction(float(text), value, where), False
        except ValueError:
            raise ValueError(f"{where}: expected a percentage, found {_shown(value)}") from None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _checked_fraction(float(value), value, where), False
    raise ValueError(f"{where}: expected a percentage, found {_shown(value)}")


def _checked_fraction(fraction: float, value: object, where: str) -> float:
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"{where}: percentage {_shown(value)} is not between 0% and 100%")
    return fraction


def slash_date_parts(text: str) -> tuple[int, int, int] | None:
    """(first, second, year) of "a/b/YYYY"; None for any other text."""
    found = _SLASH_DATE.fullmatch(text.strip())
    return (int(found.group(1)), int(found.group(2)), int(found.group(3))) if found else None


def read_slash_date(parts: tuple[int, int, int], order: str) -> dt.date | None:
    """The date "a/b/YYYY" means under a day/month order; None when it is no date."""
    first, second, year = parts
    month, day = (first, second) if order == MONTH_FIRST else (second, first)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_us_date(text: str) -> dt.date:
    """ "4/24/2022" -> 2022-04-24 (month first, as LinkedIn writes dates in English)."""
    parts = slash_date_parts(text)
    day = read_slash_date(parts, MONTH_FIRST) if parts else None
    if day is None:
        raise ValueError(f"expected a date M/D/YYYY, found {text!r}")
    return day


def parse_text_date(text: str) -> dt.date:
    """ "Sep 30, 2025" -> 2025-09-30."""
    cleaned = " ".join(text.split())
    for pattern in _TEXT_DATE_FORMATS:
        try:
            return dt.datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"expected a date like 'Sep 30, 2025', found {text!r}")


def to_date(value: object, where: str) -> dt.date:
    """A date cell, or text "M/D/YYYY" or "Sep 30, 2025"."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        for parse in (parse_us_date, parse_text_date):
            try:
                return parse(value)
            except ValueError:
                continue
    raise ValueError(f"{where}: expected a date (M/D/YYYY or 'Sep 30, 2025'), found {_shown(value)}")


def to_time(value: object, where: str) -> dt.time:
    """A time cell, or text "6:54 AM" / "18:54"."""
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str):
        cleaned = " ".join(value.split()).upper()
        for pattern in _TIME_FORMATS:
            try:
                return dt.datetime.strptime(cleaned, pattern).time()
            except ValueError:
                continue
    raise ValueError(f"{where}: expected a time like '6:54 AM', found {_shown(value)}")


def _shown(value: object) -> str:
    return "an empty cell" if is_empty(value) else repr(value)
