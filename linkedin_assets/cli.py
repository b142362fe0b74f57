"""`linkedin-analytics`: process what is pending, headless, through the Dagster definitions.

`run` ticks the same file-arrival sensors the daemon runs under `dagster dev` and
executes their run requests in this process against the instance in DAGSTER_HOME,
so the runs show in the UI afterwards and the two paths cannot drift apart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections import Counter
from dataclasses import dataclass, field

from linkedin_assets.core.landing import VOLUMES
from linkedin_assets.core.settings import Settings, load_settings

DAGSTER_YAML = """\
# Written by linkedin-analytics. The machine may have no network: no telemetry.
telemetry:
  enabled: false
auto_materialize:
  use_sensors: true
"""
AUTOMATION_CURSOR = "linkedin_automation_cursor.json"
CONSOLE_LOG_LEVEL = os.environ.get("LINKEDIN_LOG_LEVEL", "WARNING").upper()
VERSION_SENSOR_CURSOR = "linkedin_post_patch_version_cursor.txt"
MAX_AUTOMATION_TICKS = 10


@dataclass
class RunSummary:
    processed: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    failed_runs: list[str] = field(default_factory=list)
    runs: int = 0
    materialized: Counter = field(default_factory=Counter)  # (asset, partition) -> times

    @property
    def ok(self) -> bool:
        return not self.errors and not self.failed_runs


def prepare_environment(settings: Settings) -> None:
    """Folders, DAGSTER_HOME and its dagster.yaml: all a first run needs."""
    settings.ensure_folders()
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    config = settings.dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)


def _files(landing, state: str) -> dict[str, set[str]]:
    """File names per volume in one landing state (local folders or UC volumes)."""
    return {v: {f.name for f in landing.files(v, state)} for v in VOLUMES}


def run_pending(settings: Settings, downstream: bool = True) -> RunSummary:
    """Process everything pending once; what `linkedin-analytics run` does.

    With `downstream`, the automation then refreshes silver, gold and the dashboard.
    """
    import dagster as dg

    from linkedin_assets.core.locks import exclusive
    from linkedin_assets.definitions import build_definitions
    from linkedin_assets.defs.bronze.sensors import FILE_TAG, arrival_sensors, post_patch_version
    from linkedin_assets.defs.materializations import last_storage_id, materialized_after
    from linkedin_assets.defs.notifications import notify_dashboard_refresh, notify_failed_runs

    prepare_environment(settings)
    defs = build_definitions(settings)
    # Two runners starting on a fresh DAGSTER_HOME would both create its SQLite schema.
    with exclusive(settings.dagster_home / ".init.lock"):
        instance = dg.DagsterInstance.get()
    landing = defs.resources["lakehouse"].landing
    before_processed = _files(landing, "processed")
    before_errors = _files(landing, "errors")
    summary = RunSummary()
    failed_run_ids: list[str] = []
    job = defs.resolve_implicit_global_asset_job_def()
    resources = defs.resources
    automation = AutomationTicker(defs, instance, settings)
    keys = defs.resolve_asset_graph().get_all_asset_keys()
    start_position = last_storage_id(instance, keys)

    def execute(request, origin: str) -> None:
        summary.runs += 1
        run = job.execute_in_process(
            instance=instance,
            asset_selection=request.asset_selection,
            tags={**request.tags, "linkedin/origin": origin},
            raise_on_error=False,
            # The terminal gets the summary; every event is still in the UI's run logs.
            run_config={"loggers": {"console": {"config": {"log_level": CONSOLE_LOG_LEVEL}}}},
        )
        if not run.success:
            failed_run_ids.append(run.run_id)
            what = request.tags.get(FILE_TAG) or ", ".join(k.to_user_string() for k in request.asset_selection)
            summary.failed_runs.append(f"{what} (run {run.run_id})")

    for sensor in arrival_sensors:
        cursor = None
        # Two ticks, as the daemon would do: the first one sees the files, the second
        # confirms they stopped changing and requests the runs.
        for _ in range(2):
            # (a context manager: the Databricks resource nests the warehouse resource)
            with dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources) as context:
                result = sensor(context)
            cursor = result.cursor
        for request in result.run_requests or []:
            execute(request, sensor.name)
    # The table-version sensor, whose events the daemon would store: an edit of
    # post_patch made outside Dagster becomes an event the automation reacts to.
    cursor_file = settings.dagster_home / VERSION_SENSOR_CURSOR
    with dg.build_sensor_context(
        instance=instance,
        cursor=cursor_file.read_text() if cursor_file.exists() else None,
        resources=resources,
    ) as context:
        result = post_patch_version(context)
    for event in result.asset_events:
        instance.report_runless_asset_event(event)
    if result.cursor is not None:
        cursor_file.write_text(result.cursor)

    for request in automation.requests() if downstream else []:
        execute(request, "linkedin_automation")

    # The daemon's notification sensors never see in-process runs: same messages, sent here.
    notify_failed_runs(instance, failed_run_ids)
    notify_dashboard_refresh(instance)
    summary.materialized = materialized_after(instance, keys, start_position)
    after_processed = _files(landing, "processed")
    after_errors = _files(landing, "errors")
    for volume in VOLUMES:
        new = sorted(after_processed[volume] - before_processed[volume])
        if new:
            summary.processed[volume] = new
        for name in sorted(after_errors[volume] - before_errors[volume]):
            summary.errors[f"{volume}/{name}"] = landing.error_reason(name, volume) or "see errors/"
    return summary


class AutomationTicker:
    """Ticks the automation conditions as the daemon's sensor does, cursor kept in DAGSTER_HOME."""

    def __init__(self, defs, instance, settings: Settings):
        from dagster_shared.serdes import deserialize_value

        self.defs, self.instance = defs, instance
        self.path = settings.dagster_home / AUTOMATION_CURSOR
        self.cursor = deserialize_value(self.path.read_text()) if self.path.exists() else None
        if self.cursor is None:
            # A first tick only records where the event log stands; updates after it count.
            self._tick()

    def _tick(self):
        import dagster as dg
        from dagster._core.definitions.automation_tick_evaluation_context import (
            build_run_requests_with_backfill_policies,
        )
        from dagster_shared.serdes import serialize_value

        from linkedin_assets.defs.automation import automation_sensor

        result = dg.evaluate_automation_conditions(
            defs=self.defs,
            instance=self.instance,
            asset_selection=automation_sensor.asset_selection,
            cursor=self.cursor,
        )
        self.cursor = result.cursor
        self.path.write_text(serialize_value(self.cursor))
        # Under `dagster dev` the sensor emits a backfill and the assets' single-run backfill
        # policy makes it one run per range; Dagster's own function does that split here.
        return build_run_requests_with_backfill_policies(
            asset_partitions=result._requested_asset_partitions,
            asset_graph=self.defs.resolve_asset_graph(),
            dynamic_partitions_store=self.instance,
        )

    def requests(self):
        """Tick until nothing more is requested; the caller executes each run before the next tick."""
        for _ in range(MAX_AUTOMATION_TICKS):
            requests = self._tick()
            if not requests:
                return
            yield from requests


