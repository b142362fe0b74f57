"""The dashboard's By-post lifetime figures, Audience, Historical and Posting-time pages,
end to end: sample exports in LinkedIn's layouts -> the pipeline -> gold -> the page the
dashboard asset wrote, read in headless Chromium. The values shown must equal the truth
the generator knows. One lake and one browser render serve the whole module."""

from __future__ import annotations

import datetime as dt
import html
import re
import zoneinfo
from collections import defaultdict

import pytest

from linkedin_assets.cli import run_pending
from linkedin_assets.core.dashboard.local import dashboard_path
from linkedin_assets.core.lake.delta import DeltaLake
from linkedin_assets.samples.profile import build_profile
from linkedin_assets.samples.writer import write_content_export, write_post_export
from linkedin_assets_tests.homes import use_home
from linkedin_assets_tests.test_dashboard_render import _chromium, _run_chromium

END = dt.date(2026, 10, 31)  # a Saturday; the profile starts on Tuesday 22 September
DAYS = 40
SEED = 33
# Not UTC, so the local publish weekday and hour differ from the UTC ones for some posts.
TIME_ZONE = "America/New_York"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Two historical files (so totals are stated on three days only), two daily ones (the
    last one six-sheet 2026, with content demographics), a single-post export of every
    post published before the last day; the pipeline run once; the page dumped once."""
    binary = _chromium()
    home = tmp_path_factory.mktemp("pages") / "home"
    with pytest.MonkeyPatch.context() as mp:
        settings = use_home(mp, home)
        mp.setenv("LINKEDIN_REPORTING_TIME_ZONE", TIME_ZONE)
        profile = build_profile(end=END, days=DAYS, seed=SEED)
        historical = settings.volume("content_historical")
        middle = END - dt.timedelta(days=12)
        write_content_export(profile, historical, profile.start, middle)
        write_content_export(profile, historical, middle + dt.timedelta(days=1), END - dt.timedelta(days=2))
        daily = settings.volume("content_daily")
        write_content_export(profile, daily, END - dt.timedelta(days=1), END - dt.timedelta(days=1))
        write_content_export(profile, daily, END, END, "2026")
        exported = [p for p in profile.posts if p.published_on < END]
        for post in exported:
            write_post_export(profile, post.url, END, settings.volume("posts"))
        summary = run_pending(settings)
        assert summary.ok, summary
        page = dashboard_path(settings.home)
        dom = _run_chromium(binary, tmp_path_factory.mktemp("chrome"), "--dump-dom", page.resolve().as_uri())
        assert dom.returncode == 0, dom.stderr[-2000:]
        yield settings, profile, exported, dom.stdout


def gold(settings, table: str) -> list[dict]:
    return DeltaLake(settings.lake).read("gold", table).to_pylist()


def element(dom: str, id_: str) -> str:
    """The markup of the element with id `id_` up to its closing tag (tables and divs here do not nest themselves)."""
    m = re.search(rf'<(\w+)[^>]*\bid="{re.escape(id_)}"[^>]*>', dom)
    assert m, f"#{id_} missing"
    tag = m.group(1)
    depth = 1
    for t in re.finditer(rf"<(/?){tag}\b[^>]*>", dom[m.end() :]):
        depth += -1 if t.group(1) else 1
        if depth == 0:
            return dom[m.start() : m.end() + t.end()]
    raise AssertionError(f"#{id_} not closed")


def text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup)).strip()


def cells(table: str) -> dict[str, dict[str, str]]:
    """A rendered table's rows by data-row, their cells by data-key."""
    out = {}
    for row in re.finditer(r'<tr[^>]*data-row="([^"]*)"[^>]*>(.*?)</tr>', table, re.S):
        keyed = re.findall(r'<td[^>]*data-key="([^"]+)"[^>]*>(.*?)</td>', row.group(2), re.S)
        out[html.unescape(row.group(1))] = {k: text(v) for k, v in keyed}
    return out


