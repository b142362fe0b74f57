"""A landing area filled the way a real user fills it: a year of history, then daily files.

Writes into `<landing_root>/<volume>/pending/`, in download order:
1. an EARLIER, revised historical Content export (`earlier_historical_range`): it
   covers days that the newer historical file covers too, with revised values and a
   partial last day, so it must lose to that file on every day;
2. the historical Content export (all days but the last DAILY_DAYS);
3. the daily Content exports of the last days;
4. single-post exports of the newest posts (as of the last day);
5. a patch CSV.
Every workbook's dcterms:created is its download moment, increasing in that order
(`download_times`): a Content export on its last day, the post exports after the
last daily file. Modification times increase in the same order, except that the
earlier revised download gets the NEWEST mtime (as if copied in last): a pipeline
that ranks downloads by mtime gets its days wrong, one that ranks by dcterms:created
gets them right.

Layouts in the mixed landing: the earlier download is a legacy "2023" file (no
DISCOVERY), the historical file legacy "2024" (`Unique views`), the daily files
legacy "2025" and, for the last day, 2026 (six sheets from 2026-08-01). A "legacy"
landing uses the same legacy layouts; a "2026" landing the 2026 default ones.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from linkedin_assets.samples.profile import Post, Profile, build_profile
from linkedin_assets.samples.writer import (
    default_generated_at,
    write_content_export,
    write_patch_file,
    write_post_export,
)

LANDING_FLAVOURS = ("mixed", "legacy", "2026")
DAILY_DAYS = 2  # the newest days arrive as daily files, the rest in one historical file
POSTS_EXPORTED = 5
PATCH_FILE_NAME = "post_corrections_{end}.csv"
POST_EXPORT_MINUTES = 5  # post exports are downloaded 5, 10, ... minutes after the last daily file
# Legacy layouts the mixed and legacy landings use, by file.
EARLIER_LAYOUT = "2023"
HISTORICAL_LAYOUT = "2024"
DAILY_LAYOUT = "2025"


def write_sample_landing(
    landing_root: Path, end: dt.date, days: int, seed: int = 7, flavour: str = "mixed"
) -> tuple[Profile, list[Path]]:
    """Populate `landing_root` with sample exports for the `days` days ending `end`; (truth, files written).

    The files are returned in download order (see the module docstring); with 3 or
    more days the first one is the earlier, revised historical download.
    """
    if flavour not in LANDING_FLAVOURS:
        raise ValueError(f"flavour must be one of {LANDING_FLAVOURS}, not {flavour!r}")
    landing_root = Path(landing_root)
    profile = build_profile(end, days, seed=seed)
    paths = _content_files(profile, landing_root, flavour)
    recent = recent_posts(profile, end)
    paths += _post_files(profile, recent, landing_root, end, flavour)
    paths.append(write_patch_file(sample_patch_rows(recent), _pending(landing_root, "patch") / _patch_name(end)))
    _stamp_in_order(paths, last=paths[0] if earlier_historical_range(profile) else None)
    return profile, paths


def historical_range(profile: Profile) -> tuple[dt.date, dt.date] | None:
    """The days of the landing's (newest) historical Content export; None when the profile is too short."""
    days = (profile.end - profile.start).days + 1
    if days <= DAILY_DAYS:
        return None
    return profile.start, profile.end - dt.timedelta(days=DAILY_DAYS)


def earlier_historical_range(profile: Profile) -> tuple[dt.date, dt.date] | None:
    """The days of the earlier, revised historical download: the historical file's days but its last.

    With a one-day historical file it is that same day, downloaded earlier on it (the
    newer copy is then named "... (1).xlsx"). Its values are
    `profile.earlier_download(*range)`.
    """
    found = historical_range(profile)
    if found is None:
        return None
    start, end = found
    return start, max(start, end - dt.timedelta(days=1))


def download_times(profile: Profile, count: int = POSTS_EXPORTED) -> dict[str, list[dt.datetime]]:
    """When write_sample_landing's files were generated (dcterms:created), by kind.

    Keys: "earlier" and "historical" (one time each, or none), "daily" (one per daily
    file, oldest first) and "posts" (one per post export, in the order written).
    """
    times: dict[str, list[dt.datetime]] = {"earlier": [], "historical": [], "daily": [], "posts": []}
    history = historical_range(profile)
    daily_from = profile.start
    earlier = earlier_historical_range(profile)
    if history is not None and earlier is not None:
        times["historical"].append(default_generated_at(history[1]))
        if earlier[1] < history[1]:
            times["earlier"].append(default_generated_at(earlier[1]))
        else:  # the same day, downloaded earlier on it (its last day even more partial)
            times["earlier"].append(default_generated_at(earlier[1]) - dt.timedelta(hours=3))
        daily_from = history[1] + dt.timedelta(days=1)
    times["daily"] = [
        default_generated_at(daily_from + dt.timedelta(days=i)) for i in range((profile.end - daily_from).days + 1)
    ]
    last = default_generated_at(profile.end)
    times["posts"] = [last + dt.timedelta(minutes=POST_EXPORT_MINUTES * (i + 1)) for i in range(count)]
    return times


