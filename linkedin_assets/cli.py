"""`linkedin-analytics`: process what is pending, headless, through the Dagster definitions.

`run` evaluates the sensors and automation conditions the daemon evaluates under
`dagster dev` and executes their run requests in this process against the instance
in DAGSTER_HOME (see linkedin_assets/headless.py), so the runs show in the UI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import Counter
from dataclasses import dataclass, field, replace

import dagster as dg

from linkedin_assets.core.dashboard.local import dashboard_path
from linkedin_assets.core.lake.delta import DeltaLake
from linkedin_assets.core.lake.protocol import DamagedTable
from linkedin_assets.core.landing import VOLUMES, Landing, LandingArea
from linkedin_assets.core.settings import DatabricksSettings, Settings, load_settings
from linkedin_assets.core.signals import sigterm_kept
from linkedin_assets.dagster_home import open_instance, prepare_environment, prepare_pools
from linkedin_assets.definitions import build_definitions
from linkedin_assets.defs.materializations import last_storage_id, materialized_after
from linkedin_assets.defs.resources.lakehouse import LakehouseResource
from linkedin_assets.headless import Headless
from linkedin_assets.progress import Display
from linkedin_assets.samples.events import EVENTS
from linkedin_assets.samples.landing import write_sample_landing


@dataclass
class RunSummary:
    processed: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    failed_runs: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)  # stack traces of failures that were bugs, not bad files
    waiting: list[str] = field(default_factory=list)  # volume/name still being written, left pending
    runs: int = 0
    materialized: Counter = field(default_factory=Counter)  # (asset, partition) -> times

    @property
    def ok(self) -> bool:
        return not self.errors and not self.failed_runs


def _files(landing: LandingArea, state: str) -> dict[str, set[str]]:
    """File names per volume in one landing state (local folders or UC volumes)."""
    return {v: {f.name for f in landing.files(v, state)} for v in VOLUMES}


@sigterm_kept()  # see core/signals.py: left ignored, it held every step of a background run
def run_pending(settings: Settings, downstream: bool = True, display: Display | None = None) -> RunSummary:
    """Process everything pending once; what `linkedin-analytics run` does.

    Without `downstream`, only bronze: each file's run stops there, and no automation follows.
    """
    instance = open_instance(settings)
    # Before the definitions: listing local pending/ folders (their partitions start at the
    # oldest landed file) already refuses what must not be read, a link or a folder.
    local_errors = _files(Landing(settings.landing), "errors") if settings.compute == "local" else None
    defs = build_definitions(settings)
    prepare_pools(instance, defs, settings)
    # Initialized as a run would (its config may name environment variables).
    with dg.build_resources(defs.resources or {}, instance=instance) as resources:
        lakehouse: LakehouseResource = resources.lakehouse
        landing = lakehouse.landing
        before_errors = local_errors if local_errors is not None else _files(landing, "errors")
        before_pending = _files(landing, "pending")
        before_processed = _files(landing, "processed")
        keys = defs.resolve_asset_graph().get_all_asset_keys()
        start_position = last_storage_id(instance, keys)

        if display is not None:
            display.files_total = sum(len(names) for names in before_pending.values())
        headless = Headless(defs, instance, settings, downstream, display)
        headless.fail_abandoned_runs()  # a killed run's work is redone below
        headless.automation_baseline()
        headless.notifications_baseline()
        headless.arrivals()
        headless.table_versions()
        if downstream:  # what the files' runs left behind, and changes no file made
            headless.automation()
        headless.notifications()

        done = headless.done
        summary = RunSummary(failed_runs=done.failed, crashes=done.crashes, waiting=done.waiting, runs=done.runs)
        summary.materialized = materialized_after(instance, keys, start_position)
        after_pending = _files(landing, "pending")
        after_processed = _files(landing, "processed")
        after_errors = _files(landing, "errors")
        for volume in VOLUMES:
            # New in processed/, or a re-download of a processed file's name that left pending/ for it.
            went = (before_pending[volume] - after_pending[volume]) & after_processed[volume]
            new = sorted((after_processed[volume] - before_processed[volume]) | went)
            if new:
                summary.processed[volume] = new
            for name in sorted(after_errors[volume] - before_errors[volume]):
                summary.errors[f"{volume}/{name}"] = landing.error_reason(name, volume) or "see errors/"
        return summary


def table_counts(settings: Settings) -> list[tuple[str, str]]:
    """(table, what it holds) for the summary; a damaged table says why, instead of a traceback."""
    lake = DeltaLake(settings.lake)
    out = []
    for catalog in ("bronze", "silver", "gold"):
        folder = settings.lake / catalog / "linkedin"
        for path in sorted(folder.glob("*")) if folder.is_dir() else []:
            name = f"{catalog}.linkedin.{path.name}"
            try:
                table = lake.read(catalog, path.name)
            except DamagedTable as exc:
                out.append((name, f"DAMAGED: {exc}"))
                continue
            if table is not None:
                out.append((name, f"{table.num_rows:>8} rows  (delta version {lake.version(catalog, path.name)})"))
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
    for trace in summary.crashes:
        out(trace.rstrip())
    for name in summary.waiting:
        out(f"WAITING    {name}: still being written; left in pending/ for the next run")
    dashboard = dashboard_path(settings.home)
    if dashboard.exists():
        out(f"dashboard: {dashboard}")
    out("tables:")
    for name, held in table_counts(settings):
        out(f"  {name:<40} {held}")


def cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.verbose:  # Dagster's own log, as the UI's run page shows it
        settings = replace(settings, log_level="INFO")
    display = Display(quiet=args.quiet)
    with display.session():
        summary = run_pending(settings, display=display)
    print_summary(settings, summary)
    return 0 if summary.ok else 1


def cmd_demo(args: argparse.Namespace) -> int:
    settings = load_settings()
    prepare_environment(settings)
    end = dt.date.fromisoformat(args.end) if args.end else dt.date.today() - dt.timedelta(days=1)
    _, paths = write_sample_landing(settings.landing, end=end, days=args.days, seed=args.seed)
    print(f"wrote {len(paths)} sample export(s) for {args.days} day(s) ending {end} into {settings.landing}")
    return cmd_run(args)


def cmd_sample(args: argparse.Namespace) -> int:
    """One sample export for a day, into its pending/ folder: an event to watch go through."""
    from linkedin_assets.core.bronze.ingest import known_post_urls
    from linkedin_assets.core.landing import Landing
    from linkedin_assets.samples.events import default_day, write_sample_event

    settings = load_settings()
    prepare_environment(settings)
    landing = Landing(settings.landing)
    try:
        day = dt.date.fromisoformat(args.day) if args.day else default_day(landing, args.event)
        known = known_post_urls(DeltaLake(settings.lake)) if args.event == "patch" else set()
        path = write_sample_event(landing, args.event, day, known)
    except ValueError as exc:
        print(f"linkedin-analytics sample: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path.relative_to(settings.home)}: `make dev` picks it up, or `linkedin-analytics run`")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    settings = load_settings()
    prepare_environment(settings)
    if settings.compute == "databricks":  # `make dev` runs this first: the daemon's runs find their pools set
        prepare_pools(open_instance(settings), build_definitions(settings), settings)
    print(f"landing folders under {settings.landing}; Dagster state in {settings.dagster_home}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    # The web server and its targets only for this command.
    from linkedin_assets.upload.app import serve

    settings = load_settings()
    prepare_environment(settings)
    host, port = args.host or settings.upload_host, args.port or settings.upload_port
    if settings.compute == "databricks":
        from databricks.sdk import WorkspaceClient

        from linkedin_assets.upload.volumes import VolumeTarget

        databricks = DatabricksSettings.from_env()
        serve(VolumeTarget(WorkspaceClient(), databricks), host, port, settings.upload_token, databricks.landing_root)
    else:
        from linkedin_assets.upload.local import LocalTarget

        serve(LocalTarget(settings), host, port, settings.upload_token, str(settings.landing))
    return 0


def cmd_engine(args: argparse.Namespace) -> int:
    """Where the warm local Spark engine is, or stop it now."""
    from linkedin_assets.core.engine import warm
    from linkedin_assets.core.settings import load_engine_settings

    engine = load_engine_settings()
    if args.stop:
        stopped = warm.stop(warm.prepare(engine.directory))
        print("stopped the warm Spark engine" if stopped else "no warm Spark engine was running")
        return 0
    server = warm.server(engine.directory)
    if engine.sql == "duckdb":
        print(
            "the silver and gold SQL runs on DuckDB in each run's process (LINKEDIN_ENGINE=duckdb): nothing to keep running"
        )
    if server is None:
        print(f"no warm Spark engine is running (folder {engine.directory})")
    else:
        kept_for = warm.owners(engine.directory)
        print(f"warm Spark engine: pid {server['pid']}, port {server['port']}; kept for {kept_for} owner(s)")
        print(f"its logs: {engine.directory / 'logs'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="linkedin-analytics", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create the landing folders and DAGSTER_HOME").set_defaults(func=cmd_init)
    run = sub.add_parser("run", help="process every pending file once, headless")
    run.set_defaults(func=cmd_run)
    serve = sub.add_parser("serve", help="the upload page (drop exports in a browser)")
    serve.add_argument("--host", help="address to listen on (default LINKEDIN_UPLOAD_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default LINKEDIN_UPLOAD_PORT, 3001)")
    serve.set_defaults(func=cmd_serve)
    demo = sub.add_parser("demo", help="write realistic sample exports into landing, then run")
    demo.add_argument("--days", type=int, default=30)
    demo.add_argument("--end", help="last day of the sample (default: yesterday)")
    demo.add_argument("--seed", type=int, default=7)
    for command in (run, demo):
        shown = command.add_mutually_exclusive_group()
        shown.add_argument("--verbose", action="store_true", help="also print Dagster's own log of each run")
        shown.add_argument("--quiet", action="store_true", help="print only the summary, not each step")
    demo.set_defaults(func=cmd_demo)
    sample = sub.add_parser("sample", help="write one sample export (daily, post or patch) into its pending/ folder")
    sample.add_argument("event", choices=EVENTS)
    sample.add_argument(
        "day",
        nargs="?",
        help="the day it is for (default: daily, the day after the newest landed one; post, patch: that day)",
    )
    sample.set_defaults(func=cmd_sample)
    engine = sub.add_parser("engine", help="the warm local Spark engine: where it runs, or --stop it")
    engine.add_argument("--stop", action="store_true", help="stop it now (the next run starts it again)")
    engine.set_defaults(func=cmd_engine)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
