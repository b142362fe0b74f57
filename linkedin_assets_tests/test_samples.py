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
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from linkedin_assets.core.exports.model import DEMOGRAPHIC_CATEGORIES, POST_METRICS
from linkedin_assets.samples.landing import (
    download_times,
    earlier_historical_range,
    historical_range,
    write_sample_landing,
)
from linkedin_assets.samples.profile import (
    CORRECTION_ENGAGEMENTS,
    CORRECTION_PERIOD,
    TOP_POSTS_LIMIT,
    Profile,
    build_profile,
    is_correction_day,
)
from linkedin_assets.samples.writer import (
    content_file_name,
    content_sheet_names,
    default_layout,
    post_file_name,
    write_content_export,
    write_patch_file,
    write_post_export,
)

END = dt.date(2025, 9, 30)
END_2026 = dt.date(2026, 10, 31)  # test_pipeline's profile: build_profile(END_2026, 12, seed=5)
CONTENT_SHEETS = ["DISCOVERY", "ENGAGEMENT", "TOP POSTS", "FOLLOWERS", "DEMOGRAPHICS"]
SIX_SHEETS = ["DISCOVERY", "ENGAGEMENT", "TOP POSTS", "FOLLOWERS", "AUDIENCE DEMOGRAPHICS", "CONTENT DEMOGRAPHICS"]
URL = re.compile(
    r"https://www\.linkedin\.com/posts/[a-z0-9-]+_[a-z0-9-]+-(activity|ugcPost|share)-(\d{19})-[A-Za-z0-9]{4}"
)
BARE_URL = re.compile(r"https://www\.linkedin\.com/posts/[a-z0-9-]+_share-(\d{19})-[A-Za-z0-9]{4}")
FEED_URL = re.compile(r"https://www\.linkedin\.com/feed/update/urn:li:activity:(\d{19})")
DCTERMS = "{http://purl.org/dc/terms/}"


@pytest.fixture(scope="module")
def profile() -> Profile:
    return build_profile(END, 60, seed=3)


def _rows(path: Path, sheet: str) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def _sheet_names(path: Path) -> list[str]:
    return CalamineWorkbook.from_path(str(path)).sheet_names


def _cells(path: Path, sheet: str) -> list[tuple]:
    """The cells as stored: openpyxl tells a '' string (POI's empty cell) from no cell (None)."""
    book = load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()


def _created(path: Path) -> dt.datetime:
    """docProps/core.xml dcterms:created, naive UTC."""
    with zipfile.ZipFile(path) as package:
        core = ElementTree.fromstring(package.read("docProps/core.xml"))
    text = core.find(f"{DCTERMS}created").text
    assert text.endswith("Z"), text
    return dt.datetime.fromisoformat(text[:-1])