def recent_posts(profile: Profile, as_of: dt.date, count: int = POSTS_EXPORTED) -> list[Post]:
    """The newest `count` posts published on or before `as_of`, newest first."""
    published = [post for post in profile.posts if post.published_on <= as_of]
    return sorted(published, key=lambda post: post.published_at, reverse=True)[:count]


def sample_patch_rows(posts: list[Post]) -> list[dict]:
    """The corrections a user would write: the real title of the newest post, the permalink of the next.

    Exports carry no titles, so the patched title is the post's true title; the true
    URL is LinkedIn's permanent feed link of the post, whatever form its listed URL takes.
    """
    rows: list[dict] = []
    if posts:
        rows.append({"post_url": posts[0].url, "title": posts[0].title})
    if len(posts) > 1:
        rows.append({"post_url": posts[1].url, "true_url": permalink(posts[1])})
    return rows


def permalink(post: Post) -> str:
    return f"https://www.linkedin.com/feed/update/urn:li:activity:{post.activity_id}/"


def _content_files(profile: Profile, root: Path, flavour: str) -> list[Path]:
    times = download_times(profile)
    paths: list[Path] = []
    daily_from = profile.start
    history = historical_range(profile)
    if history is not None:
        folder = _pending(root, "content_historical")
        chosen = _pick(flavour, "legacy")
        earlier = earlier_historical_range(profile) or history
        paths.append(
            write_content_export(
                profile,
                folder,
                *earlier,
                chosen,
                layout=_legacy_layout(chosen, EARLIER_LAYOUT),
                generated_at=times["earlier"][0],
                revised=True,
            )
        )
        start, end = history
        # The same window downloaded again: the browser names the newer copy "... (1).xlsx".
        suffix = " (1)" if earlier == history else ""
        paths.append(
            write_content_export(
                profile,
                folder,
                start,
                end,
                chosen,
                suffix=suffix,
                layout=_legacy_layout(chosen, HISTORICAL_LAYOUT),
                generated_at=times["historical"][0],
            )
        )
        daily_from = end + dt.timedelta(days=1)
    day = daily_from
    for generated_at in times["daily"]:
        newest = _pick(flavour, "2026" if day == profile.end else "legacy")
        paths.append(
            write_content_export(
                profile,
                _pending(root, "content_daily"),
                day,
                day,
                newest,
                layout=_legacy_layout(newest, DAILY_LAYOUT),
                generated_at=generated_at,
            )
        )
        day += dt.timedelta(days=1)
    return paths


def _post_files(profile: Profile, posts: list[Post], root: Path, as_of: dt.date, flavour: str) -> list[Path]:
    folder = _pending(root, "posts")
    times = download_times(profile, len(posts))["posts"]
    paths = []
    for i, post in enumerate(posts):
        chosen = _pick(flavour, "2026" if i % 2 == 0 else "legacy")
        # One legacy file writes its counts as text with thousands separators ("5,537").
        thousands = chosen == "legacy" and i == 1
        paths.append(
            write_post_export(profile, post.url, as_of, folder, chosen, generated_at=times[i], thousands=thousands)
        )
    return paths


def _legacy_layout(flavour: str, layout: str) -> str | None:
    return layout if flavour == "legacy" else None  # 2026 files: the default for their end date


def _pick(landing_flavour: str, mixed_choice: str) -> str:
    return mixed_choice if landing_flavour == "mixed" else landing_flavour


def _pending(root: Path, volume: str) -> Path:
    folder = root / volume / "pending"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _patch_name(end: dt.date) -> str:
    return PATCH_FILE_NAME.format(end=end.isoformat())


def _stamp_in_order(paths: list[Path], last: Path | None = None) -> None:
    # One second apart and ending a second ago: later writes are later downloads, and
    # a file a user copies in afterwards is newer than all of them. `last` (the earlier
    # revised download) gets the newest mtime of all, a second after the others.
    first = time.time() - len(paths) - 2
    others = [path for path in paths if path != last]
    for index, path in enumerate(others):
        stamp = first + index
        os.utime(path, (stamp, stamp))
    if last is not None:
        stamp = first + len(others)
        os.utime(last, (stamp, stamp))
