"""`make bench`: wall time and peak memory of `linkedin-analytics run` on generated exports.

Not a test: it measures. Each scenario runs the real CLI in a fresh process with its
own LINKEDIN_HOME, so Spark start-up and every fixed cost are included.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

END = dt.date(2026, 10, 31)


def _run_cli(home: Path, *args: str) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB of the child, exit code)."""
    env = {**os.environ, "LINKEDIN_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "linkedin_assets.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    # KiB on Linux; the child's figure already covers the JVM it started and reaped.
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def _landing(days: int, home: Path) -> int:
    from linkedin_assets.samples.landing import write_sample_landing

    _, paths = write_sample_landing(home / "landing", end=END, days=days, seed=11)
    return len(paths)


def _rerun_processed_day(home: Path) -> None:
    """A user downloads an already-processed day again: same content, a new download time."""
    processed = home / "landing" / "content_daily" / "processed"
    newest = max(processed.glob("*.xlsx"), key=lambda p: p.stat().st_mtime)
    again = home / "landing" / "content_daily" / "pending" / newest.name
    shutil.copyfile(newest, again)


def main() -> int:
    rows = []
    for days in (1, 30, 365):
        with tempfile.TemporaryDirectory(prefix=f"bench{days}-") as tmp:
            home = Path(tmp)
            files = _landing(days, home)
            wall, peak, code = _run_cli(home, "run")
            rows.append((f"run, {days} day(s), {files} files", wall, peak, code))
            _rerun_processed_day(home)
            wall, peak, code = _run_cli(home, "run")
            rows.append((f"re-run a processed day ({days}-day lake)", wall, peak, code))
    print(f"{'scenario':<44} {'wall s':>8} {'peak MiB':>9} {'exit':>5}")
    for name, wall, peak, code in rows:
        print(f"{name:<44} {wall:>8.1f} {peak:>9.0f} {code:>5}")
    return 0 if all(code == 0 for *_, code in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
