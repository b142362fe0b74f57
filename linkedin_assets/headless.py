"""Processing what is pending without the daemon: what `linkedin-analytics run` does.

It evaluates the very sensors and automation conditions the daemon evaluates under
`dagster dev`, from the same definitions, and executes their run requests in this
process against the instance in DAGSTER_HOME (so the runs show in the UI):

1. the file-arrival sensors, ticked with real time passing until every pending file
   has settled (a file still being written waits, as under the daemon);
2. the post_patch version sensor, whose events the daemon would store;
3. the automation conditions (`dg.evaluate_automation_conditions`), tick after tick,
   each requested asset set run once over its dates, until nothing more is requested;
4. the notification sensors, so failures and dashboard refreshes email as they
   would under the daemon.

State between invocations lives in the instance (its cursor storage), as the
daemon's does, never in files beside it. The automation cursor is stored only once
a tick's runs all succeeded: after a failure or a kill, the next run evaluates from
the last good state again, so silver and gold converge.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from linkedin_assets.core.engine.warm import alive, start_time
from linkedin_assets.core.settings import Settings
from linkedin_assets.defs.automation import AUTOMATED, SENSOR_NAME
from linkedin_assets.defs.bronze.sensors import FILE_TAG, RANGE_END_TAG, RANGE_START_TAG, bronze_only, unsettled
from linkedin_assets.defs.console import raised
from linkedin_assets.progress import Display

ORIGIN_TAG = "linkedin/origin"
# The process that runs a headless run: "<pid>:<start time>" (see `fail_abandoned_runs`).
RUNNER_TAG = "linkedin/runner"
IN_PROGRESS = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]
# Dagster's tag for the sensor that requested a run: the UI shows the run as launched by it.
SENSOR_TAG = "dagster/sensor_name"
AUTOMATION_CURSOR_KEY = "linkedin_assets/headless_automation_cursor"
VERSION_CURSOR_KEY = "linkedin_assets/headless_post_patch_version_cursor"
MAX_AUTOMATION_TICKS = 10
NOTIFICATION_SENSORS = ("run_failure_email", "dashboard_subscription")
LOG = logging.getLogger("linkedin_assets")
# How long a run waits, at most, for files still being written.
MAX_SETTLE_WAIT_SECONDS = 60.0


@dataclass
class Executed:
    failed: list[str] = field(default_factory=list)  # what failed, and its run id
    # The stack trace of each failure that is a crash (not a refused file nor a Failure the
    # product raised on purpose): a bug or a full disk must be shown whole.
    crashes: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # volume/name still being written
    runs: int = 0


class Headless:
    def __init__(
        self,
        defs: dg.Definitions,
        instance: dg.DagsterInstance,
        settings: Settings,
        downstream: bool = True,
        display: Display | None = None,
    ):
        self.defs, self.instance, self.settings = defs, instance, settings
        self.display = display or Display(quiet=True)
        # False: bronze only (a file's run is then cut to its bronze assets, and no automation).
        self.downstream = downstream
        self.job = defs.resolve_implicit_global_asset_job_def()
        graph = defs.resolve_asset_graph()
        self.bronze = {key for key in graph.get_all_asset_keys() if graph.get(key).group_name == "bronze"}
        self.done = Executed()
        self.runner = f"{os.getpid()}:{start_time(os.getpid())}"

    def fail_abandoned_runs(self) -> list[str]:
        """Mark failed the headless runs whose process ended without finishing them (killed).

        Dagster would show them in progress for ever, and the automation never refreshes an
        asset that is in progress: silver and gold stayed stale after a kill. Runs of a
        process still alive (another `linkedin-analytics run`) are left alone.
        """
        failed = []
        for run in self.instance.get_runs(filters=dg.RunsFilter(statuses=IN_PROGRESS)):
            runner = run.tags.get(RUNNER_TAG)
            if not runner:
                continue  # not a headless run: the daemon's runs are its own to monitor
            pid, _, started = runner.partition(":")
            if alive(int(pid), None if started == "None" else started):
                continue
            self.instance.report_run_failed(
                run, message=f"the linkedin-analytics process running it ({pid}) ended before it finished"
            )
            failed.append(run.run_id)
        return failed

    # -- running what a sensor requested ------------------------------------------

    def execute(self, request: dg.RunRequest, origin: str) -> bool:
        self.done.runs += 1
        keys = list(request.asset_selection or [])
        graph = self.defs.resolve_asset_graph()
        steps = len({graph.get(key).assets_def.op.name for key in keys})
        file = request.tags.get(FILE_TAG)
        dates = request.tags.get(RANGE_START_TAG), request.tags.get(RANGE_END_TAG)
        span = f" {dates[0]}..{dates[1]}" if all(dates) else ""
        label = self.display.label(file or f"{origin}{span}", is_file=bool(file))
        run_id = str(uuid.uuid4())  # known before the run starts, so its steps can be followed
        with self.display.run(self.instance, run_id, label, steps):
            run = self.job.execute_in_process(
                instance=self.instance,
                asset_selection=keys,
                run_id=run_id,
                tags={**request.tags, ORIGIN_TAG: origin, SENSOR_TAG: origin, RUNNER_TAG: self.runner},
                raise_on_error=False,
                # The terminal gets the progress and the summary (not the console logger's
                # lines: defs/console.py); every event is in the UI's run logs.
                run_config={
                    "loggers": {"console": {"config": {"log_level": self.settings.log_level, "actionable": False}}}
                },
            )
        if not run.success:
            what = request.tags.get(FILE_TAG) or ", ".join(k.to_user_string() for k in keys)
            failure = first_failure(run)
            if not failure.refusal:  # a refused file is reported once, from errors/, by the summary
                self.done.failed.append(f"{what} (run {run.run_id}){failure.reason}")
            if failure.trace:
                self.done.crashes.append(failure.trace)
        return run.success

    def _tick(self, sensor: dg.SensorDefinition, cursor: str | None) -> dg.SensorResult:
        # (a context manager: the Databricks resource nests the warehouse resource)
        with dg.build_sensor_context(
            instance=self.instance, cursor=cursor, resources=self.defs.resources, sensor_name=sensor.name
        ) as context:
            result = sensor(context)
        if not isinstance(result, dg.SensorResult):
            raise TypeError(f"sensor {sensor.name} returned {type(result).__name__}, not a SensorResult")
        return result

    def _sensors(self, suffix: str) -> list[dg.SensorDefinition]:
        return [s for s in self.defs.sensors or [] if isinstance(s, dg.SensorDefinition) and s.name.endswith(suffix)]

    # -- 1. arrivals ----------------------------------------------------------------

    def arrivals(self) -> None:
        cursors: dict[str, str | None] = {}
        deadline = time.monotonic() + MAX_SETTLE_WAIT_SECONDS
        while True:
            requests = []
            for sensor in self._sensors("_arrival"):
                result = self._tick(sensor, cursors.get(sensor.name))
                cursors[sensor.name] = result.cursor
                requests += [(request, sensor.name) for request in result.run_requests or []]
            # As each sensor does with its own files: several files get bronze-only runs,
            # and the automation refreshes downstream of them all once.
            alone = self.downstream and len(requests) == 1
            for request, origin in requests:
                self.execute(request if alone else bronze_only(request, self.bronze), origin)
            waiting = {name: unsettled(cursor) for name, cursor in cursors.items()}
            modified = [when for files in waiting.values() for when in files.values()]
            if not modified or time.monotonic() >= deadline:
                break
            # Until the newest of them has been left alone for the settle time (then one more tick).
            # One with a future mtime (clock skew) never ages into it: it settles by being unchanged
            # over two ticks, so the wait is never longer than the settle time.
            until_settled = self.settings.settle_seconds - (time.time() - max(modified))
            wait = min(until_settled, self.settings.settle_seconds, deadline - time.monotonic())
            time.sleep(max(0.1, wait))
        self.done.waiting = [
            f"{name.removesuffix('_arrival')}/{file}" for name, files in waiting.items() for file in files
        ]

    # -- 2. the post_patch version sensor ---------------------------------------------

    def table_versions(self) -> None:
        [sensor] = [s for s in self.defs.sensors or [] if s.name == "post_patch_version"]
        cursor = self._cursor(VERSION_CURSOR_KEY)
        result = self._tick(sensor, cursor)
        for event in result.asset_events or []:
            self.instance.report_runless_asset_event(event)
        if self.downstream:
            for request in result.run_requests or []:
                self.execute(request, sensor.name)
        if result.cursor is not None:
            self._store(VERSION_CURSOR_KEY, result.cursor)

    # -- 3. automation ------------------------------------------------------------------

    def automation_baseline(self) -> None:
        """On a first run, record where the event log stands (before any run): updates after it count."""
        if self._cursor(AUTOMATION_CURSOR_KEY) is None:
            self._store(AUTOMATION_CURSOR_KEY, dg.serialize_value(self._evaluate(None)[1]))

    def automation(self) -> None:
        self.automation_baseline()
        stored = self._cursor(AUTOMATION_CURSOR_KEY)
        cursor = dg.deserialize_value(stored) if stored else None
        for _ in range(MAX_AUTOMATION_TICKS):
            requests, cursor = self._evaluate(cursor)
            if not requests:
                return
            succeeded = [self.execute(request, SENSOR_NAME) for request in requests]
            if all(succeeded):
                self._store(AUTOMATION_CURSOR_KEY, dg.serialize_value(cursor))

    def _evaluate(self, cursor: Any) -> tuple[list[dg.RunRequest], Any]:
        result = dg.evaluate_automation_conditions(
            defs=self.defs, instance=self.instance, asset_selection=AUTOMATED, cursor=cursor
        )
        keys = AUTOMATED.resolve(self.defs.resolve_asset_graph())
        requested = {key: result.get_requested_partitions(key) for key in keys}
        return list(run_requests({k: p for k, p in requested.items() if p})), result.cursor

    # -- 4. notifications ---------------------------------------------------------------

    def _notification_sensors(self) -> list[dg.SensorDefinition]:
        return [s for s in self.defs.sensors or [] if s.name in NOTIFICATION_SENSORS]

    def notifications_baseline(self) -> None:
        """On a first run, start each notification sensor where the event log stands (as the daemon does)."""
        for sensor in self._notification_sensors():
            if self._cursor(_cursor_key(sensor)) is None:
                self._notify(sensor)

    def notifications(self) -> None:
        """Tick the notification sensors: failures and a dashboard refresh since the last tick get their email."""
        for sensor in self._notification_sensors():
            self._notify(sensor)

    def _notify(self, sensor: dg.SensorDefinition) -> None:
        key = _cursor_key(sensor)
        with dg.build_sensor_context(
            instance=self.instance, cursor=self._cursor(key), resources=self.defs.resources, sensor_name=sensor.name
        ) as context:
            try:
                data = sensor.evaluate_tick(context)
            except Exception as exc:  # an email that cannot be sent must not fail the run; tried again next time
                LOG.warning("%s: %s", sensor.name, exc)
                return
        # A run-status sensor reports an error per run it reacted to (the daemon shows it on the tick).
        for reaction in data.dagster_run_reactions or []:
            if reaction.error is not None:
                LOG.warning("%s: %s", sensor.name, reaction.error.message.strip())
        if data.cursor is not None:
            self._store(key, data.cursor)

    # -- state in the instance ------------------------------------------------------------

    def _cursor(self, key: str) -> str | None:
        return self.instance.daemon_cursor_storage.get_cursor_values({key}).get(key)

    def _store(self, key: str, value: str) -> None:
        self.instance.daemon_cursor_storage.set_cursor_values({key: value})


@dataclass(frozen=True)
class StepFailure:
    reason: str = ""  # ': <why>', one short line; the run's logs have the rest
    refusal: bool = False  # only files refused (each is in errors/ with its reason)
    trace: str = ""  # the whole stack trace, for a crash


def first_failure(run: dg.ExecuteInProcessResult) -> StepFailure:
    """Why the run's first failed step failed."""
    for event in run.all_events:
        data = event.step_failure_data if event.is_step_failure else None
        if data is None:
            continue
        user = data.user_failure_data
        if user is not None and user.description:
            lines = user.description.strip().splitlines()
            return StepFailure(f": {lines[0][:300]}", refusal="rejected" in (user.metadata or {}))
        error = raised(data.error)
        lines = (error.message if error is not None else "").strip().splitlines()
        return StepFailure(f": {lines[0][:300]}" if lines else "", trace=error.to_string() if error else "")
    return StepFailure()


