"""The automation conditions, evaluated with `dg.evaluate_automation_conditions` on the
project's own definitions (no run, no Spark): what an upstream change requests, and what
a failed blocking check holds back. Then how the headless run groups requests into runs."""

import datetime as dt

import dagster as dg

from linkedin_assets.definitions import build_definitions
from linkedin_assets.defs import automation
from linkedin_assets.defs.automation import AUTOMATED, EVENT_TAG
from linkedin_assets.headless import day_ranges, run_requests

DAY = "2026-10-30"


def _key(path: str) -> dg.AssetKey:
    return dg.AssetKey(path.split("/"))


def _requested(result, defs) -> dict[str, set]:
    keys = AUTOMATED.resolve(defs.resolve_asset_graph())
    return {k.to_user_string(): set(result.get_requested_partitions(k)) for k in keys if result.get_num_requested(k)}


def _by_key(result, defs) -> dict[dg.AssetKey, set]:
    return {_key(path): partitions for path, partitions in _requested(result, defs).items()}


def _materialize(instance: dg.DagsterInstance, path: str, partition: str | None = None) -> None:
    instance.report_runless_asset_event(dg.AssetMaterialization(_key(path), partition=partition))


def test_a_bronze_day_requests_its_day_downstream_and_nothing_before_it_lands(settings):
    defs = build_definitions(settings)
    instance = dg.DagsterInstance.get()
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=AUTOMATED)
    assert first.total_requested == 0

    _materialize(instance, "bronze/linkedin/totals", DAY)
    result = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=AUTOMATED, cursor=first.cursor
    )
    requested = _requested(result, defs)
    # Only the direct dependents of bronze totals, for that day; gold waits for silver.
    assert requested == {
        "silver/linkedin/totals": {DAY},
        "silver/linkedin/impressions": {DAY},
        "silver/linkedin/engagements": {DAY},
    }

    # Handled: the same event does not request again on the next tick.
    again = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=AUTOMATED, cursor=result.cursor
    )
    assert again.total_requested == 0

    # Silver totals lands: the gold tables that read it follow, whole (gold is not
    # partitioned), and the dashboard with them: one run, gold first.
    _materialize(instance, "silver/linkedin/totals", DAY)
    gold = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=AUTOMATED, cursor=again.cursor
    )
    assert _requested(gold, defs) == {
        "gold/linkedin/dim_date": {None},
        "gold/linkedin/fct_daily_profile_statistics": {None},
        "gold/linkedin/fct_daily_post_statistics": {None},
        "dashboard/linkedin_statistics": {None},
    }
    [run] = list(run_requests(_by_key(gold, defs)))
    assert len(run.asset_selection or []) == 4

    # That run lands: nothing asks again (the dashboard ran in the run that updated gold).
    for path in ("gold/linkedin/dim_date", "gold/linkedin/fct_daily_profile_statistics"):
        _materialize(instance, path)
    after = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=AUTOMATED, cursor=gold.cursor
    )
    assert "gold/linkedin/dim_date" not in _requested(after, defs)


def test_a_failed_blocking_check_upstream_holds_its_data_back(settings):
    defs = build_definitions(settings)
    instance = dg.DagsterInstance.get()
    start = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=AUTOMATED)
    key = _key("bronze/linkedin/post_patch")
    _materialize(instance, "bronze/linkedin/post_patch")
    instance.report_runless_asset_event(
        dg.AssetCheckEvaluation(asset_key=key, check_name="unique_keys", passed=False, metadata={})
    )
    blocked = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=AUTOMATED, cursor=start.cursor
    )
    assert "silver/linkedin/posts" not in _requested(blocked, defs)

    _materialize(instance, "bronze/linkedin/post_patch")
    instance.report_runless_asset_event(
        dg.AssetCheckEvaluation(asset_key=key, check_name="unique_keys", passed=True, metadata={})
    )
    fixed = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=AUTOMATED, cursor=blocked.cursor
    )
    # Passed again: silver posts refreshes, and in its run what reads only it.
    assert _requested(fixed, defs) == {"silver/linkedin/posts": {None}, "gold/linkedin/dim_timestamp": {None}}


def test_a_post_file_refreshes_silver_posts_then_gold_with_the_dashboard(settings):
    """Whole tables that read only whole tables join their upstream's run: two runs after bronze."""
    defs = build_definitions(settings)
    instance = dg.DagsterInstance.get()
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=AUTOMATED)
    _materialize(instance, "bronze/linkedin/post_details", DAY)
    posts = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=AUTOMATED, cursor=first.cursor
    )
    assert _requested(posts, defs) == {
        "silver/linkedin/posts": {None},
        "silver/linkedin/post_lifetime": {None},
        "gold/linkedin/dim_timestamp": {None},
    }
    assert len(list(run_requests(_by_key(posts, defs)))) == 1

    for path in ("silver/linkedin/posts", "silver/linkedin/post_lifetime", "gold/linkedin/dim_timestamp"):
        _materialize(instance, path)
    gold = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=AUTOMATED, cursor=posts.cursor
    )
    # fct_post_statistics reads dim_timestamp too, but waits for that run rather than
    # joining it: the dashboard reads it and would otherwise refresh twice.
    assert _requested(gold, defs) == {
        "gold/linkedin/dim_date": {None},
        "gold/linkedin/fct_daily_post_statistics": {None},
        "gold/linkedin/fct_post_statistics": {None},
        "dashboard/linkedin_statistics": {None},
    }
    assert len(list(run_requests(_by_key(gold, defs)))) == 1


