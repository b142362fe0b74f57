"""The whole graph, end to end: sample exports in landing -> bronze -> silver -> gold ->
dashboard, through `linkedin-analytics run`'s code path; gold numbers equal the truth
the generator knows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import dagster as dg
import pytest

from linkedin_assets.cli import run_pending
from linkedin_assets.core.lake.delta import DeltaLake
from linkedin_assets.samples.landing import (
    earlier_historical_range,
    permalink,
    recent_posts,
    sample_patch_rows,
    write_sample_landing,
)
from linkedin_assets_tests.homes import use_home

END = dt.date(2026, 10, 31)
DAYS = 12
METRICS = ("impressions", "engagements")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("pipeline")
    with pytest.MonkeyPatch.context() as mp:
        settings = use_home(mp, home)
        profile, _ = write_sample_landing(settings.landing, end=END, days=DAYS, seed=5)
        summary = run_pending(settings)
        yield settings, profile, summary


def gold(settings, table):
    return DeltaLake(settings.lake).read("gold", table).to_pylist()


def per_day_files(profile):
    """Days that came in a one-day file, so have per-day top-post lists."""
    return [END - dt.timedelta(days=1), END]


def test_run_succeeds_and_fills_every_layer(demo):
    settings, _, summary = demo
    assert summary.ok, summary
    lake = DeltaLake(settings.lake)
    for catalog, tables in {
        "silver": ["totals", "followers", "impressions", "engagements", "posts"],
        "gold": ["dim_date", "dim_timestamp", "fct_daily_profile_statistics", "fct_daily_post_statistics"],
    }.items():
        for table in tables:
            assert lake.read(catalog, table).num_rows > 0, f"{catalog}.{table} is empty"


def test_profile_facts_equal_the_truth(demo):
    settings, profile, _ = demo
    facts = {r["analytics_date"]: r for r in gold(settings, "fct_daily_profile_statistics")}
    assert sorted(facts) == sorted(profile.days)
    for day, truth in profile.days.items():
        row = facts[day]
        assert (row["impressions"], row["engagements"], row["new_followers"]) == (
            truth.impressions,
            truth.engagements,
            truth.new_followers,
        )
        before = profile.days.get(day - dt.timedelta(days=1))
        expected_change = truth.impressions - before.impressions if before else None
        assert row["change_in_impressions"] == expected_change
    # Totals are stated at the end of each file's range; only there are they known. The
    # earlier, revised download is the only file stating its last day's total: as it said.
    earlier_end = earlier_historical_range(profile)[1]
    earlier = profile.earlier_download(*earlier_historical_range(profile))
    stated = {d: r["total_followers"] for d, r in facts.items() if r["total_followers"] is not None}
    assert stated == {
        earlier_end: earlier.days[earlier_end].total_followers,
        **{d: profile.days[d].total_followers for d in (END - dt.timedelta(days=2), *per_day_files(profile))},
    }
    # Members reached is a per-day figure only for one-day files.
    assert {d for d, r in facts.items() if r["members_reached"] is not None} == set(per_day_files(profile))
    assert facts[END]["members_reached"] == profile.members_reached(END, END)


def test_post_facts_equal_the_truth_and_reconcile(demo):
    settings, profile, _ = demo
    rows = gold(settings, "fct_daily_post_statistics")
    by_day = defaultdict(list)
    for r in rows:
        by_day[r["analytics_date"]].append(r)
    assert sorted(by_day) == sorted(profile.days)
    for day, day_rows in by_day.items():
        [total] = [r for r in day_rows if r["row_type"] == "total"]
        for metric in METRICS:
            assert total[metric] == getattr(profile.days[day], metric)
            listed = sum(r[metric] or 0 for r in day_rows if r["row_type"] in ("post", "others"))
            assert listed == total[metric], f"{day} {metric}: posts + others != total"
    for day in per_day_files(profile):
        posts = {r["post_url"]: r for r in by_day[day] if r["row_type"] == "post"}
        for metric in METRICS:
            truth = {url: value for url, _, value in profile.top_posts(day, day, metric)}
            got = {url: r[metric] for url, r in posts.items() if r[metric] is not None}
            assert got == truth
        for url, r in posts.items():
            assert r["days_since_post"] == (day - profile.post(url).published_on).days
            assert r["post_id"].endswith(profile.post(url).activity_id)
    # Days known only from the historical file have no per-day post rows: all is 'others'.
    early = END - dt.timedelta(days=5)
    assert {r["row_type"] for r in by_day[early]} <= {"others", "total"}


def test_one_sided_post_has_null_not_zero(demo):
    settings, profile, _ = demo
    rows = [r for r in gold(settings, "fct_daily_post_statistics") if r["row_type"] == "post"]
    for r in rows:
        day = r["analytics_date"]
        engaged = {u for u, _, _ in profile.top_posts(day, day, "engagements")}
        if r["post_url"] not in engaged:
            assert r["engagements"] is None


def test_patch_wins_over_other_sources(demo):
    settings, profile, _ = demo
    newest, second = recent_posts(profile, END)[:2]
    posts = {r["post_url"]: r for r in DeltaLake(settings.lake).read("silver", "posts").to_pylist()}
    assert posts[newest.url]["title"] == newest.title
    assert posts[second.url]["link"] == permalink(second)
    assert posts[second.url]["title"]  # no patched title: the URL's words, not blank
    facts = [r for r in gold(settings, "fct_daily_post_statistics") if r["post_url"] == newest.url]
    assert facts and all(r["title"] == newest.title for r in facts)


def test_every_url_form_names_its_post(demo):
    """Legacy feed URLs (urn:li:activity:<id>), 2026 /posts/ URLs with and without words: one id each."""
    settings, profile, _ = demo
    posts = DeltaLake(settings.lake).read("silver", "posts").to_pylist()
    styles = {profile.post(r["post_url"]).url_style for r in posts}
    assert {"feed", "bare", "words"} <= styles
    assert len({r["post_id"] for r in posts}) == len(posts)
    patched_titles = {row["post_url"] for row in sample_patch_rows(recent_posts(profile, END)) if "title" in row}
    for r in posts:
        post = profile.post(r["post_url"])
        assert r["activity_id"] == post.activity_id
        assert r["post_id"] == f"{r['post_publish_date'].isoformat()}-{post.activity_id}"
        if post.url_style != "words" and r["post_url"] not in patched_titles:
            assert r["title"] is None, r  # no words in the URL: no made-up title


def test_negative_days_are_kept_and_flagged_without_blocking(demo):
    """LinkedIn's -2 engagements correction day reaches gold as stated; a warning names it."""
    settings, profile, summary = demo
    assert profile.correction_days and summary.ok
    facts = {r["analytics_date"]: r for r in gold(settings, "fct_daily_profile_statistics")}
    for day in profile.correction_days:
        assert facts[day]["engagements"] == profile.days[day].engagements < 0
    check = dg.AssetCheckKey(dg.AssetKey(["gold", "linkedin", "fct_daily_profile_statistics"]), "negative_days")
    [record] = dg.DagsterInstance.get().event_log_storage.get_asset_check_execution_history(check, limit=1)
    evaluation = record.event.dagster_event.event_specific_data
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    flagged = {(d["date"], d["column"], d["value"]) for d in evaluation.metadata["days"].value}
    assert flagged == {
        (day.isoformat(), "engagements", profile.days[day].engagements) for day in profile.correction_days
    }


