"""What an export's file name says: kind, flavour, profile, period or post id."""

from __future__ import annotations

import datetime as dt
import re

from linkedin_assets.core.exports.guards import check_file_name
from linkedin_assets.core.exports.model import ExportError, FileName

_DATE = r"(\d{4}-\d{2}-\d{2})"
# Browsers number repeated downloads: "name (1).xlsx".
_END = r"(?: \(\d+\))?\.xlsx"

# The profile is matched lazily where the suffix follows it, so " (1)" is not taken
# as part of the name; it is greedy before "_<id>" so underscores inside it survive.
_CONTENT_LEGACY = re.compile(rf"Content_{_DATE}_{_DATE}_(.+?){_END}", re.IGNORECASE)
_CONTENT_2026 = re.compile(rf"AggregateAnalytics_(.+)_{_DATE}_{_DATE}{_END}", re.IGNORECASE)
_POST_LEGACY = re.compile(rf"PostAnalytics_(.+)_(\d+){_END}", re.IGNORECASE)
_POST_2026 = re.compile(rf"SinglePostAnalytics_(.+)_(\d+){_END}", re.IGNORECASE)

ACCEPTED = (
    "Content_<YYYY-MM-DD>_<YYYY-MM-DD>_<Profile>.xlsx, "
    "AggregateAnalytics_<Profile>_<YYYY-MM-DD>_<YYYY-MM-DD>.xlsx, "
    "PostAnalytics_<Profile>_<postId>.xlsx, "
    "SinglePostAnalytics_<Profile>_<postId>.xlsx"
)


def parse_file_name(name: str) -> FileName:
    """Kind, flavour, profile and period or post id of an export, from its name alone."""
    check_file_name(name)
    if found := _CONTENT_LEGACY.fullmatch(name):
        start, end, profile = found.groups()
        return _content(name, "legacy", profile, start, end)
    if found := _CONTENT_2026.fullmatch(name):
        profile, start, end = found.groups()
        return _content(name, "2026", profile, start, end)
    if found := _POST_2026.fullmatch(name):
        return _post(name, "2026", *found.groups())
    if found := _POST_LEGACY.fullmatch(name):
        return _post(name, "legacy", *found.groups())
    raise ExportError(name, f"file name not recognised as a LinkedIn export; accepted patterns: {ACCEPTED}")


def _content(name: str, flavour: str, profile: str, start: str, end: str) -> FileName:
    first, last = _iso_date(name, start), _iso_date(name, end)
    if first > last:
        raise ExportError(name, f"file name range starts after it ends ({start} > {end})")
    return FileName("content", flavour, _profile(name, profile), period_start=first, period_end=last)


def _post(name: str, flavour: str, profile: str, post_id: str) -> FileName:
    return FileName("post", flavour, _profile(name, profile), post_id=post_id)


def _profile(name: str, profile: str) -> str:
    if not profile.strip():
        raise ExportError(name, "file name has an empty profile name")
    return profile.strip()


def _iso_date(name: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ExportError(name, f"file name date {text!r} is not a calendar date") from None
