"""Each event recomputes exactly what it affects: sensors and automation driven on a
real Dagster instance (temporary DAGSTER_HOME), asserting per event type the exact
assets and partitions materialized, each once."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from collections import Counter
from pathlib import Path

import dagster as dg
import pytest
from deltalake import DeltaTable

from linkedin_assets.cli import run_pending
from linkedin_assets.core.settings import load_settings
from linkedin_assets.definitions import build_definitions
from linkedin_assets.defs.automation import EVENT_TAG
from linkedin_assets.defs.bronze.sensors import RANGE_END_TAG, RANGE_START_TAG
from linkedin_assets.defs.dashboard.assets import DASHBOARD_KEY
from linkedin_assets.defs.materializations import last_storage_id, materialized_after
from linkedin_assets.samples.profile import build_profile
from linkedin_assets.samples.writer import write_content_export, write_patch_file, write_post_export
from linkedin_assets_tests.homes import use_home

END = dt.date(2026, 10, 31)
CONTENT = ["totals", "followers", "follower_totals", "discovery", "top_posts", "demographics"]
SILVER_DAILY = [
    "silver/linkedin/totals",
    "silver/linkedin/followers",
    "silver/linkedin/impressions",
    "silver/linkedin/engagements",
]
GOLD = [
    "gold/linkedin/dim_date",
    "gold/linkedin/dim_timestamp",
    "gold/linkedin/fct_daily_profile_statistics",
    "gold/linkedin/fct_daily_post_statistics",
    "gold/linkedin/fct_post_statistics",
]
# A Content file's demographics: silver keeps every export's, gold the latest.
DEMOGRAPHICS = ["silver/linkedin/demographics", "gold/linkedin/fct_latest_demographics"]
POST_METADATA = [
    "silver/linkedin/posts",
    "gold/linkedin/dim_date",
    "gold/linkedin/dim_timestamp",
    "gold/linkedin/fct_daily_post_statistics",
    "gold/linkedin/fct_post_statistics",
    "dashboard/linkedin_statistics",
]
DASHBOARD = "dashboard/linkedin_statistics"


@pytest.fixture(scope="module")
def profile():
    return build_profile(end=END, days=40, seed=21)


@pytest.fixture(scope="module")
def stored_history(tmp_path_factory, profile) -> Path:
    """A LINKEDIN_HOME where a day, a post export and a patch were run through every layer.

    Made once; each test starts from a copy (lake, landing and Dagster instance alike),
    as test_bad_inputs.py's stored_baseline: a whole run saved per test."""
    home = tmp_path_factory.mktemp("history") / "home"
    with pytest.MonkeyPatch.context() as mp:
        settings = use_home(mp, home)
        day = END - dt.timedelta(days=1)
        write_content_export(profile, settings.volume("content_daily"), day, day)
        write_post_export(profile, profile.posts[-2].url, day, settings.volume("posts"))
        write_patch_file([{"post_url": profile.posts[-2].url, "title": "First"}], settings.volume("patch") / "p1.csv")
        assert run_pending(settings).ok
    return home


@pytest.fixture
def lake_with_history(settings, stored_history):
    """The state before each event: the stored history, copied into this test's home."""
    shutil.copytree(stored_history, settings.home, dirs_exist_ok=True)  # copy2: mtimes kept
    return settings


def asset_keys():
    return build_definitions().resolve_asset_graph().get_all_asset_keys()