def test_dim_tables(demo):
    settings, profile, _ = demo
    dates = {r["date"]: r for r in gold(settings, "dim_date")}
    assert set(profile.days) <= set(dates)
    sunday = next(d for d in dates if d.weekday() == 6)
    assert (dates[sunday]["weekday"], dates[sunday]["weekday_name"], dates[sunday]["is_weekend"]) == (7, "Sunday", True)
    stamps = gold(settings, "dim_timestamp")
    assert stamps and all(r["reporting_time_zone"] == "UTC" and r["hour_utc"] == r["hour_local"] for r in stamps)


def test_dashboard_written_with_headline_metadata(demo):
    settings, profile, _ = demo
    page = settings.home / "dashboard" / "index.html"
    assert page.exists() and "LinkedIn Statistics" in page.read_text()
    event = dg.DagsterInstance.get().get_latest_materialization_event(dg.AssetKey(["dashboard", "linkedin_statistics"]))
    metadata = event.asset_materialization.metadata
    assert metadata["total_impressions"].value == sum(t.impressions for t in profile.days.values())
    assert metadata["path"].value == str(page)
    assert metadata["profile"].value == profile.name  # one profile: named, its numbers at the top
    rate = sum(t.engagements for t in profile.days.values()) / sum(t.impressions for t in profile.days.values())
    assert metadata["engagement_rate"].value == f"{rate:.2%}"  # as a person reads it, not a raw fraction


