"""Under `dagster dev`: a file dropped into pending/ is picked up by its sensor, and the
automation refreshes silver, gold and the dashboard with no click."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from linkedin_assets.core.project_files import REPO_ROOT
from linkedin_assets.samples.profile import build_profile
from linkedin_assets.samples.writer import write_content_export
from linkedin_assets_tests.homes import use_home

END = dt.date(2026, 10, 31)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dropped_file_reaches_the_dashboard_without_a_click(tmp_path, monkeypatch):
    home = tmp_path / "home"
    settings = use_home(monkeypatch, home)
    env = {**os.environ, "LINKEDIN_SENSOR_INTERVAL_SECONDS": "2", "LINKEDIN_AUTOMATION_INTERVAL_SECONDS": "2"}
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
    try:
        time.sleep(8)  # let the daemon take its first ticks: the file must be new to them
        dropped = write_content_export(build_profile(END, 10, seed=4), home / "scratch", END, END)
        shutil.move(dropped, settings.volume("content_daily") / dropped.name)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not dashboard.exists() and server.poll() is None:
            time.sleep(2)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
    output = (tmp_path / "dagster-dev.log").read_text()
    assert dashboard.exists(), f"no dashboard after 300 s; dagster dev said:\n{output[-4000:]}"
    assert (settings.volume("content_daily", "processed") / dropped.name).exists()
    assert END.strftime("%Y") in dashboard.read_text()