def days(first: dt.date, last: dt.date) -> list[str]:
    return [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def expect(partitioned: dict[str, list[str]], whole: list[str]) -> Counter:
    out = Counter()
    for asset, keys in partitioned.items():
        for key in keys:
            out[(asset, key)] = 1
    for asset in whole:
        out[(asset, None)] = 1
    return out


def event(settings, act, runs: int = 1) -> Counter:
    """What `act` and one `linkedin-analytics run` materialized; every event is one run
    (the file's or the edit's: its bronze and all downstream), the automation adds none."""
    instance = dg.DagsterInstance.get()
    before = last_storage_id(instance, asset_keys())
    act()
    summary = run_pending(settings)
    assert summary.ok
    assert summary.runs == runs
    return materialized_after(instance, asset_keys(), before)


def test_daily_file_refreshes_its_day_and_everything_downstream_once(lake_with_history, profile):
    settings = lake_with_history
    got = event(settings, lambda: write_content_export(profile, settings.volume("content_daily"), END, END))
    day = [END.isoformat()]
    assert got == expect(
        {**{f"bronze/linkedin/{t}": day for t in CONTENT}, **{a: day for a in SILVER_DAILY}},
        ["silver/linkedin/posts", *DEMOGRAPHICS, *GOLD, DASHBOARD],
    )


def test_historical_file_fills_its_range_in_every_layer(lake_with_history, profile):
    settings = lake_with_history
    first, last = END - dt.timedelta(days=20), END - dt.timedelta(days=11)
    got = event(settings, lambda: write_content_export(profile, settings.volume("content_historical"), first, last))
    span = days(first, last)
    assert got == expect(
        {**{f"bronze/linkedin/{t}": span for t in CONTENT}, **{a: span for a in SILVER_DAILY}},
        ["silver/linkedin/posts", *DEMOGRAPHICS, *GOLD, DASHBOARD],
    )
    # One run over the whole range, bronze to the dashboard, not one per day or per layer.
    instance = dg.DagsterInstance.get()
    [run] = [r for r in instance.get_runs() if r.tags.get(RANGE_START_TAG) == first.isoformat()]
    assert run.tags[RANGE_END_TAG] == last.isoformat() and DASHBOARD_KEY in (run.asset_selection or set())
    # The UI's view of it: every day of the range materialized in each daily asset's
    # partition status, and one evaluation per check in the run's check history (not one
    # planned per day, left "Skipped").
    for asset in [*(f"bronze/linkedin/{t}" for t in CONTENT), *SILVER_DAILY]:
        assert set(span) <= instance.get_materialized_partitions(dg.AssetKey.from_user_string(asset)), asset
    checks = build_definitions().resolve_asset_graph().asset_check_keys
    executions = {
        key: [
            r.status.value
            for r in instance.event_log_storage.get_asset_check_execution_history(key, limit=1000)
            if r.run_id == run.run_id
        ]
        for key in checks
    }
    ran = {key: statuses for key, statuses in executions.items() if statuses}
    assert any(key.asset_key.path[0] == "gold" for key in ran) and len(ran) > 20, ran
    assert all(statuses in (["SUCCEEDED"], ["FAILED"]) for statuses in ran.values()), ran


def test_post_file_refreshes_post_metadata_only(lake_with_history, profile):
    settings = lake_with_history
    got = event(settings, lambda: write_post_export(profile, profile.posts[-1].url, END, settings.volume("posts")))
    assert got == expect(
        {"bronze/linkedin/post_details": [END.isoformat()]}, ["silver/linkedin/post_lifetime", *POST_METADATA]
    )


def test_patch_file_refreshes_post_metadata_not_the_metrics_path(lake_with_history, profile):
    settings = lake_with_history
    rows = [{"post_url": profile.posts[-2].url, "title": "Better title"}]
    got = event(settings, lambda: write_patch_file(rows, settings.volume("patch") / "p2.csv"))
    assert got == expect({}, ["bronze/linkedin/post_patch", *POST_METADATA])
    assert ("silver/linkedin/totals", END.isoformat()) not in got
    assert ("gold/linkedin/fct_daily_profile_statistics", None) not in got


def test_direct_edit_of_post_patch_is_seen_by_its_version(lake_with_history, profile):
    settings = lake_with_history
    table = DeltaTable(str(settings.table_path("bronze", "post_patch")))

    got = event(settings, lambda: table.update({"title": "'Edited in SQL'"}))

    # The edit is reported as a (runless) materialization of post_patch, then only post
    # metadata is refreshed.
    assert got == expect({}, ["bronze/linkedin/post_patch", *POST_METADATA])
    instance = dg.DagsterInstance.get()
    observed = instance.fetch_observations(dg.AssetKey(["bronze", "linkedin", "post_patch"]), limit=1, ascending=False)
    assert observed.records[0].asset_observation.metadata["delta_version"].value == table.version()
    titles = {
        r["title"] for r in DeltaTable(str(settings.table_path("silver", "posts"))).to_pyarrow_table().to_pylist()
    }
    assert "Edited in SQL" in titles


def test_second_tick_with_no_new_file_requests_nothing(lake_with_history):
    settings = lake_with_history
    instance = dg.DagsterInstance.get()
    runs_before = len(instance.get_runs())
    got = event(settings, lambda: None, runs=0)
    assert got == Counter()
    assert len(instance.get_runs()) == runs_before


def test_arrival_sensor_waits_for_a_file_to_settle_and_requests_it_once(settings, profile, monkeypatch):
    monkeypatch.setenv("LINKEDIN_SETTLE_SECONDS", "3600")  # only "unchanged over two ticks" settles it
    defs = build_definitions(load_settings())
    sensor = defs.resolve_sensor_def("content_daily_arrival")
    instance = dg.DagsterInstance.get()

    def tick(cursor):
        with dg.build_sensor_context(instance=instance, cursor=cursor, resources=defs.resources) as context:
            return sensor(context)

    path = write_content_export(profile, settings.volume("content_daily"), END, END)
    first = tick(None)
    assert first.run_requests == []  # seen once: may still be downloading
    second = tick(first.cursor)
    [request] = second.run_requests
    assert request.tags["dagster/asset_partition_range_start"] == END.isoformat()
    selected = {k.to_user_string() for k in request.asset_selection}
    # One run: the file's bronze tables and everything downstream of them.
    assert {k for k in selected if k.startswith("bronze/")} == {f"bronze/linkedin/{t}" for t in CONTENT}
    assert {
        "silver/linkedin/totals",
        "gold/linkedin/fct_daily_profile_statistics",
        "dashboard/linkedin_statistics",
    } <= selected
    third = tick(second.cursor)
    assert third.run_requests == []  # re-listed, not re-requested
    with path.open("ab") as grown:  # re-uploaded, changed: requested again after it settles
        grown.write(b"\0")
    assert tick(third.cursor).run_requests == []
    [again] = tick(tick(third.cursor).cursor).run_requests
    assert again.run_key != request.run_key
    assert json.loads(third.cursor)["requested"]


def test_several_files_at_once_get_bronze_runs_and_one_refresh_downstream(settings, profile):
    """Two files in one tick, or a file landing while another event's run goes: bronze-only
    runs, so the automation (which waits for them) refreshes downstream once, not per file."""
    defs = build_definitions(settings)
    sensor = defs.resolve_sensor_def("content_daily_arrival")
    instance = dg.DagsterInstance.get()

    def tick(cursor=None):
        with dg.build_sensor_context(instance=instance, cursor=cursor, resources=defs.resources) as context:
            return sensor(context)

    def groups(request) -> set[str]:
        return {k.path[0] for k in request.asset_selection}

    for day in (END - dt.timedelta(days=1), END):
        write_content_export(profile, settings.volume("content_daily"), day, day)
    both = tick()  # written with LinkedIn's generation time: settled at once
    assert len(both.run_requests) == 2 and all(groups(r) == {"bronze"} for r in both.run_requests)

    earlier = END - dt.timedelta(days=2)
    later = write_content_export(profile, settings.volume("content_daily"), earlier, earlier)
    alone = tick(both.cursor)
    [request] = alone.run_requests
    assert groups(request) == {"bronze", "silver", "gold", "dashboard"}, "a file alone is one run to the dashboard"

    busy = dg.DagsterRun(job_name="__ASSET_JOB", status=dg.DagsterRunStatus.STARTED, tags={EVENT_TAG: "file"})
    instance.add_run(busy)
    later.write_bytes(later.read_bytes())  # re-uploaded while that run goes
    os.utime(later, (time.time() - 60, time.time() - 60))
    [cut] = tick(alone.cursor).run_requests
    assert groups(cut) == {"bronze"}


def test_version_sensor_ignores_versions_written_by_dagster(lake_with_history):
    settings = lake_with_history
    defs = build_definitions(settings)
    with dg.build_sensor_context(instance=dg.DagsterInstance.get(), resources=defs.resources) as context:
        result = defs.resolve_sensor_def("post_patch_version")(context)
    assert [type(e).__name__ for e in result.asset_events] == ["AssetObservation"]