@pytest.mark.slow
def test_pipeline_dashboard_renders_its_charts_in_a_real_browser(demo, tmp_path):
    from linkedin_assets_tests.test_dashboard_render import CHARTS, _chromium, _DomScan, _run_chromium

    settings, profile, _ = demo
    page = settings.home / "dashboard" / "index.html"
    done = _run_chromium(_chromium(), tmp_path / "profile", "--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = _DomScan()
    dom.feed(done.stdout)
    assert dom.body.get("data-ready") == "1" and not "".join(dom.error_text).strip()
    charts = {name for names in CHARTS.values() for name in names}
    for name in charts:
        chart = dom.charts[name]
        assert not chart["empty"] and (chart["path"] + chart["rect"] + chart["circle"]) > 0, name
    assert f"{sum(t.impressions for t in profile.days.values()):,}" in "".join(dom.text)


def test_every_table_shows_its_rows_columns_and_location_in_dagster(demo):
    import dagster as dg

    settings, _, _ = demo
    instance = dg.DagsterInstance.get()
    lake = DeltaLake(settings.lake)
    checked = 0
    for catalog in ("bronze", "silver", "gold"):
        for path in sorted((settings.lake / catalog / "linkedin").iterdir()):
            event = instance.get_latest_materialization_event(dg.AssetKey([catalog, "linkedin", path.name]))
            if event is None:  # a table no file fed in this lake (post_patch): nothing to show yet
                continue
            metadata = event.asset_materialization.metadata
            stored = lake.read(catalog, path.name)
            assert metadata["dagster/row_count"].value == stored.num_rows, (catalog, path.name)
            columns = [c.name for c in metadata["dagster/column_schema"].value.columns]
            assert columns == stored.column_names, (catalog, path.name)
            assert metadata["path"].value == str(path)
            checked += 1
    assert checked >= 14


def test_sample_events_land_in_pending_and_reach_gold(demo, capsys):
    """`linkedin-analytics sample daily|post|patch`: each writes one export into its pending/
    folder (the daily one for the day after the newest landed day, the others for that new
    day), and a run takes all three to gold. Last in this module: it adds a day to the lake."""
    from linkedin_assets.cli import main
    from linkedin_assets.core.exports.names import parse_file_name

    settings, _, _ = demo
    assert main(["sample", "daily"]) == 0
    assert main(["sample", "post"]) == 0
    assert main(["sample", "patch"]) == 0
    written = capsys.readouterr().out
    new_day = END + dt.timedelta(days=1)
    [daily] = settings.volume("content_daily").iterdir()  # the demo's files were all processed
    assert parse_file_name(daily.name).period_start == parse_file_name(daily.name).period_end == new_day
    assert str(daily.relative_to(settings.home)) in written
    assert [p.name for p in settings.volume("patch").iterdir()] == [f"sample_patch_{new_day}.csv"]
    assert len(list(settings.volume("posts").iterdir())) == 1
    # The same event again is refused with its reason, and nothing is overwritten.
    assert main(["sample", "daily", new_day.isoformat()]) == 2
    assert "already there" in capsys.readouterr().err

    summary = run_pending(settings)
    assert summary.ok, summary
    assert sum(len(names) for names in summary.processed.values()) == 3
    days = {r["analytics_date"] for r in gold(settings, "fct_daily_profile_statistics")}
    assert new_day in days
    corrected = [
        r
        for r in DeltaLake(settings.lake).read("silver", "posts").to_pylist()
        if r["title"] == f"Corrected title ({new_day})"
    ]
    assert len(corrected) == 1
