"""One sample event, written straight into its volume's pending/ folder: what a user drops
to try the pipeline (`linkedin-analytics sample daily|post|patch [DAY]`).

The exports come from the same generator and profile as `linkedin-analytics demo` (its
seed and name), over the span the landing already covers, so a new day's figures are
of the demo's size; earlier days are not stated again, as in a real daily export.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from linkedin_assets.core.bronze.ingest import landed_days
from linkedin_assets.core.landing import Landing
from linkedin_assets.samples.landing import recent_posts
from linkedin_assets.samples.profile import build_profile
from linkedin_assets.samples.writer import write_content_export, write_patch_file, write_post_export

EVENTS = ("daily", "post", "patch")
DEMO_SEED = 7
HISTORY_DAYS = 30  # the span a profile covers when the landing holds nothing yet


def default_day(landing: Landing, kind: str, today: dt.date | None = None) -> dt.date:
    """A daily export: the day after the newest landed one, so each `sample daily` moves on a
    day; a post or a patch: that newest day. Never after today."""
    today = today or dt.datetime.now(dt.timezone.utc).date()
    span = landed_days(landing)
    if span is None:
        return today
    return min(span[1] + dt.timedelta(days=1 if kind == "daily" else 0), today)


def write_sample_event(landing: Landing, kind: str, day: dt.date, known_posts: set[str]) -> Path:
    """Write the `kind` event for `day` into its pending/ folder; the file written.

    Raises ValueError for what a user must change: an unknown kind, a file of that name
    already pending, or a patch with no post in the lake to correct.
    """
    if kind not in EVENTS:
        raise ValueError(f"the event is one of {', '.join(EVENTS)}, not {kind!r}")
    span = landed_days(landing)
    first = span[0] if span and span[0] <= day else day - dt.timedelta(days=HISTORY_DAYS - 1)
    profile = build_profile(end=day, days=(day - first).days + 1, seed=DEMO_SEED)
    staging = landing.root / ".sample"  # written aside, then moved in whole: never a half file in pending/
    staging.mkdir(parents=True, exist_ok=True)
    if kind == "daily":
        volume = "content_daily"
        written = write_content_export(profile, staging, day, day, "2026")
    elif kind == "post":
        volume = "posts"
        [post] = recent_posts(profile, day, count=1)
        written = write_post_export(profile, post.url, day, staging, "2026")
    else:
        volume = "patch"
        if not known_posts:
            raise ValueError(
                "no post in the lake yet to correct: run `linkedin-analytics demo` (or drop exports) first"
            )
        url = sorted(known_posts)[0]
        written = write_patch_file(
            [{"post_url": url, "title": f"Corrected title ({day})"}], staging / f"sample_patch_{day}.csv"
        )
    target = landing.folder(volume, "pending") / written.name
    if target.exists():
        written.unlink()
        raise ValueError(f"{volume}/pending/{written.name} is already there: process it first (linkedin-analytics run)")
    target.parent.mkdir(parents=True, exist_ok=True)
    written.replace(target)
    return target
