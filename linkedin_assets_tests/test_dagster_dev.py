"""Under `dagster dev`: a file dropped into pending/ is picked up by its sensor, and its
one run refreshes bronze, silver, gold and the dashboard with no click; on the default
engine (DuckDB) no JVM ever starts, and with LINKEDIN_ENGINE=spark every run is on one
warm Spark engine that ends with `dagster dev`."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import dagster as dg
import pytest

from linkedin_assets.core.engine import warm
from linkedin_assets.core.lake.delta import DeltaLake
from linkedin_assets.core.project_files import REPO_ROOT
from linkedin_assets.samples.profile import build_profile
from linkedin_assets.samples.writer import write_content_export
from linkedin_assets_tests.homes import use_home

pytestmark = [pytest.mark.slow, pytest.mark.alone]  # `dagster dev`, twice

END = dt.date(2026, 10, 31)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spark_jvms(home: Path | None = None) -> set[int]:
    """Spark JVMs on the machine (a warm server is detached from the process that started it);
    with `home`, only those started for that LINKEDIN_HOME, which they inherit: the machine is
    shared, and another test's or a benchmark's engine must not count as this one's."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"org.apache.spark" in (entry / "cmdline").read_bytes():
                environ = (entry / "environ").read_bytes().split(b"\0")
                if home is None or f"LINKEDIN_HOME={home}".encode() in environ:
                    found.add(int(entry.name))
        except OSError:
            continue
    return found


def _wait_for_refresh(dashboard: Path, after: float, server: subprocess.Popen, seen: set[int]) -> None:
    """Until the dashboard is rewritten after `after`; every Spark JVM of its home seen meanwhile goes into `seen`."""
    home = dashboard.parent.parent
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and server.poll() is None:
        seen |= spark_jvms(home)
        if dashboard.exists() and dashboard.stat().st_mtime > after:
            return
        time.sleep(1)


@pytest.mark.parametrize("engine_name", ["duckdb", "spark"])
def test_dropped_files_reach_the_dashboard_on_one_warm_engine(tmp_path, monkeypatch, engine_name):
    """No click; DuckDB starts no JVM; Spark's warm engine starts once, and stopping `dagster dev` stops it."""
    home = tmp_path / "home"
    settings = use_home(monkeypatch, home)
    engine = tmp_path / "engine"  # its own warm engine, not the suite's
    env = {
        **os.environ,
        "LINKEDIN_SENSOR_INTERVAL_SECONDS": "2",
        "LINKEDIN_AUTOMATION_INTERVAL_SECONDS": "2",
        "LINKEDIN_ENGINE_DIR": str(engine),
        "LINKEDIN_ENGINE": engine_name,
    }
    dagster = Path(sys.executable).with_name("dagster")
    log = (tmp_path / "dagster-dev.log").open("w")
    server = subprocess.Popen(
        [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(free_port())],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    dashboard = home / "dashboard" / "index.html"
    profile = build_profile(END, 10, seed=4)
    second_jvms: set[int] = set()
    first_jvms: set[int] = set()
    try:
        time.sleep(8)  # let the daemon take its first ticks: the file must be new to them
        first = write_content_export(profile, home / "scratch", END - dt.timedelta(days=1), END - dt.timedelta(days=1))
        shutil.move(first, settings.volume("content_daily") / first.name)
        _wait_for_refresh(dashboard, 0, server, first_jvms)
        assert dashboard.exists(), "no dashboard after the first file"
        warm_engine = warm.server(engine)
        if engine_name == "duckdb":
            assert warm_engine is None and first_jvms == set(), f"DuckDB's runs started Spark: {first_jvms}"
        else:  # the JVMs counted below are this home's: its warm engine must be one of them
            assert warm_engine is not None and warm_engine["pid"] in spark_jvms(home), (warm_engine, spark_jvms(home))
        time.sleep(3)  # the first event's last runs end

        before = spark_jvms(home)
        dropped_at = time.time()
        second = write_content_export(profile, home / "scratch", END, END)
        shutil.move(second, settings.volume("content_daily") / second.name)
        _wait_for_refresh(dashboard, dropped_at, server, second_jvms)
        second_jvms -= before
        refreshed = dashboard.exists() and dashboard.stat().st_mtime > dropped_at
        time.sleep(6)  # three automation ticks: a run they would add must show below
        log.flush()
        # What it printed while it worked (its shutdown may print a sensor's lost connection).
        while_running = (tmp_path / "dagster-dev.log").read_text()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
    output = (tmp_path / "dagster-dev.log").read_text()
    assert refreshed, f"the second file did not reach the dashboard in 300 s; dagster dev said:\n{output[-4000:]}"
    assert (settings.volume("content_daily", "processed") / second.name).exists()
    assert END.isoformat() in set(
        map(
            str,
            DeltaLake(settings.lake).read("gold", "fct_daily_profile_statistics").column("analytics_date").to_pylist(),
        )
    )

    # The second event is one run: the file's bronze tables and everything downstream,
    # each asset once; the automation found nothing left to do.
    runs = dg.DagsterInstance.get().get_runs(dg.RunsFilter(created_after=dt.datetime.fromtimestamp(dropped_at)))
    selected = Counter(key.to_user_string() for run in runs for key in run.asset_selection or [])
    assert len(runs) == 1, [sorted(k.to_user_string() for k in r.asset_selection or []) for r in runs]
    assert selected["bronze/linkedin/totals"] == 1 and selected["dashboard/linkedin_statistics"] == 1, selected

    # What dagster dev printed of the runs is what a person acts on (here, nothing): not
    # Dagster's DEBUG log of each event, nor its notices about checks a step skipped.
    for noise in (" - DEBUG - ", "STEP_OUTPUT", "emitted no result in step", "Prefetching asset records", "Traceback"):
        assert noise not in while_running, f"{noise!r} in dagster dev's output:\n{while_running[-4000:]}"

    # Every run of both events was on the one warm server (or none): the second event started no JVM.
    assert second_jvms == set(), f"the second event started Spark JVMs {second_jvms}"
    if engine_name == "duckdb":
        assert warm.server(engine) is None and not spark_jvms(home)
        return
    assert warm_engine is not None, f"no warm engine was recorded in {engine}"
    # Stopping `dagster dev` stops the engine it kept (the warden polls each second).
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and warm_engine["pid"] in spark_jvms():
        time.sleep(0.5)
    assert warm_engine["pid"] not in spark_jvms(), "the warm engine outlived dagster dev"
