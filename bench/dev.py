"""`python -m bench dev`: the headless bench's events again, under `dagster dev`.

This is the path a `make dev` user lives on: a file lands in pending/ and, with no
click, the sensors and the automation bring bronze, silver, gold and the dashboard up
to date. Nothing is sped up: the product's own sensor and automation intervals apply.
Timings come from the Dagster instance (materialization and run records), Spark
JVMs from /proc.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import dagster as dg
from dagster._core.execution.backfill import BulkActionStatus
from dagster._core.storage.dagster_run import NOT_FINISHED_STATUSES, RunRecord

from bench.common import END, home_environment, of_home, processes, run_cli, spark_jvms, tree_rss_kib
from linkedin_assets.dagster_home import DAGSTER_VARIABLES

REPO_ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("bronze", "silver", "gold", "dashboard")
DASHBOARD = dg.AssetKey(["dashboard", "linkedin_statistics"])
TIMEOUT_SECONDS = 600
REPLAY_WAIT_SECONDS = 60
# Longer than the automation's default 10 s interval: a run the next tick would still
# start belongs to this event, not to the next one.
QUIET_SECONDS = 15
FIRST_TICKS_SECONDS = 10


@dataclass
class Row:
    event: str
    layers: dict[str, float | None]
    runs: list[RunRecord]
    jvms: int
    connect_servers: int
    warm_at_drop: bool  # a Spark Connect server of this home was already running
    peak_mib: float
    result: str  # ok, no run, ran (for a replay), rejected, failed (a run failed, no dashboard), timeout
    errors: dict[str, list[str]]  # failed run id -> its failed steps' root causes
    drop: float  # when the file appeared in pending/ (epoch seconds)

    @property
    def ok(self) -> bool:
        return (self.result in ("ok", "no run") or self.result.startswith("ran (")) and not self.failed_runs

    @property
    def failed_runs(self) -> int:
        return sum(r.dagster_run.status == dg.DagsterRunStatus.FAILURE for r in self.runs)


@dataclass
class Sampler:
    """Every 0.5 s: when each of the home's Spark JVMs was first seen, and the peak memory."""

    root: int
    home: Path
    first_seen: dict[int, tuple[float, bool]] = field(default_factory=dict)  # pid -> (when, Spark Connect)
    last_seen: dict[int, float] = field(default_factory=dict)
    alive: dict[int, bytes] = field(default_factory=dict)  # at the latest sample
    peak_kib: int = 0
    stopped: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> None:
        table = processes()
        self.alive = spark_jvms(self.home, table)
        for pid, cmdline in self.alive.items():
            self.first_seen.setdefault(pid, (time.time(), b"SparkConnectServer" in cmdline))
            self.last_seen[pid] = time.time()
        self.peak_kib = max(self.peak_kib, tree_rss_kib(self.root, self.home, table))

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            self.sample()

    def started_since(self, moment: float) -> tuple[int, int]:
        new = [connect for when, connect in self.first_seen.values() if when >= moment]
        return len(new), sum(new)

    def lifetimes(self, moment: float) -> list[str]:
        """Each JVM seen, in seconds from `moment` (the first drop)."""
        return [
            f"pid {pid} {'SparkConnectServer' if connect else 'Spark JVM'}: seen from {when - moment:+.0f} s "
            f"to {self.last_seen[pid] - moment:+.0f} s"
            for pid, (when, connect) in self.first_seen.items()
        ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed(profile, home: Path, base: dict[str, str]) -> None:
    """A 30-day lake, exactly as the headless events start from."""
    from linkedin_assets.samples.writer import write_content_export, write_post_export

    day = dt.timedelta(days=1)
    landing = home / "landing"
    write_content_export(profile, _folder(landing, "content_historical"), END - 30 * day, END - 2 * day)
    write_content_export(profile, _folder(landing, "content_daily"), END - day, END - day)
    write_post_export(profile, profile.posts[-2].url, END - day, _folder(landing, "posts"))
    wall, _, code, summary = run_cli(home, "run", base=base, timeout=TIMEOUT_SECONDS)
    print(f"seeded the 30-day lake with `linkedin-analytics run` in {wall:.0f} s (exit {code})")
    if code != 0:  # dagster dev still runs: how it copes with what the CLI could not do is worth seeing
        print(f"seeding with `linkedin-analytics run` failed (exit {code}); its summary:\n{summary}")


def _folder(landing: Path, volume: str, state: str = "pending") -> Path:
    folder = landing / volume / state
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _events(profile, home: Path) -> list[tuple[str, Callable[[], Path | None]]]:
    """(name, drop): each drop returns the file it put into pending/, if any."""
    from deltalake import DeltaTable

    from linkedin_assets.samples.writer import write_content_export, write_patch_file, write_post_export

    day = dt.timedelta(days=1)
    landing, scratch = home / "landing", home / "scratch"

    def into(volume: str, written: Path) -> Path:
        # Written beside, then moved: the drop time is when the whole file appears in pending/.
        return written.replace(_folder(landing, volume) / written.name)

    def replay() -> Path:
        processed = _folder(landing, "content_daily", "processed")
        newest = max(processed.glob("*.xlsx"), key=lambda p: p.stat().st_mtime)
        return into("content_daily", Path(shutil.copyfile(newest, scratch / newest.name)))

    def edit() -> None:
        DeltaTable(str(home / "lake" / "bronze" / "linkedin" / "post_patch")).update({"title": "'Edited'"})

    scratch.mkdir(exist_ok=True)
    url = profile.posts[-1].url
    return [
        ("daily file", lambda: into("content_daily", write_content_export(profile, scratch, END, END))),
        (
            "historical file (365 days)",
            lambda: into("content_historical", write_content_export(profile, scratch, END - 364 * day, END - 31 * day)),
        ),
        ("post file", lambda: into("posts", write_post_export(profile, url, END, scratch))),
        (
            "patch file",
            lambda: into("patch", write_patch_file([{"post_url": url, "title": "Patched"}], scratch / "fix.csv")),
        ),
        ("direct edit of post_patch", edit),
        ("replayed daily file", replay),
    ]


def _start(home: Path, base: dict[str, str], log: Path) -> subprocess.Popen:
    port = _free_port()
    dagster = Path(sys.executable).with_name("dagster")
    with log.open("w") as sink:
        server = subprocess.Popen(
            [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO_ROOT,
            # As `make dev` starts it (see linkedin_assets/dagster_home.py for why).
            env={**DAGSTER_VARIABLES, **home_environment(home, base)},
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2):
                break
        except OSError:
            time.sleep(1)
    else:
        _stop(server)
        raise RuntimeError(f"dagster dev did not answer on port {port}:\n{log.read_text()[-4000:]}")
    time.sleep(FIRST_TICKS_SECONDS)  # the daemon's first ticks: a dropped file must be new to them
    return server


def _stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _busy(instance: dg.DagsterInstance) -> bool:
    return bool(
        instance.get_runs(dg.RunsFilter(statuses=list(NOT_FINISHED_STATUSES)), limit=1)
        or instance.get_backfills(status=BulkActionStatus.REQUESTED, limit=1)
    )


def _wait_idle(instance: dg.DagsterInstance) -> None:
    """Until nothing runs or was started for QUIET_SECONDS: one event's runs must not overlap the next."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if not _busy(instance) and not _runs_since(instance, time.time() - QUIET_SECONDS):
            return
        time.sleep(1)


def _first_after(instance: dg.DagsterInstance, keys: list[dg.AssetKey], moment: float) -> float | None:
    found = [
        record.timestamp
        for key in keys
        for record in instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, after_timestamp=moment), limit=1, ascending=True
        ).records
    ]
    return min(found) - moment if found else None


def _errors(instance: dg.DagsterInstance, runs: list[RunRecord]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for record in runs:
        run_id = record.dagster_run.run_id
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
            failure = entry.dagster_event.step_failure_data if entry.dagster_event else None
            error = failure.error if failure else None
            while error is not None and error.cause is not None:  # past the retry policy's wrapper
                error = error.cause
            if error is not None:
                found.setdefault(run_id, []).append(f"{entry.step_key}: {error.message.strip().splitlines()[0]}")
    return found


def _runs_since(instance: dg.DagsterInstance, moment: float) -> list[RunRecord]:
    since = dt.datetime.fromtimestamp(moment, dt.timezone.utc)
    return list(instance.get_run_records(dg.RunsFilter(created_after=since), ascending=True))


def _settle(instance: dg.DagsterInstance, dropped: Path | None, replayed: bool, drop: float) -> str:
    """Wait for the event's end: its dashboard (or, for a replay, a quiet minute) and no run left."""
    while (now := time.time()) < drop + TIMEOUT_SECONDS:
        time.sleep(1)
        runs = _runs_since(instance, drop)
        last = max([drop, *(r.create_timestamp.timestamp() for r in runs), *(r.end_time or now for r in runs)])
        rejected = dropped is not None and any((dropped.parent.parent / "errors").glob(f"{dropped.stem}*"))
        if replayed:
            done = now - drop >= REPLAY_WAIT_SECONDS
        else:
            done = rejected or _first_after(instance, [DASHBOARD], drop) is not None
        failed = any(r.dagster_run.status == dg.DagsterRunStatus.FAILURE for r in runs)
        if (done or failed) and now - last >= QUIET_SECONDS and not _busy(instance):
            if replayed:
                return "no run" if not runs else "ran (none expected)"
            return "rejected" if rejected else "ok" if done else "failed"
    return "timeout"


def _layers(home: Path, base: dict[str, str]) -> dict[str, list[dg.AssetKey]]:
    from linkedin_assets.core.settings import load_settings
    from linkedin_assets.definitions import build_definitions

    graph = build_definitions(load_settings(home_environment(home, base))).resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    return {layer: [k for k in keys if graph.get(k).group_name == layer] for layer in LAYERS}


def main_dev() -> list[Row]:
    load_start, jvms_before = os.getloadavg(), set(spark_jvms())
    # What users get: none of the product's settings inherited from this shell.
    base = {k: v for k, v in os.environ.items() if not k.startswith("LINKEDIN_")}
    rows: list[Row] = []
    seen: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-dev-") as tmp:
        home = Path(tmp)
        # Its own warm engine: the seeding run starts it, dagster dev keeps it.
        base = {**base, "LINKEDIN_ENGINE_DIR": str(home / "engine")}
        log = home / "dagster-dev.log"
        try:
            _bench(home, base, log, rows, seen)
        finally:  # also after a failure: what it left running is part of the answer
            jvms, others = _left_behind(home, jvms_before)
            _print(rows, load_start, os.getloadavg(), seen, jvms, others, log)
    return rows


def _bench(home: Path, base: dict[str, str], log: Path, rows: list[Row], seen: list[str]) -> None:
    """Fills `rows`, one per event, and `seen` with the Spark JVMs seen under dagster dev."""
    from linkedin_assets.samples.profile import build_profile

    profile = build_profile(END, 400, seed=11)  # the historical event reaches 364 days back
    _seed(profile, home, base)
    layers = _layers(home, base)
    server = _start(home, base, log)
    sampler = Sampler(server.pid, home)
    sampler.sample()  # before the first drop: an engine already running must not count as started by it
    threading.Thread(target=sampler.run, daemon=True).start()
    first_drop = None
    try:
        # The instance's dagster.yaml names its event log's folder by DAGSTER_HOME (event_log.py).
        with (
            mock.patch.dict(os.environ, {"DAGSTER_HOME": str(home / "dagster")}),
            dg.DagsterInstance.from_config(str(home / "dagster")) as instance,
        ):
            for name, act in _events(profile, home):
                _wait_idle(instance)
                warm = any(b"SparkConnectServer" in cmdline for cmdline in sampler.alive.values())
                dropped = act()
                drop = time.time()
                first_drop = first_drop or drop
                sampler.peak_kib = 0
                result = _settle(instance, dropped, name.startswith("replayed"), drop)
                jvms, connect = sampler.started_since(drop)
                firsts = {layer: _first_after(instance, keys, drop) for layer, keys in layers.items()}
                runs = _runs_since(instance, drop)
                peak = sampler.peak_kib / 1024
                rows.append(Row(name, firsts, runs, jvms, connect, warm, peak, result, _errors(instance, runs), drop))
    finally:
        sampler.stopped.set()
        _stop(server)
        seen.extend(sampler.lifetimes(first_drop or time.time()))


def _left_behind(home: Path, before: set[int]) -> tuple[dict[int, bytes], dict[int, bytes]]:
    """(Spark JVMs, other processes) of this home still alive once dagster dev exited, after
    a grace for a clean exit; then ended, by pid: they are this bench's."""
    deadline = time.monotonic() + 10
    while True:
        table = processes()
        left = {pid: table[pid].cmdline for pid in of_home(home, table) if pid not in before}
        if not left or time.monotonic() > deadline:
            break
        time.sleep(1)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    jvms = spark_jvms(home, {pid: table[pid] for pid in left})
    return jvms, {pid: cmdline for pid, cmdline in left.items() if pid not in jvms}


def _failures(log: Path, shown: int = 2, context: int = 25) -> list[str]:
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in log.read_text(errors="replace").splitlines()]
    starts = [i for i, line in enumerate(lines) if " - STEP_FAILURE - " in line][:shown]
    return [line for i in starts for line in [*lines[i : i + context], "..."]]


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _short(key: dg.AssetKey) -> str:
    return f"{key.path[0]}/{key.path[-1]}"


def _print(
    rows: list[Row],
    load_start: tuple[float, ...],
    load_end: tuple[float, ...],
    seen: list[str],
    jvms: dict[int, bytes],
    others: dict[int, bytes],
    log: Path,
) -> None:
    header = f"{'event (dagster dev, 30-day lake)':<34}" + "".join(f"{f'{layer} s':>12}" for layer in LAYERS)
    print(f"{header} {'runs':>14} {'Spark JVMs started':>19} {'warm at drop':>13} {'peak MiB':>9}  result")
    for row in rows:
        runs = f"{len(row.runs)}" + (f" ({row.failed_runs} failed)" if row.failed_runs else "")
        started = f"{row.jvms}" + (f" ({row.connect_servers} Connect)" if row.connect_servers else "")
        cells = "".join(f"{_seconds(row.layers[layer]):>12}" for layer in LAYERS)
        warm = "yes" if row.warm_at_drop else "no"
        print(f"{row.event:<34}{cells} {runs:>14} {started:>19} {warm:>13} {row.peak_mib:>9.0f}  {row.result}")
    daily = next((r for r in rows if r.event == "daily file"), None)
    if daily is not None:
        print(f"peak memory during the daily event (dagster dev tree + its Spark JVMs): {daily.peak_mib:.0f} MiB")
    print("load average (1, 5, 15 min): start " + ", ".join(f"{x:.2f}" for x in load_start), end="")
    print("; end " + ", ".join(f"{x:.2f}" for x in load_end))
    print("Spark JVMs of this home seen under dagster dev, from the first drop:", *seen or ["none"], sep="\n  ")
    print(f"engine processes left behind: {len(jvms)} (other processes of this home: {len(others)})")
    for pid, cmdline in {**jvms, **others}.items():
        shown = cmdline.replace(b"\0", b" ")[:160].decode(errors="replace")
        print(f"  pid {pid}: {shown}")
    if log.exists() and not all(row.ok for row in rows):
        print("dagster dev log, around its first step failures:\n  " + "\n  ".join(_failures(log)))
    print("\nruns per event (seconds from the drop: created/started/ended):")
    for row in rows:
        print(f"  {row.event}:")
        for record in row.runs:
            run = record.dagster_run
            start = run.tags.get("dagster/asset_partition_range_start")
            end = run.tags.get("dagster/asset_partition_range_end")
            dates = f"{start}..{end}" if start else run.tags.get("dagster/partition", "no partitions")
            # Seconds from the drop: created (by a sensor tick), started (its process up), ended.
            moments = (record.create_timestamp.timestamp(), record.start_time, record.end_time)
            took = "/".join("-" if m is None else f"{m - row.drop:.1f}" for m in moments)
            assets = ", ".join(sorted(_short(k) for k in run.asset_selection or ()))
            by = run.tags.get("dagster/sensor_name") or ("backfill" if run.tags.get("dagster/backfill") else "?")
            print(f"    {run.run_id[:8]} {run.status.value:<8} {took:>17}  {by}  [{dates}]  {assets}")
            for error in row.errors.get(run.run_id, []):
                print(f"      failed {error}")
