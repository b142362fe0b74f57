"""The dashboard's By-post lifetime figures, Audience, Historical and Posting-time pages,
end to end: sample exports in LinkedIn's layouts -> the pipeline -> gold -> the page the
dashboard asset wrote, read in headless Chromium. The values shown must equal the truth
the generator knows. One lake and one browser render serve the whole module; the Lakeview
dashboard's datasets for the same pages run on that lake too (through the Databricks
stand-in's SQL) and must show what the local page computes."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import zoneinfo
from collections import defaultdict

import pyarrow as pa
import pytest

from linkedin_assets.cli import run_pending
from linkedin_assets.core.dashboard.local import dashboard_path
from linkedin_assets.core.dashboard.periods import followers_every_day
from linkedin_assets.core.dashboard.render import build_model
from linkedin_assets.core.databricks.lakeview import DASHBOARD_FILE, serialized_dashboard
from linkedin_assets.core.lake.delta import DeltaLake
from linkedin_assets.core.profiles import slug
from linkedin_assets.samples.profile import build_profile
from linkedin_assets.samples.writer import write_content_export, write_post_export
from linkedin_assets_tests.databricks_standin import DatabricksStandIn
from linkedin_assets_tests.homes import use_home
from linkedin_assets_tests.test_dashboard_render import _chromium, _run_chromium, embedded_data

pytestmark = pytest.mark.slow  # Chromium, and the stand-in's warehouse for the Lakeview datasets

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


# ---------------------------------------------------------- Lakeview, same lake


def lakeview_rows(lake_root, dataset: str, profile_name: str | None = None) -> list[dict]:
    """A Lakeview dataset's rows: its SQL run on the lake as the warehouse stand-in runs it;
    with `profile_name`, as the dashboard's Profile filter narrows them (a filter on the
    dataset's result)."""
    published = json.loads(serialized_dashboard({"gold": "gold.linkedin"}))  # as the asset publishes it
    [found] = [d for d in published["datasets"] if d["name"] == dataset]
    sql = "".join(found["queryLines"])
    if profile_name is not None:
        sql = f"SELECT * FROM ({sql}) AS shown WHERE profile_name = :profile_name"
    params = {} if profile_name is None else {"profile_name": profile_name}
    return DatabricksStandIn(lake_root).execute(sql, params).to_pylist()


def lakeview_widget(name: str) -> tuple[str, dict]:
    """The Lakeview widget `name`: the dataset it reads and its encodings."""
    pages = json.loads(DASHBOARD_FILE.read_text())["pages"]
    [widget] = [i["widget"] for p in pages for i in p["layout"] if i["widget"]["name"] == name]
    [query] = widget["queries"]
    return query["query"]["datasetName"], widget["spec"]["encodings"]


def page_model(settings) -> dict:
    """What the local page computed: the model the dashboard asset embedded in it."""
    return embedded_data(dashboard_path(settings.home).read_text(encoding="utf-8"))


def lakeview_periods(rows: list[dict], monthly: bool) -> dict[str, dict]:
    """Lakeview's weekly/monthly rows keyed like the local page's periods ("2026-09-21", "2026-09")."""
    return {
        (r["period_start"].isoformat()[:7] if monthly else r["period_start"].isoformat()): {
            k: r[k] for k in ("days", "full_days", "impressions", "engagements", "new_followers", "period_label")
        }
        for r in rows
    }


def local_periods(buckets: list[dict]) -> dict[str, dict]:
    return {
        b["period"]: {k: b[k] for k in ("days", "full_days", "impressions", "engagements", "new_followers")}
        for b in buckets
    }


def label(period: str, days: int, full_days: int) -> str:
    return period if days == full_days else f"{period} ({days} of {full_days} days)"


def test_lakeview_weeks_and_months_hold_the_local_pages_days(site):
    settings, _, _, _ = site
    model = page_model(settings)
    found = {name: lakeview_rows(settings.lake, name) for name in ("profile_weekly", "profile_monthly")}
    for dataset, buckets, monthly in (("profile_weekly", "weekly", False), ("profile_monthly", "monthly", True)):
        shown = lakeview_periods(found[dataset], monthly)
        assert {k: {c: v for c, v in r.items() if c != "period_label"} for k, r in shown.items()} == local_periods(
            model[buckets]
        ), dataset
        assert {k: r["period_label"] for k, r in shown.items()} == {
            b["period"]: label(b["period"], b["days"], b["full_days"]) for b in model[buckets]
        }
    assert [r["period_label"] for r in found["profile_weekly"]] == [
        "2026-09-21 (6 of 7 days)",
        "2026-09-28",
        "2026-10-05",
        "2026-10-12",
        "2026-10-19",
        "2026-10-26 (6 of 7 days)",
    ]
    assert [r["period_label"] for r in found["profile_monthly"]] == [
        "2026-09 (9 of 30 days)",
        "2026-10",
    ]
    # The charts draw those buckets, labelled, not the days binned by the chart.
    for widget, dataset in (
        ("weekly_totals", "profile_weekly"),
        ("monthly_totals", "profile_monthly"),
        ("monthly_new_followers", "profile_monthly"),
    ):
        read, encodings = lakeview_widget(widget)
        assert (read, encodings["x"]["fieldName"]) == (dataset, "period_label"), widget