def rows(table: str) -> list[list[str]]:
    """A rendered table's body rows, each its cells' text."""
    body = re.search(r"<tbody>(.*)</tbody>", table, re.S).group(1)
    return [[text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in body.split("</tr>") if "<td" in r]


def chart(dom: str, name: str) -> str:
    m = re.search(rf'<svg[^>]*data-chart="{re.escape(name)}"[^>]*>.*?</svg>', dom, re.S)
    assert m, f"chart {name!r} missing"
    return m.group(0)


def number(shown: str) -> float:
    return float(shown.replace(",", "").replace("\u2212", "-").rstrip("%"))


def post_id(settings, url: str) -> str:
    return next(r["post_id"] for r in gold(settings, "fct_post_statistics") if r["post_url"] == url)


def test_the_page_renders_every_page_without_error(site):
    _, _, _, dom = site
    assert 'data-ready="1"' in dom
    assert text(element(dom, "error")) == ""
    for tab in ("audience", "timing"):
        assert f'data-tab="{tab}"' in dom and f'id="page-{tab}"' in dom


# --------------------------------------------------------------------- by post


def test_gold_post_statistics_equal_the_truth(site):
    settings, profile, exported, _ = site
    found = {r["post_url"]: r for r in gold(settings, "fct_post_statistics")}
    # Every exported post, and the posts only the top-post lists name (no lifetime figures).
    assert {p.url for p in exported} <= set(found) <= {p.url for p in profile.posts}
    assert all(found[url]["lifetime_as_of_date"] is None for url in set(found) - {p.url for p in exported})
    for post in exported:
        row, truth = found[post.url], profile.post_lifetime(post.url, END)
        assert row["lifetime_as_of_date"] == END
        for metric in ("impressions", "members_reached", "reactions", "comments", "reposts", "saves"):
            assert row[metric] == truth[metric], (post.url, metric)
        engagements = sum(truth[m] for m in ("reactions", "comments", "reposts", "saves", "sends_on_linkedin"))
        assert row["engagements"] == engagements
        assert row["engagement_rate"] == pytest.approx(engagements / truth["impressions"])
        local = post.published_at.replace(tzinfo=dt.timezone.utc).astimezone(zoneinfo.ZoneInfo(TIME_ZONE))
        assert (row["publish_weekday_local"], row["publish_hour_local"]) == (WEEKDAYS[local.weekday()], local.hour)


def test_by_post_page_shows_every_exported_posts_lifetime_figures(site):
    settings, profile, exported, dom = site
    shown = cells(element(dom, "lifetime-table"))
    assert len(shown) == len(exported)
    for post in exported:
        row, truth = shown[post_id(settings, post.url)], profile.post_lifetime(post.url, END)
        for metric in (
            "impressions",
            "members_reached",
            "reactions",
            "comments",
            "reposts",
            "saves",
            "sends_on_linkedin",
        ):
            assert number(row[metric]) == truth[metric], (post.url, metric)
        engagements = sum(truth[m] for m in ("reactions", "comments", "reposts", "saves", "sends_on_linkedin"))
        assert number(row["engagements"]) == engagements
        assert number(row["engagement_rate"]) == pytest.approx(100 * engagements / truth["impressions"], abs=0.005)


def test_by_post_page_details_the_selected_post(site):
    settings, profile, _, dom = site
    selected = re.search(r'<select id="post-select"[^>]*>\s*<option value="([^"]+)"', dom).group(1)
    url = next(r["post_url"] for r in gold(settings, "fct_post_statistics") if r["post_id"] == html.unescape(selected))
    card = element(dom, "post-lifetime")
    assert f'data-as-of="{END.isoformat()}"' in card
    truth = profile.post_lifetime(url, END)
    figures = dict(re.findall(r'data-metric="(\w+)".*?class="kpi-value"[^>]*>([^<]*)<', card, re.S))
    for metric in (
        "impressions",
        "members_reached",
        "reactions",
        "comments",
        "reposts",
        "profile_viewers",
        "followers_gained",
    ):
        assert number(figures[metric]) == truth[metric], metric
    # Per day, the engagement rate of the post's listed days.
    history = rows(element(dom, "post-history"))
    facts = {
        r["analytics_date"]: r
        for r in gold(settings, "fct_daily_post_statistics")
        if r["post_url"] == url and r["impressions"] and r["engagements"] is not None
    }
    for day, r in facts.items():
        label = f"{day.day} {day.strftime('%b')} {day.year}"
        [line] = [h for h in history if label in h[0]]
        assert number(line[-1]) == pytest.approx(100 * r["engagements"] / r["impressions"], abs=0.005)


# --------------------------------------------------------------------- audience


def share(d) -> str:
    # 2026 files state whole percentages, or "< 1%"
    return "< 1%" if d.below_one_percent else f"{round(d.percentage * 100)}%"


def test_audience_page_shows_the_latest_exports_demographics(site):
    _, profile, _, dom = site
    for kind, truth in (("audience", profile.demographics), ("content", profile.content_demographics)):
        by_category = defaultdict(list)
        for d in truth:
            by_category[d.category].append(d)
        for category, values in by_category.items():
            name = f"table-demographics-{kind}-" + re.sub(r"[^a-z0-9]+", "-", category.lower())
            shown = {r[0]: r[1] for r in rows(element(dom, name))}
            assert shown == {d.value: share(d) for d in values}, (kind, category)
            assert not chart(dom, name.removeprefix("table-")).count('data-empty="1"')
    assert "Latest export: 31 Oct 2026" in text(element(dom, "page-audience"))


# ------------------------------------------------------------------- historical


def test_partial_weeks_and_months_are_marked(site):
    _, _, _, dom = site
    weekly = chart(dom, "weekly")
    partial = re.findall(r'<rect[^>]*class="bar partial"[^>]*>\s*<title>([^<]*)</title>', weekly)
    # Tue 22 Sep - Sun 27 Sep and Mon 26 Oct - Sat 31 Oct: six days each; two series.
    assert len(partial) == 4
    assert all("partial: 6 of 7 days" in t for t in partial)
    assert weekly.count('class="bar"') == 2 * 4  # the four full weeks between
    monthly = chart(dom, "monthly")
    [sep, _] = re.findall(r'<rect[^>]*class="bar partial"[^>]*>\s*<title>([^<]*)</title>', monthly)
    assert sep.startswith("Sep 2026 (partial: 9 of 30 days)")
    assert monthly.count('class="bar"') == 2  # October is whole


def test_total_followers_are_rebuilt_for_every_day(site):
    _, profile, _, dom = site
    tips = [
        html.unescape(t)
        for t in re.findall(r'class="hover-col"[^>]*>\s*<title>([^<]*)</title>', chart(dom, "total-followers"))
    ]
    assert len(tips) == DAYS  # every day, not only the three stated ones
    stated = {END - dt.timedelta(days=12), END - dt.timedelta(days=2), END - dt.timedelta(days=1), END}
    for tip, day in zip(tips, sorted(profile.days)):
        label, derived_line = tip.split("\n")[:2]
        assert label.endswith("(stated)" if day in stated else "(derived)"), tip
        assert number(derived_line.split(": ")[1]) == profile.days[day].total_followers, tip


# ----------------------------------------------------------------- posting time


def test_posting_time_page_averages_by_local_weekday_and_hour(site):
    _, profile, exported, dom = site
    zone = zoneinfo.ZoneInfo(TIME_ZONE)
    weekdays, hours = defaultdict(list), defaultdict(list)
    for post in exported:
        local = post.published_at.replace(tzinfo=dt.timezone.utc).astimezone(zone)
        truth = profile.post_lifetime(post.url, END)
        weekdays[WEEKDAYS[local.weekday()]].append(truth)
        hours[f"{local.hour:02d}:00"].append(truth)
    assert f"{len(exported)} of " in text(element(dom, "timing-coverage"))
    for table, truth in (("table-timing-weekday", weekdays), ("table-timing-hour", hours)):
        shown = cells(element(dom, table))
        assert set(shown) == set(truth), table
        for label, posts in truth.items():
            impressions = sum(t["impressions"] for t in posts)
            engagements = sum(
                t[m] for t in posts for m in ("reactions", "comments", "reposts", "saves", "sends_on_linkedin")
            )
            row = shown[label]
            assert number(row["posts"]) == len(posts)
            assert number(row["avg_impressions"]) == pytest.approx(impressions / len(posts), abs=0.051)
            assert number(row["avg_engagements"]) == pytest.approx(engagements / len(posts), abs=0.051)
            assert number(row["engagement_rate"]) == pytest.approx(100 * engagements / impressions, abs=0.005)
    for name in ("timing-weekday", "timing-hour", "timing-weekday-rate", "timing-hour-rate"):
        assert 'class="bar"' in chart(dom, name), name


def test_gold_latest_demographics_are_the_newest_files(site):
    settings, profile, _, _ = site
    found = gold(settings, "fct_latest_demographics")
    assert {r["period_end"] for r in found} == {END}
    assert {(r["demographic_type"], r["category"], r["value"]) for r in found} == {
        (d.demographic_type, d.category, d.value) for d in profile.demographics + profile.content_demographics
    }