def table_counts(settings: Settings) -> list[tuple[str, int, int]]:
    from linkedin_assets.core.lake.delta import DeltaLake

    lake = DeltaLake(settings.lake)
    out = []
    for catalog in ("bronze", "silver", "gold"):
        folder = settings.lake / catalog / "linkedin"
        for path in sorted(folder.glob("*")) if folder.is_dir() else []:
            table = lake.read(catalog, path.name)
            if table is not None:
                out.append((f"{catalog}.linkedin.{path.name}", table.num_rows, lake.version(catalog, path.name)))
    return out


def print_summary(settings: Settings, summary: RunSummary, out=print) -> None:
    out(f"LINKEDIN_HOME={settings.home}")
    out(f"runs: {summary.runs}  (see them with `make dev`, DAGSTER_HOME={settings.dagster_home})")
    assets = sorted({asset for asset, _ in summary.materialized})
    if assets:
        out(f"materialized: {len(assets)} asset(s), {sum(summary.materialized.values())} asset partition(s)")
    if not summary.processed and not summary.errors:
        out("nothing was pending")
    for volume, names in summary.processed.items():
        out(f"processed  {volume}: {len(names)} file(s) -> landing/{volume}/processed/")
    for name, reason in summary.errors.items():
        out(f"ERROR      {name} -> errors/: {reason}")
    for failed in summary.failed_runs:
        out(f"FAILED RUN {failed}")
    from linkedin_assets.core.dashboard.local import dashboard_path

    dashboard = dashboard_path(settings.home)
    if dashboard.exists():
        out(f"dashboard: {dashboard}")
    out("tables:")
    for name, rows, version in table_counts(settings):
        out(f"  {name:<40} {rows:>8} rows  (delta version {version})")


def cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings()
    summary = run_pending(settings)
    print_summary(settings, summary)
    return 0 if summary.ok else 1


def cmd_demo(args: argparse.Namespace) -> int:
    from linkedin_assets.samples.landing import write_sample_landing

    settings = load_settings()
    prepare_environment(settings)
    end = dt.date.fromisoformat(args.end) if args.end else dt.date.today() - dt.timedelta(days=1)
    _, paths = write_sample_landing(settings.landing, end=end, days=args.days, seed=args.seed)
    print(f"wrote {len(paths)} sample export(s) for {args.days} day(s) ending {end} into {settings.landing}")
    return cmd_run(args)


def cmd_init(args: argparse.Namespace) -> int:
    settings = load_settings()
    prepare_environment(settings)
    print(f"landing folders under {settings.landing}; Dagster state in {settings.dagster_home}")
    return 0


def main(argv: list[str] | None = None) -> int:
    import warnings

    # BackfillPolicy is marked beta by Dagster; the warning says nothing to a user of this CLI.
    warnings.filterwarnings("ignore", message=".*is currently in beta.*")
    parser = argparse.ArgumentParser(prog="linkedin-analytics", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create the landing folders and DAGSTER_HOME").set_defaults(func=cmd_init)
    sub.add_parser("run", help="process every pending file once, headless").set_defaults(func=cmd_run)
    demo = sub.add_parser("demo", help="write realistic sample exports into landing, then run")
    demo.add_argument("--days", type=int, default=30)
    demo.add_argument("--end", help="last day of the sample (default: yesterday)")
    demo.add_argument("--seed", type=int, default=7)
    demo.set_defaults(func=cmd_demo)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