def lakeview_followers(lake_root, profile_name: str | None = None) -> list[dict]:
    return [
        {"date": r["analytics_date"].isoformat(), "total_followers": r["total_followers"], "source": r["source"]}
        for r in lakeview_rows(lake_root, "followers_daily", profile_name)
    ]


def test_lakeview_total_followers_equal_the_local_pages(site):
    settings, profile, _, _ = site
    shown = lakeview_followers(settings.lake)
    assert shown == [
        {"date": f["date"], "total_followers": f["total_followers"], "source": "derived" if f["derived"] else "stated"}
        for f in page_model(settings)["followers"]
    ]
    stated = {END - dt.timedelta(days=12), END - dt.timedelta(days=2), END - dt.timedelta(days=1), END}
    assert shown == [
        {
            "date": day.isoformat(),
            "total_followers": profile.days[day].total_followers,
            "source": "stated" if day in stated else "derived",
        }
        for day in sorted(profile.days)
    ]
    for widget in ("total_followers_over_time", "followers_per_day"):
        assert lakeview_widget(widget)[0] == "followers_daily", widget


# (day, new followers, stated total): gaps, missing counts and stated totals that
# disagree with the counts, the cases the chain rule decides.
CHAIN = [
    (dt.date(2026, 10, 27), 4, None),  # unreachable: 28 Oct's successor has no count
    (dt.date(2026, 10, 28), 6, None),  # unreachable: 29 Oct has no new-follower count
    (dt.date(2026, 10, 29), None, None),  # back from 31 Oct: 100 - 3 - 2
    (dt.date(2026, 10, 30), 2, None),  # 100 - 3
    (dt.date(2026, 10, 31), 3, 100),
    (dt.date(2026, 11, 1), 4, None),  # forward: 104
    (dt.date(2026, 11, 2), None, None),  # forward broken; back from 4 Nov: 120 - 2 - 1
    (dt.date(2026, 11, 3), 1, None),  # 120 - 2 (forward would need 2 Nov's total)
    (dt.date(2026, 11, 4), 2, 120),
    # 5 Nov missing: 6 Nov is not forward from 4 Nov but back from 8 Nov: 130 - 1 - 1
    (dt.date(2026, 11, 6), 3, None),
    (dt.date(2026, 11, 7), 1, None),  # 130 - 1
    (dt.date(2026, 11, 8), 1, 130),
    (dt.date(2026, 11, 9), 5, 140),  # stated, though 130 + 5 = 135: a stated total wins
    (dt.date(2026, 11, 10), 2, None),  # forward from 140: 142
    (dt.date(2026, 11, 11), 1, None),  # forward first: 143 (back from 12 Nov would say 147)
    (dt.date(2026, 11, 12), 3, 150),
    (dt.date(2026, 11, 13), None, None),  # unreachable: no count, nothing stated after
    (dt.date(2026, 11, 14), 3, None),  # unreachable
]
CHAIN_TOTALS = {
    "2026-10-29": (95, "derived"),
    "2026-10-30": (97, "derived"),
    "2026-10-31": (100, "stated"),
    "2026-11-01": (104, "derived"),
    "2026-11-02": (117, "derived"),
    "2026-11-03": (118, "derived"),
    "2026-11-04": (120, "stated"),
    "2026-11-06": (128, "derived"),
    "2026-11-07": (129, "derived"),
    "2026-11-08": (130, "stated"),
    "2026-11-09": (140, "stated"),
    "2026-11-10": (142, "derived"),
    "2026-11-11": (143, "derived"),
    "2026-11-12": (150, "stated"),
}


