"""What the headless and the dagster dev benches share: the CLI runner and a /proc reader."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Yesterday, as a real export ends: under `dagster dev` the partitions start a year back
# from today, and a fixed date let the 365-day file age out of them (refused as too old).
END = dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=1)
SPARK = b"org.apache.spark"


# The headless bench's own warm engine: its first run starts it, the others find it warm
# (the CLI keeps it LINKEDIN_ENGINE_LINGER_SECONDS); a user's engine is never measured.
ENGINE = Path(tempfile.gettempdir()) / f"linkedin-bench-engine-{os.getuid()}"


def home_environment(home: Path, base: Mapping[str, str] = os.environ) -> dict[str, str]:
    return {**base, "LINKEDIN_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}


def engine_rss_kib(table: dict[int, Process]) -> int:
    from linkedin_assets.core.engine import warm

    server = warm.server(ENGINE)
    return table[server["pid"]].rss_kib if server and server["pid"] in table else 0


def run_cli(
    home: Path, *args: str, base: Mapping[str, str] = os.environ, timeout: float | None = None
) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS MiB of the child, exit code, its summary); killed after `timeout` s."""
    out = home / "cli.out"
    started = time.perf_counter()
    peak = 0
    with out.open("w") as sink:
        child = subprocess.Popen(
            [sys.executable, "-m", "linkedin_assets.cli", *args],
            env=home_environment(home, base),
            stdout=sink,
            stderr=subprocess.DEVNULL,
        )
        # The Spark JVM is a separate process: sample the whole tree's resident memory, and
        # the warm engine's (detached from the run) when the run uses the bench's.
        while child.poll() is None:
            table = processes()
            engine = engine_rss_kib(table) if base.get("LINKEDIN_ENGINE_DIR") == str(ENGINE) else 0
            peak = max(peak, tree_rss_kib(child.pid, table=table) + engine)
            if timeout is not None and time.perf_counter() - started > timeout:
                child.kill()  # a hung run must not hang the bench
                child.wait()
            time.sleep(0.2)
    wall = time.perf_counter() - started
    return wall, peak / 1024, child.returncode, out.read_text()


@dataclass(frozen=True)
class Process:
    parent: int
    rss_kib: int
    cmdline: bytes


def processes() -> dict[int, Process]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        found[int(entry.name)] = Process(int(fields["PPid"]), int(fields.get("VmRSS", "0 kB").split()[0]), cmdline)
    return found


def of_home(home: Path, table: dict[int, Process] | None = None) -> set[int]:
    """The processes started for this LINKEDIN_HOME, by the variable they inherited.

    The machine is shared: someone else's test must not count. Ancestry would not do:
    a warm engine (and its warden) may be detached.
    """
    table = processes() if table is None else table
    found = set()
    for pid in table:
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"LINKEDIN_HOME={home}".encode() in environ:
            found.add(pid)
    return found


def spark_jvms(home: Path | None = None, table: dict[int, Process] | None = None) -> dict[int, bytes]:
    """Spark JVMs (pid -> cmdline); with `home`, only those started for that LINKEDIN_HOME."""
    table = processes() if table is None else table
    found = {}
    for pid, process in table.items():
        argv = process.cmdline.split(b"\0")
        if argv and argv[0].endswith(b"java") and SPARK in process.cmdline:
            found[pid] = process.cmdline
    if home is not None:
        ours = of_home(home, {pid: table[pid] for pid in found})
        found = {pid: cmdline for pid, cmdline in found.items() if pid in ours}
    return found


def tree_rss_kib(root: int, home: Path | None = None, table: dict[int, Process] | None = None) -> int:
    """Resident memory of `root` and its descendants; with `home`, plus that home's Spark JVMs."""
    table = processes() if table is None else table
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, process in table.items() if process.parent in tree} - tree
        tree |= more
        grew = bool(more)
    if home is not None:
        tree |= set(spark_jvms(home, table))
    return sum(table[pid].rss_kib for pid in tree if pid in table)