def test_a_file_run_leaves_the_automation_only_what_it_did_not_finish(settings):
    """A daily file's run materializes its bronze tables and everything downstream, in
    dependency order: the automation has nothing to add, unless a step failed; then it
    refreshes that step and what the run skipped after it, nothing else."""
    defs = build_definitions(settings)
    graph = defs.resolve_asset_graph()
    instance = dg.DagsterInstance.get()
    [sensor] = [s for s in defs.sensors or [] if s.name == "content_daily_arrival"]
    assert sensor.asset_selection is not None
    in_run = sensor.asset_selection.resolve(graph)
    assert {"silver/linkedin/totals", "gold/linkedin/fct_latest_demographics", "dashboard/linkedin_statistics"} <= {
        k.to_user_string() for k in in_run
    }
    start = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=AUTOMATED)

    def run(failed: set[str]) -> None:
        """Materialize the run's assets in its order; a failed step, and all after it that read it, report nothing."""
        skipped = {_key(path) for path in failed}
        for key in graph.toposorted_asset_keys:
            if key not in in_run or key in skipped:
                continue
            if graph.get(key).parent_keys & skipped:
                skipped.add(key)
                continue
            _materialize(instance, key.to_user_string(), DAY if graph.get(key).partitions_def else None)

    run(failed=set())
    after = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=AUTOMATED, cursor=start.cursor
    )
    assert _requested(after, defs) == {}

    run(failed={"silver/linkedin/posts"})
    catch_up = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=AUTOMATED, cursor=after.cursor
    )
    requested = _requested(catch_up, defs)
    # The failed step again, with what reads only it, and the gold the run skipped after it;
    # nothing the run brought up to date.
    assert {"silver/linkedin/posts", "gold/linkedin/dim_timestamp", "gold/linkedin/dim_date"} <= set(requested)
    assert not {
        "silver/linkedin/totals",
        "silver/linkedin/demographics",
        "gold/linkedin/fct_daily_profile_statistics",
        "gold/linkedin/fct_latest_demographics",
    } & set(requested), requested


# What a Content file's bronze day makes the automation request once no event run holds it back.
SILVER_DAILY_ON_DAY = {
    "silver/linkedin/totals": {DAY},
    "silver/linkedin/impressions": {DAY},
    "silver/linkedin/engagements": {DAY},
}


def _event_run_going(settings):
    """(defs, instance, the automation's first evaluation, a STARTED event run) after that
    run materialized bronze totals for DAY."""
    defs = build_definitions(settings)
    instance = dg.DagsterInstance.get()
    start = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=AUTOMATED)
    run = dg.DagsterRun(job_name="__ASSET_JOB", status=dg.DagsterRunStatus.STARTED, tags={EVENT_TAG: "file"})
    instance.add_run(run)
    _materialize(instance, "bronze/linkedin/totals", DAY)
    return defs, instance, start, run


def test_the_automation_waits_for_an_event_run_to_end(settings):
    """While a file's run materializes its assets one after another, a tick would see an
    upstream changed and the asset not yet: it requests nothing until the run has ended.
    A run that ended without finishing (failed, killed) leaves the rest to the automation."""
    defs, instance, start, run = _event_run_going(settings)
    during = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=AUTOMATED, cursor=start.cursor
    )
    assert _requested(during, defs) == {}

    instance.report_run_failed(run, message="killed before silver")
    after = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=AUTOMATED, cursor=during.cursor
    )
    assert _requested(after, defs) == SILVER_DAILY_ON_DAY


def test_an_event_run_left_unfinished_does_not_hold_the_automation_back_for_ever(settings, monkeypatch):
    """A run whose process was killed, or left queued when `dagster dev` stopped, stays
    STARTED or QUEUED: past ABANDONED_AFTER it no longer counts as an event in progress."""
    defs, instance, start, _ = _event_run_going(settings)
    assert automation.event_run_in_progress(instance)

    monkeypatch.setattr(automation, "ABANDONED_AFTER", dt.timedelta(0))  # that long ago, now
    assert not automation.event_run_in_progress(instance)
    later = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=AUTOMATED, cursor=start.cursor
    )
    assert _requested(later, defs) == SILVER_DAILY_ON_DAY


def test_requests_become_one_run_per_asset_set_and_range_of_days():
    totals, followers, posts = (
        _key("silver/linkedin/totals"),
        _key("silver/linkedin/followers"),
        _key("silver/linkedin/posts"),
    )
    days = {"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-07"}
    got = [
        (sorted(k.to_user_string() for k in r.asset_selection or []), dict(r.tags))
        for r in run_requests({totals: days, followers: days, posts: {None}})
    ]
    ranged = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
    assert got == [
        (["silver/linkedin/followers", "silver/linkedin/totals"], dict(zip(ranged, ("2026-10-01", "2026-10-03")))),
        (["silver/linkedin/followers", "silver/linkedin/totals"], dict(zip(ranged, ("2026-10-07", "2026-10-07")))),
        (["silver/linkedin/posts"], {}),
    ]


def test_day_ranges():
    assert list(day_ranges([])) == []
    assert list(day_ranges(["2026-12-31", "2027-01-01"])) == [("2026-12-31", "2027-01-01")]
    assert list(day_ranges(["2026-01-01", "2026-01-03", "2026-01-04"])) == [
        ("2026-01-01", "2026-01-01"),
        ("2026-01-03", "2026-01-04"),
    ]