def test_lakeview_followers_and_partial_weeks_follow_the_local_rules_across_breaks(tmp_path):
    """A small gold profile table (no pipeline) with missing days and counts: Lakeview's
    derived totals and partial periods equal the local page's functions, and the chain
    breaks where the local page's does. A second profile's days of the same dates (more
    followers) leave each one's chain its own."""

    def chain(name: str, more: int) -> pa.Table:
        return pa.table(
            {
                "profile": pa.array([slug(name)] * len(CHAIN), pa.string()),
                "profile_name": pa.array([name] * len(CHAIN), pa.string()),
                "analytics_date": pa.array([d for d, _, _ in CHAIN], pa.date32()),
                "impressions": pa.array([None if d.day == 11 else 10 * d.day for d, _, _ in CHAIN], pa.int64()),
                "engagements": pa.array([d.day for d, _, _ in CHAIN], pa.int64()),
                "new_followers": pa.array([n for _, n, _ in CHAIN], pa.int64()),
                "total_followers": pa.array([None if t is None else t + more for _, _, t in CHAIN], pa.int64()),
            }
        )

    rows, other = chain("Ada Lovelace", 0), chain("Grace Hopper", 1000)
    DeltaLake(tmp_path).replace_all(
        "gold", "fct_daily_profile_statistics", pa.concat_tables([rows, other]), ["profile", "analytics_date"]
    )
    assert {f["date"]: (f["total_followers"], f["source"]) for f in lakeview_followers(tmp_path, "Grace Hopper")} == {
        day: (total + 1000, source) for day, (total, source) in CHAIN_TOTALS.items()
    }
    model = build_model(rows.to_pylist(), [])
    local = followers_every_day(model["daily"])
    shown = lakeview_followers(tmp_path, "Ada Lovelace")
    assert {f["date"]: (f["total_followers"], f["source"]) for f in shown} == CHAIN_TOTALS
    assert shown == [
        {"date": f["date"], "total_followers": f["total_followers"], "source": "derived" if f["derived"] else "stated"}
        for f in local
    ]

    # Partial weeks and months, a missing day included, as the local page buckets them.
    found = {name: lakeview_rows(tmp_path, name, "Ada Lovelace") for name in ("profile_weekly", "profile_monthly")}
    for dataset, buckets, monthly in (("profile_weekly", "weekly", False), ("profile_monthly", "monthly", True)):
        shown_periods = lakeview_periods(found[dataset], monthly)
        assert {k: {c: v for c, v in r.items() if c != "period_label"} for k, r in shown_periods.items()} == (
            local_periods(model[buckets])
        ), dataset
    assert [r["period_label"] for r in found["profile_weekly"]] == [
        "2026-10-26 (6 of 7 days)",
        "2026-11-02 (6 of 7 days)",  # 5 Nov missing
        "2026-11-09 (6 of 7 days)",
    ]
    assert [(r["period_label"], r["impressions"]) for r in found["profile_monthly"]] == [
        ("2026-10 (5 of 31 days)", 10 * (27 + 28 + 29 + 30 + 31)),
        ("2026-11 (13 of 30 days)", 10 * (1 + 2 + 3 + 4 + 6 + 7 + 8 + 9 + 10 + 12 + 13 + 14)),  # 11 Nov: none
    ]


def test_lakeview_posts_per_posting_time_bucket_equal_the_local_pages(site):
    settings, _, exported, _ = site
    timing = page_model(settings)["posting_time"]
    zone = zoneinfo.ZoneInfo(TIME_ZONE)
    truth_weekdays, truth_hours = defaultdict(int), defaultdict(int)
    for post in exported:
        local = post.published_at.replace(tzinfo=dt.timezone.utc).astimezone(zone)
        truth_weekdays[WEEKDAYS[local.weekday()]] += 1
        truth_hours[local.hour] += 1
    weekday_rows = lakeview_rows(settings.lake, "posting_weekday")
    hour_rows = lakeview_rows(settings.lake, "posting_hour")
    # Lakeview lists the buckets that hold posts, labelled "1 Mon" ... "7 Sun" and by hour.
    for rows, buckets, key in (
        (weekday_rows, timing["weekdays"], lambda r: WEEKDAYS[int(r["weekday_label"].split()[0]) - 1]),
        (hour_rows, timing["hours"], lambda r: f"{r['publish_hour_local']:02d}:00"),
    ):
        shown = {key(r): r for r in rows}
        local = {b["label"]: b for b in buckets if b["posts"]}
        assert set(shown) == set(local)
        for name, r in shown.items():
            b = local[name]
            assert r["posts"] == b["posts"], name
            assert r["avg_impressions"] == pytest.approx(b["avg_impressions"]), name
            assert r["avg_engagements"] == pytest.approx(b["avg_engagements"]), name
            assert r["engagement_rate"] == pytest.approx(b["engagement_rate"]), name
    assert {WEEKDAYS[int(r["weekday_label"].split()[0]) - 1]: r["posts"] for r in weekday_rows} == truth_weekdays
    assert {r["publish_hour_local"]: r["posts"] for r in hour_rows} == truth_hours
    assert [r["weekday_label"] for r in weekday_rows] == sorted(
        f"{WEEKDAYS.index(d) + 1} {d[:3]}" for d in truth_weekdays
    )
    assert sum(r["posts"] for r in weekday_rows) == timing["posts_counted"] == len(exported)
    for widget, dataset in (("posts_by_publish_weekday", "posting_weekday"), ("posts_by_publish_hour", "posting_hour")):
        read, encodings = lakeview_widget(widget)
        assert read == dataset and "posts" in [c["fieldName"] for c in encodings["columns"]], widget
