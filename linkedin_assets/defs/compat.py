"""The Dagster internals this project still touches, each with no public form in Dagster 1.13.

Kept in this one module, each with a test (linkedin_assets_tests/test_compat.py)
that fails loudly when a Dagster upgrade moves or renames it.
"""

from __future__ import annotations

import logging

import dagster as dg
import sqlalchemy as db

# What dagster-databricks' Pipes clients raise when a Databricks run ends other than
# SUCCESS. Not exported by `dagster`; dagster_databricks imports it from here too.
from dagster._core.errors import DagsterPipesExecutionError
from dagster._core.log_manager import get_log_record_metadata, has_log_record_metadata
from dagster._core.storage.event_log.schema import ConcurrencySlotsTable
from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._utils.concurrency import ConcurrencySlotStatus

__all__ = [
    "DagsterPipesExecutionError",
    "allow_skipped_outputs",
    "claim_pool_slots_atomically",
    "dagster_event_of",
    "log_runs_to",
    "sensor_consoles_from",
]


def sensor_consoles_from(level: int) -> None:
    """A sensor's `context.log` prints on the terminal of the process evaluating it (the code
    server, under `dagster dev`) from `level` on; its tick's log in the UI keeps every line.

    Dagster builds that console logger at INFO, with no setting (`InstigationLogger`:
    `create_console_logger("dagster", logging.INFO)`): the automation sensor printed
    "Prefetching asset records ..." twice per tick, every 5 s.
    """
    from dagster._core.definitions import instigation_logger
    from dagster._utils.log import create_console_logger

    def console(name: str, level_asked: str | int) -> logging.Logger:
        return create_console_logger(
            name, max(logging.getLevelName(level_asked) if isinstance(level_asked, str) else level_asked, level)
        )

    instigation_logger.create_console_logger = console  # type: ignore[assignment]


def log_runs_to(logger_def: dg.LoggerDefinition, config: dict) -> None:
    """Runs that configure no logger log to the terminal through `logger_def` (with `config`).

    Those are every run a sensor, the automation or the UI launches: Dagster then uses its
    colored console logger at DEBUG, fifty lines per daily file in the terminal of
    `dagster dev`. Its one setting for that, `python_logs.python_log_level`, also drops
    the steps' own INFO lines from the event log. Dagster picks the loggers of such a run
    in this module's `default_system_loggers`; applied in each process that loads the
    definitions, where the runs execute. test_console fails if it stops taking effect.
    """
    from dagster._core.execution import context_creation_job

    context_creation_job.default_system_loggers = lambda instance: [(logger_def, config)]


def dagster_event_of(record: logging.LogRecord) -> tuple[dg.DagsterEvent, str] | None:
    """The event, and its run's id, that a record of a run's log carries (None for a plain message).

    Dagster hands a job's loggers standard `logging` records; the event rides on them as
    an attribute with no public accessor. The console logger (defs/console.py) reads it
    to print only what a person acts on.
    """
    if not has_log_record_metadata(record):
        return None
    meta = get_log_record_metadata(record)
    event = meta.get("dagster_event")
    return (event, meta.get("run_id") or "") if event is not None else None


def allow_skipped_outputs(context: dg.AssetExecutionContext) -> None:
    """Let a step that opened a Pipes session leave out some of its (skippable) outputs.

    A Pipes session makes every output of the step required, to catch a forgotten
    `get_results`. The bronze specs are skippable by design (a table a run left as it
    was reports nothing, so nothing downstream recomputes), so their step keeps
    Dagster's ordinary rule: a missing output is logged, not an error. Dagster has a
    public setter for this mode but no public way to leave it.
    """
    context.op_execution_context._step_execution_context._requires_typed_event_stream = False


def _claim_free_slot(
    self: SqliteEventLogStorage, concurrency_key: str, run_id: str, step_key: str
) -> ConcurrencySlotStatus:
    """Dagster's own claim, with the UPDATE made a compare-and-swap on the slot still being free."""
    with self.index_connection() as conn:
        row = conn.execute(
            db.select(ConcurrencySlotsTable.c.id)
            .where(
                ConcurrencySlotsTable.c.concurrency_key == concurrency_key,
                ConcurrencySlotsTable.c.step_key == None,  # noqa: E711
                ConcurrencySlotsTable.c.deleted == False,  # noqa: E712
            )
            .limit(1)
        ).fetchone()
        if not row:
            return ConcurrencySlotStatus.BLOCKED
        taken = conn.execute(
            ConcurrencySlotsTable.update()
            .values(run_id=run_id, step_key=step_key)
            .where(ConcurrencySlotsTable.c.id == row[0], ConcurrencySlotsTable.c.step_key == None)  # noqa: E711
        ).rowcount
        return ConcurrencySlotStatus.CLAIMED if taken else ConcurrencySlotStatus.BLOCKED


def claim_pool_slots_atomically() -> None:
    """Make a pool's slot go to one step only on the SQLite instance (the project's default).

    Dagster 1.13's claim reads a free slot, then writes its step into it by id alone.
    SQLite ignores the read's FOR UPDATE, so two run processes claiming at the same
    instant both read the one free slot, both write it, and both steps run: two
    writers of one Databricks table at once (seen in CI, 2026-12-07). Re-checking that
    the slot is still free in the write makes the later claimant wait its turn, as
    Dagster already handles a claim that finds no slot. Only the SQLite storage,
    the one this project configures, is changed. Idempotent.
    """
    if SqliteEventLogStorage._claim_concurrency_slot is SqlEventLogStorage._claim_concurrency_slot:
        SqliteEventLogStorage._claim_concurrency_slot = _claim_free_slot  # type: ignore[method-assign,assignment]