def _cursor_key(sensor: dg.SensorDefinition) -> str:
    return f"linkedin_assets/headless_cursor/{sensor.name}"


def run_requests(requested: Mapping[dg.AssetKey, AbstractSet[str | None]]) -> Iterator[dg.RunRequest]:
    """One run per set of assets requested for the same partitions, and per range of consecutive days.

    What the daemon does with the automation sensor's backfill under the assets'
    single-run backfill policy; unpartitioned assets run together without partitions.
    """
    by_partitions: dict[frozenset[str | None], list[dg.AssetKey]] = defaultdict(list)
    for key, partitions in requested.items():
        by_partitions[frozenset(partitions)].append(key)
    for partition_set, assets in by_partitions.items():
        keys = sorted(assets, key=lambda k: k.to_user_string())
        if partition_set == {None}:
            yield dg.RunRequest(asset_selection=keys)
            continue
        for start, end in day_ranges(sorted(p for p in partition_set if p is not None)):
            yield dg.RunRequest(asset_selection=keys, tags={RANGE_START_TAG: start, RANGE_END_TAG: end})


def day_ranges(days: list[str]) -> Iterator[tuple[str, str]]:
    """Sorted ISO days as (first, last) runs of consecutive days."""
    if not days:
        return
    start = previous = days[0]
    for day in days[1:]:
        if dt.date.fromisoformat(day) - dt.date.fromisoformat(previous) != dt.timedelta(days=1):
            yield start, previous
            start = day
        previous = day
    yield start, previous
