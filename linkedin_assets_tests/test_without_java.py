"""The default engine needs no Java: `linkedin-analytics demo` and a daily event, run where
no `java` is on PATH and JAVA_HOME is unset, fill every layer, and no JVM ever starts."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from linkedin_assets.core.lake.delta import DeltaLake

pytestmark = pytest.mark.slow  # runs the CLI in processes of its own

SPARK = b"org.apache.spark"


def jvms_of(home: Path) -> set[int]:
    """Java processes started for `home` (they inherit its LINKEDIN_HOME)."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit():
                continue
            cmdline = (entry / "cmdline").read_bytes()
            if (SPARK in cmdline or b"java" in cmdline.split(b"\0")[0]) and (
                f"LINKEDIN_HOME={home}".encode() in (entry / "environ").read_bytes().split(b"\0")
            ):
                found.add(int(entry.name))
        except OSError:
            continue
    return found


def test_demo_and_a_daily_event_run_without_java_and_start_no_jvm(tmp_path):
    home = tmp_path / "home"
    venv_bin = Path(sys.executable).parent
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("JAVA_HOME", "LINKEDIN_ENGINE", "DAGSTER_HOME") and not key.startswith("SPARK_")
    }
    env.update(
        PATH=str(venv_bin),  # the venv's commands only: no java anywhere
        LINKEDIN_HOME=str(home),
        LINKEDIN_ENGINE_DIR=str(tmp_path / "engine"),
        LINKEDIN_SETTLE_SECONDS="0",
    )
    seen: set[int] = set()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.update(jvms_of(home))
            done.wait(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        commands = (["demo", "--days", "6"], ["sample", "daily"], ["run"])
        for args in commands:
            done_cmd = subprocess.run(
                [str(venv_bin / "linkedin-analytics"), *args], env=env, capture_output=True, text=True, timeout=600
            )
            assert done_cmd.returncode == 0, f"{args}: {done_cmd.stdout[-2000:]}{done_cmd.stderr[-3000:]}"
    finally:
        done.set()
        watcher.join()

    assert seen == set(), f"JVMs started: {seen}"
    assert not (tmp_path / "engine").exists(), "the warm-engine folder was made: something asked for Spark"
    lake = DeltaLake(home / "lake", engine="duckdb")
    days = lake.read("gold", "fct_daily_profile_statistics").column("analytics_date").to_pylist()
    # The demo's six days and the sample's one more, each once.
    assert len(days) == len(set(days)) == 7, days
    assert (home / "dashboard" / "index.html").exists()
