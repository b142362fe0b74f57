"""The sample generator's own consistency: the truth must be self-consistent before
pipeline outputs are compared with it. Files are read back with python-calamine,
never with the project's parsers, so a parser bug cannot hide a generator bug.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import time
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from linkedin_assets.exports.model import DEMOGRAPHIC_CATEGORIES, POST_METRICS
from linkedin_assets.samples.landing import write_sample_landing
from linkedin_assets.samples.profile import TOP_POSTS_LIMIT, Profile, build_profile
from linkedin_assets.samples.writer import (
    content_file_name,
    post_file_name,
    write_content_export,
    write_patch_file,
    write_post_export,
)

END = dt.date(2025, 9, 30)
CONTENT_SHEETS = ["DISCOVERY", "ENGAGEMENT", "TOP POSTS", "FOLLOWERS", "DEMOGRAPHICS"]
URL = re.compile(r"https://www\.linkedin\.com/posts/[a-z0-9-]+_[a-z0-9-]+-(activity|ugcPost|share)-(\d{19})-[A-Za-z0-9]{4}")


@pytest.fixture(scope="module")
def profile() -> Profile:
    return build_profile(END, 60, seed=3)


def _rows(path: Path, sheet: str) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def _sheet_names(path: Path) -> list[str]:
    return CalamineWorkbook.from_path(str(path)).sheet_names


# --- the truth ---------------------------------------------------------------------


def test_same_seed_same_profile_other_seed_other_profile():
    assert build_profile(END, 30, seed=5) == build_profile(END, 30, seed=5)
    assert build_profile(END, 30, seed=5) != build_profile(END, 30, seed=6)


def test_posts_are_well_formed(profile):
    assert any(p.published_on < profile.start for p in profile.posts)
    assert len({p.url for p in profile.posts}) == len(profile.posts)
    kinds = set()
    for post in profile.posts:
        found = URL.fullmatch(post.url)
        assert found, post.url
        assert found.group(2) == post.activity_id
        kinds.add(found.group(1))
        assert post.published_at.tzinfo is None
    assert kinds == {"activity", "ugcPost", "share"}


def test_days_are_consistent(profile):
    assert sorted(profile.days) == profile.dates(profile.start, profile.end)
    followers = profile.followers_before_start
    others_zero = 0
    for day, truth in profile.days.items():
        assert 0 <= truth.engagements <= truth.impressions
        assert sum(truth.post_impressions.values()) <= truth.impressions
        assert sum(truth.post_engagements.values()) <= truth.engagements
        assert all(v > 0 for v in [*truth.post_impressions.values(), *truth.post_engagements.values()])
        assert truth.new_followers >= 0
        followers += truth.new_followers
        assert truth.total_followers == followers
        others_zero += sum(truth.post_impressions.values()) == truth.impressions
    assert 1 <= others_zero <= len(profile.days) // 5  # "others" is zero on a few days only


def test_some_posts_are_on_one_side_only_on_some_days(profile):
    impressions_only = [
        (day, url) for day, t in profile.days.items() for url in t.post_impressions if url not in t.post_engagements
    ]
    assert impressions_only
    year = build_profile(END, 365, seed=3)
    engagements_only = [
        (day, url) for day, t in year.days.items() for url in t.post_engagements if url not in t.post_impressions
    ]
    assert engagements_only  # a late comment on a post no longer shown


def test_top_posts_follow_linkedins_rules():
    year = build_profile(END, 365, seed=3)
    for metric in ("impressions", "engagements"):
        ranked = year.top_posts(year.start, year.end, metric)
        assert len(ranked) == TOP_POSTS_LIMIT  # a year of posting has more than 50
        values = [value for _, _, value in ranked]
        assert all(v > 0 for v in values)
        assert [(-v, u) for u, _, v in ranked] == sorted((-v, u) for u, _, v in ranked)
        attr = "post_impressions" if metric == "impressions" else "post_engagements"
        for url, published, value in ranked:
            assert value == sum(getattr(t, attr).get(url, 0) for t in year.days.values())
            assert published == year.post(url).published_on
    day = year.end
    listed = sum(v for _, _, v in year.top_posts(day, day, "impressions"))
    assert listed <= year.days[day].impressions


def test_members_reached_is_below_impressions(profile):
    for start, end in [(profile.start, profile.end), (profile.end, profile.end)]:
        impressions = profile.impressions(start, end)
        assert 0 < profile.members_reached(start, end) <= impressions


def test_post_lifetime_is_the_sum_of_dailies(profile):
    for post in profile.posts:
        metrics = profile.post_lifetime(post.url, profile.end)
        assert tuple(metrics) == POST_METRICS
        assert all(v >= 0 for v in metrics.values())
        assert metrics["impressions"] == sum(imp for imp, _ in profile.history[post.url].values())
        engagements = sum(eng for _, eng in profile.history[post.url].values())
        assert metrics["reactions"] + metrics["comments"] + metrics["reposts"] <= engagements
        assert metrics["members_reached"] <= metrics["impressions"]
        in_range = sum(t.post_impressions.get(post.url, 0) for t in profile.days.values())
        assert metrics["impressions"] >= in_range  # days before start count too
        earlier = profile.post_lifetime(post.url, max(post.published_on, profile.end - dt.timedelta(days=5)))
        assert all(earlier[k] <= metrics[k] for k in POST_METRICS)  # lifetime figures only grow


def test_demographics_cover_every_category(profile):
    categories = {d.category for d in profile.demographics}
    assert categories == set(DEMOGRAPHIC_CATEGORIES)
    for category in DEMOGRAPHIC_CATEGORIES:
        rows = [d for d in profile.demographics if d.category == category]
        assert len(rows) >= 3
        assert any(d.below_one_percent and d.percentage is None for d in rows)
        assert all(0.01 < d.percentage < 1 for d in rows if not d.below_one_percent)


# --- the files ---------------------------------------------------------------------


def test_file_names():
    start, end = dt.date(2025, 9, 1), dt.date(2025, 9, 30)
    assert content_file_name("Ada Q. Lovelace, PhD", start, end, "legacy") == (
        "Content_2025-09-01_2025-09-30_AdaQ.Lovelace,PhD.xlsx"
    )
    assert content_file_name("Ada Q. Lovelace, PhD", start, end, "2026") == (
        "AggregateAnalytics_Ada Q. Lovelace, PhD_2025-09-01_2025-09-30.xlsx"
    )
    assert post_file_name("Ada Lovelace", "7378791507517506514", "legacy") == (
        "PostAnalytics_AdaLovelace_7378791507517506514.xlsx"
    )
    assert post_file_name("Ada Lovelace", "7378791507517506514", "2026") == (
        "SinglePostAnalytics_Ada Lovelace_7378791507517506514.xlsx"
    )


def test_legacy_content_export_layout(profile, tmp_path):
    start, end = profile.start, profile.end
    path = write_content_export(profile, tmp_path, start, end)
    assert path.name == content_file_name(profile.name, start, end, "legacy")
    assert _sheet_names(path) == CONTENT_SHEETS
    discovery = _rows(path, "DISCOVERY")
    assert discovery[0] == ["Overall Performance", "8/2/2025 - 9/30/2025"]
    assert discovery[1] == ["Impressions", profile.impressions(start, end)]
    assert discovery[2] == ["Members reached", profile.members_reached(start, end)]

    engagement = _rows(path, "ENGAGEMENT")
    assert engagement[0] == ["Date", "Impressions", "Engagements"]
    assert engagement[1] == ["8/2/2025", profile.days[start].impressions, profile.days[start].engagements]
    assert len(engagement) == 1 + len(profile.days)

    top = _rows(path, "TOP POSTS")
    assert top[0][0] == "Maximum of 50 posts available to include in this list"
    assert all(v in ("", None) for v in top[1])
    assert top[2] == ["Post URL", "Post publish date", "Engagements", "", "Post URL", "Post publish date", "Impressions"]
    best = profile.top_posts(start, end, "impressions")[0]
    assert top[3][4:7] == [best[0], f"{best[1].month}/{best[1].day}/{best[1].year}", best[2]]
    by_engagements = profile.top_posts(start, end, "engagements")
    assert [row[0] for row in top[3:] if row[0]] == [url for url, _, _ in by_engagements]

    followers = _rows(path, "FOLLOWERS")
    assert followers[0] == ["Total followers on 9/30/2025:", profile.days[end].total_followers]
    assert followers[2] == ["Date", "New followers"]
    assert len(followers) == 3 + len(profile.days)

    demographics = _rows(path, "DEMOGRAPHICS")
    assert demographics[0] == ["Top Demographics", "Value", "Percentage"]
    assert {row[0] for row in demographics[1:]} == set(DEMOGRAPHIC_CATEGORIES)
    assert "< 1%" in {row[2] for row in demographics[1:]}
    assert any(isinstance(row[2], float) for row in demographics[1:])


def test_2026_content_export_writes_text(profile, tmp_path):
    day = profile.end
    path = write_content_export(profile, tmp_path, day, day, flavour="2026", date_order="DMY", suffix=" (1)")
    assert path.name == "AggregateAnalytics_Ada Q. Lovelace, PhD_2025-09-30_2025-09-30 (1).xlsx"
    assert _sheet_names(path) == CONTENT_SHEETS
    assert _rows(path, "DISCOVERY")[0] == ["Overall Performance", "30/09/2025 - 30/09/2025"]
    assert _rows(path, "DISCOVERY")[1] == ["Impressions", f"{profile.days[day].impressions:,}"]
    assert _rows(path, "ENGAGEMENT")[1][0] == "30/09/2025"
    assert _rows(path, "TOP POSTS")[2][1] == "Post Publish Date"
    assert _rows(path, "FOLLOWERS")[0] == ["Total followers on 30/09/2025:", f"{profile.days[day].total_followers:,}"]
    demographics = _rows(path, "DEMOGRAPHICS")
    assert {row[0] for row in demographics[1:]} == {
        "Job title", "Location", "Industry", "Seniority", "Company size", "Company"
    }
    assert all(isinstance(row[2], str) and row[2].endswith("%") for row in demographics[1:])


def test_single_post_exports(profile, tmp_path):
    post = profile.posts[-3]
    metrics = profile.post_lifetime(post.url, profile.end)
    legacy = write_post_export(profile, post.url, profile.end, tmp_path)
    assert legacy.name == post_file_name(profile.name, post.activity_id, "legacy")
    assert _sheet_names(legacy) == ["PERFORMANCE", "TOP DEMOGRAPHICS"]
    performance = {row[0]: row[1] for row in _rows(legacy, "PERFORMANCE") if row[0]}
    assert performance["Post URL"] == post.url
    published = post.published_on
    assert performance["Post Date"] == f"{published:%b} {published.day}, {published.year}"
    assert re.fullmatch(r"\d{1,2}:\d{2} (AM|PM)", performance["Post Publish Time"])
    assert performance["Impressions"] == metrics["impressions"]
    assert performance["Followers gained from this post"] == metrics["followers_gained"]
    assert performance["Highlights"].endswith(" to Sep 30, 2025")
    assert _rows(legacy, "TOP DEMOGRAPHICS")[0] == ["Category", "Value", "%"]

    new = write_post_export(profile, post.url, profile.end, tmp_path, flavour="2026")
    assert new.name == post_file_name(profile.name, post.activity_id, "2026")
    assert _sheet_names(new) == ["Post analytics"]
    rows = _rows(new, "Post analytics")
    values = {row[0]: row[1] for row in rows if row[0]}
    assert values["Post Date"] == f"{published.month}/{published.day}/{published.year}"
    assert values["Impressions"] == f"{metrics['impressions']:,}"
    assert values["Premium custom button engagements"] == f"{metrics['premium_custom_button_engagements']:,}"
    assert values["Highlights"] == f"{published.month}/{published.day}/{published.year} to 9/30/2025"
    header = next(i for i, row in enumerate(rows) if row[:3] == ["Category", "Value", "%"])
    assert all(v in ("", None) for v in rows[header - 1])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_patch_file(tmp_path, suffix):
    rows = [{"post_url": "https://x/1", "title": "Café ✓"}, {"post_url": "https://x/2", "true_url": None}]
    path = write_patch_file(rows, tmp_path / f"patch{suffix}")
    if suffix == ".csv":
        read = list(csv.reader(path.open(encoding="utf-8", newline="")))
    else:
        read = _rows(path, _sheet_names(path)[0])
    assert read[0] == ["post_url", "true_url", "title", "content"]
    assert [v or "" for v in read[1]] == ["https://x/1", "", "Café ✓", ""]
    assert [v or "" for v in read[2]] == ["https://x/2", "", "", ""]


@pytest.mark.parametrize("days", [1, 2, 30])
def test_sample_landing(tmp_path, days):
    truth, paths = write_sample_landing(tmp_path, END, days)
    assert truth == build_profile(END, days)
    assert all(path.is_file() and path.parent.name == "pending" for path in paths)
    volumes = [path.parent.parent.name for path in paths]
    assert volumes.count("content_historical") == (1 if days >= 3 else 0)
    assert volumes.count("content_daily") == min(days, 2)
    assert 1 <= volumes.count("posts") <= 5 and volumes.count("patch") == 1
    mtimes = [os.stat(path).st_mtime_ns for path in paths]
    assert mtimes == sorted(set(mtimes))  # strictly increasing in the order written
    daily = sorted(p.name for p in paths if p.parent.parent.name == "content_daily")
    assert daily[0].startswith("AggregateAnalytics_") and daily[0].endswith("_2025-09-30_2025-09-30.xlsx")
    patch = list(csv.DictReader(next(p for p in paths if p.suffix == ".csv").open(encoding="utf-8")))
    assert patch[0]["title"] and not patch[0]["true_url"]
    assert patch[1]["true_url"] and not patch[1]["title"]
    assert {row["post_url"] for row in patch} <= {post.url for post in truth.posts}


def test_year_generation_time(tmp_path):
    started = time.perf_counter()
    profile = build_profile(END, 365)
    built = time.perf_counter() - started
    path = write_content_export(profile, tmp_path, profile.start, profile.end - dt.timedelta(days=2))
    total = time.perf_counter() - started
    print(f"\n365-day profile: {built:.3f}s; with historical file: {total:.3f}s ({path.stat().st_size} bytes)")
    assert len(_rows(path, "ENGAGEMENT")) == 1 + 363
