"""A landing area filled the way a real user fills it: a year of history, then daily files.

Writes into `<landing_root>/<volume>/pending/`: one historical Content export, the
daily Content exports of the last days, single-post exports of the newest posts and
a patch CSV. Files get increasing modification times in the order written, so the
"latest download" of anything is well defined.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from .profile import Post, Profile, build_profile
from .writer import write_content_export, write_patch_file, write_post_export

LANDING_FLAVOURS = ("mixed", "legacy", "2026")
DAILY_DAYS = 2  # the newest days arrive as daily files, the rest in one historical file
POSTS_EXPORTED = 5
PATCH_FILE_NAME = "post_corrections_{end}.csv"


def write_sample_landing(
    landing_root: Path, end: dt.date, days: int, seed: int = 7, flavour: str = "mixed"
) -> tuple[Profile, list[Path]]:
    """Populate `landing_root` with sample exports for the `days` days ending `end`; (truth, files written)."""
    if flavour not in LANDING_FLAVOURS:
        raise ValueError(f"flavour must be one of {LANDING_FLAVOURS}, not {flavour!r}")
    landing_root = Path(landing_root)
    profile = build_profile(end, days, seed=seed)
    paths = _content_files(profile, landing_root, flavour)
    recent = recent_posts(profile, end)
    paths += _post_files(profile, recent, landing_root, end, flavour)
    paths.append(write_patch_file(sample_patch_rows(recent), _pending(landing_root, "patch") / _patch_name(end)))
    _stamp_in_order(paths)
    return profile, paths


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
    days = (profile.end - profile.start).days + 1
    paths: list[Path] = []
    daily_from = profile.start
    if days > DAILY_DAYS:
        history_end = profile.end - dt.timedelta(days=DAILY_DAYS)
        folder = _pending(root, "content_historical")
        paths.append(write_content_export(profile, folder, profile.start, history_end, _pick(flavour, "legacy")))
        daily_from = history_end + dt.timedelta(days=1)
    day = daily_from
    while day <= profile.end:
        newest = _pick(flavour, "2026" if day == profile.end else "legacy")
        paths.append(write_content_export(profile, _pending(root, "content_daily"), day, day, newest))
        day += dt.timedelta(days=1)
    return paths


def _post_files(profile: Profile, posts: list[Post], root: Path, as_of: dt.date, flavour: str) -> list[Path]:
    folder = _pending(root, "posts")
    return [
        write_post_export(profile, post.url, as_of, folder, _pick(flavour, "2026" if i % 2 == 0 else "legacy"))
        for i, post in enumerate(posts)
    ]


def _pick(landing_flavour: str, mixed_choice: str) -> str:
    return mixed_choice if landing_flavour == "mixed" else landing_flavour


def _pending(root: Path, volume: str) -> Path:
    folder = root / volume / "pending"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _patch_name(end: dt.date) -> str:
    return PATCH_FILE_NAME.format(end=end.isoformat())


def _stamp_in_order(paths: list[Path]) -> None:
    # One second apart and ending a second ago: later writes are later downloads, and
    # a file a user copies in afterwards is newer than all of them.
    first = time.time() - len(paths) - 1
    for index, path in enumerate(paths):
        stamp = first + index
        os.utime(path, (stamp, stamp))