def _mdy(day: dt.date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


# --- the truth ---------------------------------------------------------------------


def test_same_seed_same_profile_other_seed_other_profile():
    assert build_profile(END, 30, seed=5) == build_profile(END, 30, seed=5)
    assert build_profile(END, 30, seed=5) != build_profile(END, 30, seed=6)


def test_posts_are_well_formed(profile):
    assert any(p.published_on < profile.start for p in profile.posts)
    assert len({p.url for p in profile.posts}) == len(profile.posts)
    kinds, styles = set(), set()
    for post in profile.posts:
        styles.add(post.url_style)
        if post.url_style == "words":
            found = URL.fullmatch(post.url)
            assert found, post.url
            assert found.group(2) == post.activity_id
            kinds.add(found.group(1))
        else:
            found = (FEED_URL if post.url_style == "feed" else BARE_URL).fullmatch(post.url)
            assert found, post.url
            assert found.group(1) == post.activity_id  # the post's id is the id in its URL
        assert post.published_at.tzinfo is None
        assert re.fullmatch(r"\d{19}", post.export_id) and post.export_id != post.activity_id
    assert kinds == {"activity", "ugcPost", "share"}
    assert styles == {"words", "bare", "feed"}


@pytest.mark.parametrize("end, days, seed", [(END_2026, 12, 5), (END, 1, 7), (END, 4, 3)])
def test_short_profiles_have_every_url_form(end, days, seed):
    styles = {post.url_style for post in build_profile(end, days, seed=seed).posts}
    assert {"feed", "bare", "words"} <= styles


def test_an_old_post_still_draws_impressions(profile):
    old = [p for p in profile.posts if p.published_on <= profile.start - dt.timedelta(days=365)]
    assert len(old) == 1
    post = old[0]
    assert profile.start - post.published_on <= dt.timedelta(days=730)
    assert all(truth.post_impressions.get(post.url, 0) >= 1 for truth in profile.days.values())
    assert sum(truth.post_impressions.get(post.url, 0) for truth in profile.days.values()) < 10 * len(profile.days)
    ranked = profile.top_posts(profile.end, profile.end, "impressions")
    assert post.url in {url for url, _, _ in ranked}
    # impressions without engagements: it is on one side of the top-posts lists only
    assert post.url not in {url for url, _, _ in profile.top_posts(profile.start, profile.end, "engagements")}
    assert profile.post_lifetime(post.url, profile.end)["impressions"] > sum(
        t.post_impressions.get(post.url, 0) for t in profile.days.values()
    )


def test_days_are_consistent(profile):
    assert sorted(profile.days) == profile.dates(profile.start, profile.end)
    followers = profile.followers_before_start
    others_zero = 0
    for day, truth in profile.days.items():
        if is_correction_day(day):
            assert truth.engagements == CORRECTION_ENGAGEMENTS < 0
            assert truth.others_engagements == truth.engagements - sum(truth.post_engagements.values()) < 0
        else:
            assert 0 <= truth.engagements <= truth.impressions
            assert truth.others_engagements >= 0
        assert truth.impressions >= 0 and truth.others_impressions >= 0
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


@pytest.mark.parametrize("end, days, seed", [(END_2026, 12, 5), (END, 30, 7), (END, 30, 11), (END, 60, 3)])
def test_correction_days_are_negative(end, days, seed):
    profile = build_profile(end, days, seed=seed)
    corrections = profile.correction_days
    assert corrections == [day for day in profile.days if is_correction_day(day)]
    assert len(corrections) >= max(1, days // CORRECTION_PERIOD)
    for day in corrections:
        truth = profile.days[day]
        assert truth.engagements == CORRECTION_ENGAGEMENTS
        # per day, total = listed posts + others still holds; "others" carries the correction
        assert sum(truth.post_engagements.values()) + truth.others_engagements == truth.engagements
        assert truth.impressions > 0 and truth.new_followers >= 0


def test_any_window_of_the_correction_period_holds_one_correction():
    first = dt.date(2024, 1, 1)
    for offset in range(60):
        window = [first + dt.timedelta(days=offset + i) for i in range(CORRECTION_PERIOD)]
        assert sum(is_correction_day(day) for day in window) == 1


def test_demographics_cover_every_category(profile):
    assert profile.content_demographics and profile.content_demographics != profile.demographics
    for found, kind in [(profile.demographics, "audience"), (profile.content_demographics, "content")]:
        categories = {d.category for d in found}
        assert categories == set(DEMOGRAPHIC_CATEGORIES)
        assert {getattr(d, "demographic_type", kind) for d in found} == {kind}
        for category in DEMOGRAPHIC_CATEGORIES:
            rows = [d for d in found if d.category == category]
            assert len(rows) >= 3
            assert any(d.below_one_percent and d.percentage is None for d in rows)
            assert all(0.01 < d.percentage < 1 for d in rows if not d.below_one_percent)
    assert build_profile(END, 60, seed=3).content_demographics == profile.content_demographics


def test_earlier_download_revises_past_days_and_has_a_partial_last_day(profile):
    start, end = profile.start, profile.end - dt.timedelta(days=3)
    before = {day: (t.impressions, t.engagements, t.new_followers) for day, t in profile.days.items()}
    earlier = profile.earlier_download(start, end)
    assert {day: (t.impressions, t.engagements, t.new_followers) for day, t in profile.days.items()} == before
    assert earlier == profile.earlier_download(start, end)  # fixed per (seed, start, end)
    shared = profile.dates(start, end - dt.timedelta(days=1))
    moves = {"impressions": set(), "engagements": set(), "new_followers": set()}
    for day in shared:
        for metric, signs in moves.items():
            delta = getattr(earlier.days[day], metric) - getattr(profile.days[day], metric)
            assert abs(delta) <= 3
            if delta:
                signs.add(delta > 0)
        shown = earlier.days[day]
        assert shown.post_impressions == profile.days[day].post_impressions
        assert sum(shown.post_impressions.values()) <= shown.impressions
        if is_correction_day(day):
            assert shown.engagements == CORRECTION_ENGAGEMENTS
        else:
            assert sum(shown.post_engagements.values()) <= shown.engagements <= shown.impressions
    assert moves["impressions"] == {True, False}  # revised up and down
    assert moves["engagements"] and moves["new_followers"]
    figures = lambda t: (t.impressions, t.engagements, t.new_followers)  # noqa: E731
    changed = [day for day in shared if figures(earlier.days[day]) != figures(profile.days[day])]
    assert len(shared) // 4 <= len(changed) < len(shared)
    last, truth = earlier.days[end], profile.days[end]
    assert last.impressions < truth.impressions and last.engagements <= truth.engagements
    assert last.new_followers <= truth.new_followers
    assert all(v <= truth.post_impressions[url] for url, v in last.post_impressions.items())
    followers = profile.followers_before_start
    for day in profile.dates(start, end):
        followers += earlier.days[day].new_followers
        assert earlier.days[day].total_followers == followers
    after = end + dt.timedelta(days=1)
    assert earlier.days[after] == profile.days[after]  # outside the window: the truth


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
    assert top[2] == [
        "Post URL",
        "Post publish date",
        "Engagements",
        "",
        "Post URL",
        "Post publish date",
        "Impressions",
    ]
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
    start, day = profile.end - dt.timedelta(days=27), profile.end  # a 28-day window, as 2026 downloads are
    path = write_content_export(profile, tmp_path, start, day, flavour="2026", suffix=" (1)")
    assert path.name == "AggregateAnalytics_Ada Q. Lovelace, PhD_2025-09-03_2025-09-30 (1).xlsx"
    assert _sheet_names(path) == CONTENT_SHEETS  # ends before 2026-08-01: five sheets
    assert _rows(path, "DISCOVERY")[0] == ["Overall Performance", "9/3/2025 - 9/30/2025"]
    impressions = profile.impressions(start, day)
    assert impressions >= 1000
    assert _rows(path, "DISCOVERY")[1] == ["Impressions", str(impressions)]  # plain digits, no separator
    assert _rows(path, "ENGAGEMENT")[-1] == [
        "9/30/2025",
        str(profile.days[day].impressions),
        str(profile.days[day].engagements),
    ]
    assert _rows(path, "TOP POSTS")[2][1] == "Post Publish Date"
    total = profile.days[day].total_followers
    assert _rows(path, "FOLLOWERS")[0] == ["Total followers on 9/30/2025", str(total)]  # no colon in 2026
    demographics = _rows(path, "DEMOGRAPHICS")
    assert {row[0] for row in demographics[1:]} == {
        "Job title",
        "Location",
        "Industry",
        "Seniority",
        "Company size",
        "Company",
    }
    assert all(isinstance(row[2], str) and row[2].endswith("%") for row in demographics[1:])
    for sheet in CONTENT_SHEETS:  # every stored value is text
        assert all(isinstance(v, str) for row in _cells(path, sheet) for v in row if v is not None), sheet
    correction = next(d for d in profile.correction_days if d >= start)
    engagement = {row[0]: row[2] for row in _rows(path, "ENGAGEMENT")[1:]}
    assert engagement[_mdy(correction)] == str(CORRECTION_ENGAGEMENTS) == "-2"


def test_2026_empty_cells_are_empty_strings(profile, tmp_path):
    path = write_content_export(profile, tmp_path, profile.start, profile.end, flavour="2026")
    top = _cells(path, "TOP POSTS")
    assert top[0] == ("Maximum of 50 posts available to include in this list",)
    assert top[1] == ()  # blank rows have no cells, as LinkedIn writes them
    assert top[2] == (
        "Post URL",
        "Post Publish Date",
        "Engagements",
        "",
        "Post URL",
        "Post Publish Date",
        "Impressions",
    )
    body = top[3:]
    assert all(len(row) == 7 and row[3] == "" for row in body)
    by_engagements = profile.top_posts(profile.start, profile.end, "engagements")
    by_impressions = profile.top_posts(profile.start, profile.end, "impressions")
    assert len(by_engagements) != len(by_impressions)  # the sides have their own lengths
    short = 0 if len(by_engagements) < len(by_impressions) else 4
    assert [row[short] for row in body].count("") == abs(len(by_engagements) - len(by_impressions))
    assert all(row[short : short + 3] == ("", "", "") for row in body[min(len(by_engagements), len(by_impressions)) :])
    followers = _cells(path, "FOLLOWERS")
    assert followers[1] == () and followers[2] == ("Date", "New followers")
    legacy = write_content_export(profile, tmp_path, profile.start, profile.end)
    legacy_top = _cells(legacy, "TOP POSTS")
    assert legacy_top[2][3] is None  # legacy: no cell
    assert isinstance(_cells(legacy, "ENGAGEMENT")[1][1], int)  # legacy counts are numbers
    assert _cells(legacy, "FOLLOWERS")[0][0].endswith(":")


def test_dmy_dates_stay_an_option(profile, tmp_path):
    day = profile.end
    path = write_content_export(profile, tmp_path, day, day, flavour="2026", date_order="DMY")
    assert _rows(path, "DISCOVERY")[0] == ["Overall Performance", "30/09/2025 - 30/09/2025"]
    assert _rows(path, "FOLLOWERS")[0][0] == "Total followers on 30/09/2025"
    thousands = write_content_export(profile, tmp_path / "t", profile.start, day, thousands=True)
    assert _rows(thousands, "DISCOVERY")[1] == ["Impressions", f"{profile.impressions(profile.start, day):,}"]


@pytest.mark.parametrize(
    "layout, sheets, reached",
    [
        ("2023", CONTENT_SHEETS[1:], None),
        ("2024", CONTENT_SHEETS, "Unique views"),
        ("2025", CONTENT_SHEETS, "Members reached"),
        ("2026", CONTENT_SHEETS, "Members reached"),
        ("2026-08", SIX_SHEETS, "Members reached"),
    ],
)
def test_content_layouts(profile, tmp_path, layout, sheets, reached):
    path = write_content_export(profile, tmp_path, profile.start, profile.end, layout=layout)
    assert _sheet_names(path) == sheets == content_sheet_names(layout)
    if reached is None:
        assert "DISCOVERY" not in _sheet_names(path)
    else:
        assert _rows(path, "DISCOVERY")[2] == [reached, profile.members_reached(profile.start, profile.end)]
    assert len(_rows(path, "ENGAGEMENT")) == 1 + len(profile.days)


def test_2026_files_from_august_2026_have_six_sheets(tmp_path):
    profile = build_profile(END_2026, 12, seed=5)
    assert default_layout("2026", dt.date(2026, 7, 31)) == "2026"
    assert default_layout("2026", dt.date(2026, 8, 1)) == "2026-08"
    assert default_layout("legacy", END_2026) == "2025"
    path = write_content_export(profile, tmp_path, END_2026, END_2026, flavour="2026")
    assert _sheet_names(path) == SIX_SHEETS
    audience, content = _rows(path, "AUDIENCE DEMOGRAPHICS"), _rows(path, "CONTENT DEMOGRAPHICS")
    assert audience[0] == content[0] == ["Top Demographics", "Value", "Percentage"]
    assert [row[1] for row in audience[1:]] == [d.value for d in profile.demographics]
    assert [row[1] for row in content[1:]] == [d.value for d in profile.content_demographics]
    assert audience[1:] != content[1:]
    before = write_content_export(profile, tmp_path, END_2026, END_2026, flavour="2026", layout="2026", suffix=" (1)")
    assert _sheet_names(before) == CONTENT_SHEETS


def test_url_forms_and_the_old_post_reach_the_files(tmp_path):
    profile = build_profile(END_2026, 12, seed=5)
    path = write_content_export(profile, tmp_path, profile.start, profile.end, flavour="2026")
    listed = {row[i] for row in _rows(path, "TOP POSTS")[3:] for i in (0, 4) if row[i]}
    assert any(FEED_URL.fullmatch(url) for url in listed)
    assert any(BARE_URL.fullmatch(url) for url in listed)
    old = profile.posts[0]
    assert profile.start - old.published_on >= dt.timedelta(days=365)
    right = {row[4]: row[5] for row in _rows(path, "TOP POSTS")[3:] if row[4]}
    assert right[old.url] == _mdy(old.published_on)


def test_negative_day_is_written_as_such(tmp_path):
    profile = build_profile(END_2026, 12, seed=5)
    (day,) = profile.correction_days
    path = write_content_export(profile, tmp_path, profile.start, profile.end)
    engagement = {row[0]: row[2] for row in _rows(path, "ENGAGEMENT")[1:]}
    assert engagement[_mdy(day)] == CORRECTION_ENGAGEMENTS
    assert all(v >= 0 for d, v in engagement.items() if d != _mdy(day))
    assert sum(v for _, _, v in profile.top_posts(day, day, "engagements")) > 0  # the posts' values stay positive


def test_content_export_dcterms_created(profile, tmp_path):
    path = write_content_export(profile, tmp_path, profile.start, profile.end)
    assert _created(path) == dt.datetime(2025, 9, 30, 10, 0)  # generated on its last day
    moment = dt.datetime(2025, 10, 1, 8, 30, 15, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    other = write_content_export(
        profile, tmp_path / "o", profile.start, profile.end, flavour="2026", generated_at=moment
    )
    assert _created(other) == dt.datetime(2025, 10, 1, 6, 30, 15)  # stored as UTC


def test_revised_content_export_writes_the_earlier_download(profile, tmp_path):
    start, end = profile.start, profile.end - dt.timedelta(days=3)
    earlier = dt.datetime(2025, 9, 27, 7, 0)
    path = write_content_export(profile, tmp_path, start, end, flavour="2026", revised=True, generated_at=earlier)
    assert _created(path) == earlier
    shown = profile.earlier_download(start, end)
    written = {row[0]: (int(row[1]), int(row[2])) for row in _rows(path, "ENGAGEMENT")[1:]}
    assert written == {
        _mdy(d): (shown.days[d].impressions, shown.days[d].engagements) for d in profile.dates(start, end)
    }
    truth = {_mdy(d): (profile.days[d].impressions, profile.days[d].engagements) for d in profile.dates(start, end)}
    assert sum(written[d] != truth[d] for d in truth) >= 3
    assert written[_mdy(end)][0] < truth[_mdy(end)][0]  # the partial last day
    followers = {row[0]: int(row[1]) for row in _rows(path, "FOLLOWERS")[3:]}
    assert followers[_mdy(end)] <= profile.days[end].new_followers
    assert _rows(path, "DISCOVERY")[1] == ["Impressions", str(shown.impressions(start, end))]


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

    assert _created(legacy) == dt.datetime(2025, 9, 30, 10, 0)


def test_2026_single_post_export(profile, tmp_path):
    post = next(p for p in reversed(profile.posts) if p.url_style == "bare")
    metrics = profile.post_lifetime(post.url, profile.end)
    new = write_post_export(profile, post.url, profile.end, tmp_path, flavour="2026")
    # The file name's id is not the URL's: the URL's is the post's id.
    assert new.name == post_file_name(profile.name, post.export_id, "2026")
    assert post.export_id != post.activity_id and BARE_URL.fullmatch(post.url).group(1) == post.activity_id
    assert _sheet_names(new) == ["Post analytics"]
    rows = _rows(new, "Post analytics")
    assert all(len(row) == 3 for row in rows)  # three columns wide
    keys = [row[0] for row in rows]
    header = keys.index("Category")
    assert keys[:header] == [
        "Post URL",
        "Post Date",
        "Post Publish Time",
        "",
        "Discovery",
        "Impressions",
        "Members reached",
        "Profile activity",
        "Profile viewers from this post",
        "Followers gained from this post",
        "Engagement",
        "Social engagements",
        "Reactions",
        "Comments",
        "Reposts",
        "Saves",
        "Sends on LinkedIn",
        "Link engagements",
        "Premium custom button engagements",
        "",
        "Post viewer demographics",
    ]
    assert not any("Highlights" in str(v) for row in rows for v in row)  # the as-of date is in dcterms:created only
    values = {row[0]: row[1] for row in rows if row[0]}
    assert values["Post URL"] == post.url
    published = post.published_on
    assert values["Post Date"] == _mdy(published)
    assert re.fullmatch(r"\d{1,2}:\d{2} (AM|PM)", values["Post Publish Time"])
    for title in ("Discovery", "Profile activity", "Engagement", "Post viewer demographics"):
        assert values[title] == ""
    assert values["Impressions"] == str(metrics["impressions"])  # plain digits, as the real file
    assert values["Premium custom button engagements"] == str(metrics["premium_custom_button_engagements"])
    assert rows[header] == ["Category", "Value", "%"]
    assert all(row[2].endswith("%") for row in rows[header + 1 :])
    assert all(isinstance(v, str) for row in _cells(new, "Post analytics") for v in row if v is not None)
    assert _created(new) == dt.datetime(2025, 9, 30, 10, 0) and _created(new).date() == profile.end
    later = dt.datetime(2025, 9, 30, 21, 5, 9)
    again = write_post_export(
        profile,
        post.url,
        profile.end,
        tmp_path / "b",
        flavour="2026",
        generated_at=later,
        thousands=True,
        suffix=" (1)",
    )
    assert again.name.endswith(f"_{post.export_id} (1).xlsx") and _created(again) == later
    assert {row[0]: row[1] for row in _rows(again, "Post analytics")}["Impressions"] == f"{metrics['impressions']:,}"


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


@pytest.mark.parametrize("days", [1, 2, 3, 30])
def test_sample_landing(tmp_path, days):
    truth, paths = write_sample_landing(tmp_path, END, days)
    assert truth == build_profile(END, days)
    assert all(path.is_file() and path.parent.name == "pending" for path in paths)
    assert len(set(paths)) == len(paths)
    volumes = [path.parent.parent.name for path in paths]
    assert volumes.count("content_historical") == (2 if days >= 3 else 0)
    assert volumes.count("content_daily") == min(days, 2)
    assert 1 <= volumes.count("posts") <= 5 and volumes.count("patch") == 1
    mtimes = [os.stat(path).st_mtime_ns for path in paths]
    in_order = mtimes[1:] if days >= 3 else mtimes  # the earlier revised download is stamped last
    assert in_order == sorted(set(in_order))  # strictly increasing in the order written
    assert max(mtimes) < time.time_ns()
    created = [_created(path) for path in paths if path.suffix == ".xlsx"]
    assert created == sorted(set(created))  # dcterms:created: the download order
    times = download_times(truth, volumes.count("posts"))
    assert created == [*times["earlier"], *times["historical"], *times["daily"], *times["posts"]]
    for path in paths:
        if path.parent.parent.name == "posts":
            assert _created(path).date() == END  # the as-of date of a 2026 file
    daily = sorted(p.name for p in paths if p.parent.parent.name == "content_daily")
    assert daily[0].startswith("AggregateAnalytics_") and daily[0].endswith("_2025-09-30_2025-09-30.xlsx")
    patch = list(csv.DictReader(next(p for p in paths if p.suffix == ".csv").open(encoding="utf-8")))
    assert patch[0]["title"] and not patch[0]["true_url"]
    assert patch[1]["true_url"] and not patch[1]["title"]
    assert {row["post_url"] for row in patch} <= {post.url for post in truth.posts}


@pytest.mark.parametrize("days", [3, 4, 30])
def test_sample_landing_earlier_download_is_a_trap_for_mtime(tmp_path, days):
    truth, paths = write_sample_landing(tmp_path, END, days)
    earlier, newer = paths[0], paths[1]
    assert [p.parent.parent.name for p in paths[:2]] == ["content_historical"] * 2
    (start, end), (newer_start, newer_end) = earlier_historical_range(truth), historical_range(truth)
    assert newer_start <= start <= end <= newer_end  # every day of it is in the newer file too
    assert earlier.name == content_file_name(truth.name, start, end, "legacy")
    assert _created(earlier) < _created(newer)
    assert os.stat(earlier).st_mtime_ns > max(os.stat(p).st_mtime_ns for p in paths[1:])
    shown = truth.earlier_download(start, end)
    written = {row[0]: (row[1], row[2]) for row in _rows(earlier, "ENGAGEMENT")[1:]}
    assert written == {_mdy(d): (shown.days[d].impressions, shown.days[d].engagements) for d in truth.dates(start, end)}
    newest = {row[0]: (row[1], row[2]) for row in _rows(newer, "ENGAGEMENT")[1:]}
    assert newest == {_mdy(d): (t.impressions, t.engagements) for d, t in truth.days.items() if d <= newer_end}
    assert any(written[d] != newest[d] for d in written)
    assert written[_mdy(end)][0] < newest[_mdy(end)][0]  # its last day is partial
    # Layouts: the earlier download is a 2023 file, the newer historical one a 2024 file.
    assert _sheet_names(earlier) == CONTENT_SHEETS[1:]
    assert _rows(newer, "DISCOVERY")[2][0] == "Unique views"


def test_sample_landing_2026_flavour_and_pipeline_profile(tmp_path):
    truth, paths = write_sample_landing(tmp_path, END_2026, 12, seed=5)
    assert truth.correction_days == [dt.date(2026, 10, 27)]
    daily = [p for p in paths if p.parent.parent.name == "content_daily"]
    assert daily[-1].name.startswith("AggregateAnalytics_") and _sheet_names(daily[-1]) == SIX_SHEETS
    assert _sheet_names(daily[0]) == CONTENT_SHEETS
    posts = [p for p in paths if p.parent.parent.name == "posts"]
    ids = {p.name.rsplit("_", 1)[1].removesuffix(".xlsx") for p in posts if p.name.startswith("SinglePost")}
    assert ids and not ids & {post.activity_id for post in truth.posts}
    legacy_posts = [p for p in posts if p.name.startswith("PostAnalytics_")]
    assert any(isinstance(row[1], str) for p in legacy_posts for row in _rows(p, "PERFORMANCE")[3:4])
    all_2026 = write_sample_landing(tmp_path / "new", END_2026, 12, seed=5, flavour="2026")[1]
    historical = [p for p in all_2026 if p.parent.parent.name == "content_historical"]
    assert all(p.name.startswith("AggregateAnalytics_") and _sheet_names(p) == SIX_SHEETS for p in historical)


def test_a_year_long_historical_file_holds_every_day_of_its_window(tmp_path):
    """A 365-day profile written as a historical file that ends two days before the profile:
    one ENGAGEMENT row per day of the window, in date order, with the truth's figures.
    (How long generating it takes is a benchmark's business, never a test's.)"""
    profile = build_profile(END, 365)
    assert len(profile.days) == 365 and profile.end == END
    start, end = profile.start, END - dt.timedelta(days=2)
    window = [start + dt.timedelta(days=i) for i in range(363)]
    assert window[-1] == end
    path = write_content_export(profile, tmp_path, start, end)
    engagement = _rows(path, "ENGAGEMENT")
    assert engagement[0] == ["Date", "Impressions", "Engagements"]
    assert [row[0] for row in engagement[1:]] == [_mdy(d) for d in window]  # no day missing, none past `end`
    assert [tuple(row[1:3]) for row in engagement[1:]] == [
        (profile.days[d].impressions, profile.days[d].engagements) for d in window
    ]
