"""Per-post lifetime figures for the dashboard, from gold `fct_post_statistics`.

Single-post exports state a post's figures from its publishing to the day of the
download (`lifetime_as_of_date`); the daily facts only hold the days a post was in a
day's top-post lists. Both are shown, each labelled with what it covers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

# What a single-post export can state, in the order LinkedIn lists it. A figure the
# export's generation does not carry is None (shown as absent, never as 0).
LIFETIME_METRICS = (
    "impressions",
    "members_reached",
    "reactions",
    "comments",
    "reposts",
    "saves",
    "sends_on_linkedin",
    "profile_viewers",
    "followers_gained",
    "engagements",
)


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _iso(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return None if value is None else str(value)[:10]


def lifetime(row: dict) -> dict | None:
    """A post's latest lifetime figures, or None when no single-post export covers it."""
    as_of = _iso(row.get("lifetime_as_of_date"))
    if as_of is None:
        return None
    figures: dict[str, Any] = {m: _int(row.get(m)) for m in LIFETIME_METRICS}
    impressions, engagements = figures["impressions"], figures["engagements"]
    figures["engagement_rate"] = engagements / impressions if impressions and engagements is not None else None
    return {"as_of": as_of, **figures}


def publish_time(row: dict) -> dict | None:
    """Publish weekday and hour in the reporting time zone, where the publish time is known."""
    hour = _int(row.get("publish_hour_local"))
    weekday = row.get("publish_weekday_local")
    if hour is None or not weekday:
        return None
    return {"weekday": str(weekday), "hour": hour, "time_zone": row.get("reporting_time_zone") or "UTC"}


def by_post_id(post_stats: list[dict]) -> dict[str, dict]:
    """gold fct_post_statistics rows by post_id (rows without one are skipped)."""
    return {str(r["post_id"]): r for r in post_stats if r.get("post_id") is not None}
