"""The instance's event log (linkedin_assets/event_log.py) records a run over a range of days
as Dagster's own SQLite storage does, in batches, and plans each check of it once.

The same run goes into two homes: one with Dagster's default storage writing event by
event, one with this project's dagster.yaml. What a user sees must be the same (each day's
materialization and its metadata, the partition status, the asset's tags and latest
event); only the check history differs, by the days Dagster plans and never runs. These
are also the tripwire for the storage internals event_log.py calls: an upgrade that
changes them fails here.
"""

from __future__ import annotations

from collections import Counter

import dagster as dg
import pytest

from linkedin_assets.dagster_home import DAGSTER_YAML
from linkedin_assets.defs.bronze.sensors import RANGE_END_TAG, RANGE_START_TAG
from linkedin_assets.event_log import BATCH_SIZE, BATCH_SIZE_VARIABLE, BatchedSqliteEventLogStorage

DAYS = dg.DailyPartitionsDefinition(start_date="2026-01-01", end_date="2026-03-01")
FIRST, LAST = "2026-01-03", "2026-01-14"


@dg.asset(
    partitions_def=DAYS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=[dg.AssetCheckSpec("rows_in_equal_rows_out", asset="daily", blocking=True)],
)
def daily(context):
    days = context.partition_keys
    yield dg.MaterializeResult(metadata={"rows": len(days)}, tags={"linkedin/file": "Content_2026.xlsx"})
    yield dg.AssetCheckResult(check_name="rows_in_equal_rows_out", passed=True)


def _range_run(home, monkeypatch, *, ours: bool) -> tuple[dg.DagsterInstance, str]:
    home.mkdir()
    (home / "dagster.yaml").write_text(DAGSTER_YAML if ours else "telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv(BATCH_SIZE_VARIABLE, BATCH_SIZE if ours else "0")
    instance = dg.DagsterInstance.from_config(str(home))
    result = dg.materialize([daily], instance=instance, tags={RANGE_START_TAG: FIRST, RANGE_END_TAG: LAST})
    assert result.success
    return instance, result.run_id


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """(instance, run id) with Dagster's storage, then with ours; and how many batches ours stored."""
    batches: list[int] = []
    store = BatchedSqliteEventLogStorage._store_asset_events
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            BatchedSqliteEventLogStorage,
            "_store_asset_events",
            lambda self, events: (batches.append(len(events)), store(self, events))[1],
        )
        root = tmp_path_factory.mktemp("event-log")
        dagsters = _range_run(root / "dagster", mp, ours=False)
        ours = _range_run(root / "ours", mp, ours=True)
    return dagsters, ours, batches


def test_the_project_instance_uses_the_batched_storage(both):
    (dagsters, _), (ours, _), batches = both
    assert type(dagsters.event_log_storage) is not BatchedSqliteEventLogStorage
    assert isinstance(ours.event_log_storage, BatchedSqliteEventLogStorage)
    # The run's twelve days were stored as one batch, not twelve writes.
    assert 12 in batches, batches


def test_a_batched_range_run_reads_back_as_dagsters_own(both):
    (dagsters, _), (ours, _), _ = both
    key = dg.AssetKey("daily")

    def seen(instance: dg.DagsterInstance) -> dict:
        records = instance.fetch_materializations(key, limit=100).records
        [asset] = instance.get_asset_records([key])
        entry = asset.asset_entry
        return {
            "days": sorted(r.partition_key for r in records),
            "metadata": {r.partition_key: r.asset_materialization.metadata["rows"].value for r in records},
            "status": sorted(instance.get_materialized_partitions(key)),
            # The tags Dagster indexes per event (its data versions: values differ by run).
            "tags": sorted(sorted(t) for t in instance.event_log_storage.get_event_tags_for_asset(key)),
            "latest": instance.get_latest_materialization_event(key).asset_materialization.partition,
            # The asset's own row: its last materialization, and the run that made it.
            "entry": (
                entry.last_materialization.asset_materialization.partition,
                entry.last_run_id == instance.get_runs()[0].run_id,
                entry.last_event_storage_id == records[0].storage_id,
            ),
        }

    expected = seen(dagsters)
    assert expected["days"] == [f"2026-01-{d:02d}" for d in range(3, 15)]
    assert seen(ours) == expected


def test_a_range_run_plans_each_check_once(both):
    """Dagster's own storage plans the unpartitioned check once per day of the run (its
    1.13 bug this project works around): if this starts failing on an upgrade, the bug is
    fixed there and event_log.py's planned-check override can go."""
    key = dg.AssetCheckKey(dg.AssetKey("daily"), "rows_in_equal_rows_out")

    def history(instance: dg.DagsterInstance, run_id: str) -> list[str]:
        records = instance.event_log_storage.get_asset_check_execution_history(key, limit=100)
        return sorted(r.status.value for r in records if r.run_id == run_id)

    (dagsters, dagster_run), (ours, our_run), _ = both
    assert history(ours, our_run) == ["SUCCEEDED"]
    assert len(history(dagsters, dagster_run)) > 1


def test_no_check_of_the_project_is_partitioned():
    """What the planned-check override relies on: every check evaluates once per run."""
    from linkedin_assets.definitions import build_definitions

    graph = build_definitions().resolve_asset_graph()
    assert graph.asset_check_keys
    assert [k for k in graph.asset_check_keys if graph.get(k).partitions_def is not None] == []


def test_an_index_write_that_fails_mid_batch_stores_each_event_once(tmp_path, monkeypatch, both):
    """The run's log committed, its index transaction failed (a lock held past the busy
    timeout): the events are indexed one by one, none twice, as Dagster's own storage holds them."""
    (dagsters, dagster_run), _, _ = both
    index = BatchedSqliteEventLogStorage._index_asset_events
    failed = []

    def once_locked(self, conn, events, statements):
        if len(events) > 1 and not failed:
            failed.append(len(events))
            raise OSError("database is locked")
        return index(self, conn, events, statements)

    monkeypatch.setattr(BatchedSqliteEventLogStorage, "_index_asset_events", once_locked)
    ours, run_id = _range_run(tmp_path / "locked", monkeypatch, ours=True)
    assert failed == [12]  # the run's first batch: its twelve days' planned events

    # The run's own log (what its page shows) holds each event once, as Dagster's does.
    def kinds(instance, run):
        return Counter(e.dagster_event_type for e in instance.all_logs(run) if e.is_dagster_event)

    assert kinds(ours, run_id) == kinds(dagsters, dagster_run)
    key = dg.AssetKey("daily")
    days = sorted(r.partition_key for r in ours.fetch_materializations(key, limit=100).records)
    assert days == sorted(r.partition_key for r in dagsters.fetch_materializations(key, limit=100).records)
    assert len(days) == len(set(days)) == 12


def test_an_instance_opened_under_another_dagster_home_is_refused(tmp_path, monkeypatch):
    """The yaml names the event log's folder by DAGSTER_HOME: opened from another folder,
    the instance would keep its runs there and its events elsewhere."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(DAGSTER_YAML)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "other"))
    with pytest.raises(Exception, match="names its event log by DAGSTER_HOME"):
        dg.DagsterInstance.from_config(str(home))
