"""The instance's event log: Dagster's SQLite storage, with a range run's events written in
batches and its checks planned once.

Every process that opens the instance (the daemon, the webserver, each run, the headless
CLI) loads this class from the dagster.yaml that `dagster_home.py` writes; the data stays
where Dagster's default SQLite storage keeps it (`$DAGSTER_HOME/history/runs`), so a home
written before reads and writes on as before.

What it changes, and why (measured on a real 365-day export, headless, fresh home):

- **Batches.** Dagster hands a step's per-day materializations to `store_event_batch` when
  `DAGSTER_EVENT_BATCH_SIZE` is set, but its SQLite storage stores them one by one: two
  SQLite connections and two commits per event, about 10 ms each, 39 of the run's 55 s.
  Here a batch of asset events is two transactions, one per database, leaving the same
  rows as the one-by-one writes (`test_event_log.py` compares the two row by row: it is the
  tripwire for the internals used below).
- **One planned check per check.** Dagster 1.13 plans an unpartitioned check of a run over
  a range of days once per day (`DagsterRun.get_resolved_partitions_subset_for_events`
  hands it the run's days), and each plan no evaluation answers ends "Skipped": 365 rows
  per check per run in the UI's check history. This project declares no partitioned check
  (the test asserts it), so a planned check is one row, answered by its one evaluation.
  (The storage is the whole instance's: a partitioned check of another code location on it
  would lose its per-day planned rows too.)
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from dagster._config import StringSource
from dagster._core.events import ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable
from dagster._core.storage.sqlalchemy_compat import db_result
from dagster._serdes import ConfigurableClassData
from dagster_shared.serdes import serialize_value

# What dagster.yaml names, and the variable that turns Dagster's batching on.
STORAGE_YAML = """\
event_log_storage:
  module: linkedin_assets.event_log
  class: BatchedSqliteEventLogStorage
  config:
    dagster_home:
      env: DAGSTER_HOME
"""
BATCH_SIZE_VARIABLE = "DAGSTER_EVENT_BATCH_SIZE"
# A batch holds up to this many events: a year of days for one asset is one batch.
BATCH_SIZE = "1000"


def history_dir(dagster_home: str | os.PathLike) -> str:
    """Where Dagster's default SQLite event log keeps its databases."""
    return str(Path(dagster_home) / "history" / "runs")


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    @classmethod
    def config_type(cls):
        return {"dagster_home": StringSource}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value):
        return cls(base_dir=history_dir(config_value["dagster_home"]), inst_data=inst_data)

    def register_instance(self, instance) -> None:
        super().register_instance(instance)
        # The yaml names the folder by DAGSTER_HOME: an instance opened from another folder
        # would keep its runs there and its events here. Say so rather than split them.
        home = getattr(instance, "root_directory", None)
        if home is not None and os.path.abspath(history_dir(home)) != self._base_dir:
            raise ValueError(
                f"the Dagster instance in {home} names its event log by DAGSTER_HOME, which is "
                f"another folder ({self._base_dir} is its): set DAGSTER_HOME={home} to open it"
            )

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        # In the order given: runs of asset events in one transaction each, anything else as
        # Dagster stores it. Should one fail, what is stored stays stored and the rest go one
        # by one: raising would make Dagster store the whole batch again, stored events twice.
        stored = 0
        try:
            for group in _runs_of_asset_events(events):
                if len(group) > 1:
                    self._store_asset_events(group)
                else:
                    self.store_event(group[0])
                stored += len(group)
        except Exception:
            if stored == 0:
                raise  # nothing stored: Dagster's own fallback stores the batch one by one
            for event in events[stored:]:
                self.store_event(event)

    def _store_asset_events(self, events: list[EventLogEntry]) -> None:
        """What `store_event` does for each asset event of one run, in two transactions (the
        run's, then the index's, as `store_event` orders them)."""
        statements = [self.prepare_insert_event(event) for event in events]
        with self.run_connection(events[0].run_id) as conn:
            for statement in statements:
                conn.execute(statement)
        try:
            with self.index_transaction() as conn:
                self._index_asset_events(conn, events, statements)
        except Exception:
            # The run's log holds them already: index them one by one, as store_event would.
            for event, statement in zip(events, statements, strict=True):
                with self.index_transaction() as conn:
                    self._index_asset_events(conn, [event], [statement])

    def _index_asset_events(self, conn, events: list[EventLogEntry], statements: list) -> None:
        event_ids = []
        for statement in statements:
            with db_result(conn, statement) as result:
                event_ids.append(result.inserted_primary_key[0])
        self._store_asset_event_tags(conn, events, event_ids)
        # The asset's row keeps its latest event of each kind (materialization, planned,
        # observation), each kind writing the same columns: the last of each kind, in
        # order, leaves the row as every event in turn would, without serializing a
        # year of events twice more.
        last_of_kind = {(e.get_dagster_event().asset_key, e.dagster_event_type): i for i, e in enumerate(events)}
        for i in sorted(last_of_kind.values()):
            self._store_asset_event(conn, events[i], event_ids[i])

    def _store_asset_check_evaluation_planned(self, event: EventLogEntry, event_id: int | None) -> None:
        from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

        planned = event.get_dagster_event().asset_check_planned_data
        with self.index_connection() as conn:
            conn.execute(
                AssetCheckExecutionsTable.insert().values(
                    asset_key=planned.asset_key.to_string(),
                    check_name=planned.check_name,
                    partition=None,
                    run_id=event.run_id,
                    execution_status=AssetCheckExecutionRecordStatus.PLANNED.value,
                    evaluation_event=serialize_value(event),
                    evaluation_event_timestamp=self._event_insert_timestamp(event),
                    evaluation_event_storage_id=event_id,
                )
            )


def _runs_of_asset_events(events: Sequence[EventLogEntry]) -> Iterator[list[EventLogEntry]]:
    """`events` cut into consecutive groups: the asset events of one run together, any other event alone."""
    for _, group in itertools.groupby(events, key=lambda e: e.run_id if _batchable(e) else id(e)):
        yield list(group)


def _batchable(event: EventLogEntry) -> bool:
    return bool(event.run_id) and event.is_dagster_event and event.dagster_event_type in ASSET_EVENTS
