"""The warm engine's lifetime: one local Spark Connect server shared by every run, stopped
when nothing that uses it is left.

pyspark (4.3+) starts and reuses the server itself (`spark.local.connect.reuse`): a
discovery file records its port, pid and auth token (0600, in a 0700 folder), and a
client reconnects when the pid is alive and the port answers, or starts a new server
(a stale one from a crash is replaced). What pyspark leaves open is when to stop it:
its server runs until someone runs `--stop`. Here each process that uses the engine
leaves a lease naming its *owner*, the long-lived process it works for (`dagster dev`,
`linkedin-analytics run`, or itself), and a small warden process stops the server once
every owner is gone, so stopping `dagster dev` (even with kill -9) leaves no JVM behind.

A lease may linger after its owner exits (`linkedin-analytics run` keeps the engine
warm for the next run); under Dagster it does not.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

from linkedin_assets.core.settings import set_environment

# The processes an engine is kept for: the first one found walking up from a run.
DAGSTER_COMMANDS = {"dagster", "dagster-webserver", "dagster-daemon", "dg"}
CLI_COMMAND = "linkedin-analytics"
POLL_SECONDS = 1.0
SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
# A stopping server closes its Spark context first; past this it is killed.
STOP_GRACE_SECONDS = 30.0


def prepare(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    (directory / "leases").mkdir(exist_ok=True)
    return directory


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def discovery_file(directory: Path) -> Path:
    """Given to pyspark as SPARK_LOCAL_CONNECT_DISCOVERY: its server's logs land beside it."""
    return directory / "connect.json"


@contextlib.contextmanager
def _locked(path: Path, blocking: bool = True) -> Iterator[bool]:
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True


# -- processes ------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, start time) from /proc, or from ps where there is no /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[1]), fields[19]
    except FileNotFoundError:
        if Path("/proc/self").exists():
            return None
    except (OSError, IndexError, ValueError):
        return None
    try:
        out = subprocess.run(["ps", "-o", "ppid=,lstart=", "-p", str(pid)], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0 or not out.stdout.strip():
        return None
    parent, started = out.stdout.strip().split(None, 1)
    return int(parent), started


def _running(pid: int) -> bool:
    """Alive and not a zombie (an ended JVM its parent has not reaped yet)."""
    if not Path("/proc/self").exists():
        return _stat(pid) is not None
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _command(pid: int) -> list[str]:
    try:
        return [a for a in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0") if a]
    except OSError:
        pass
    try:
        out = subprocess.run(["ps", "-ww", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return []
    return out.stdout.split()


def _program(args: list[str]) -> str:
    """The command a process runs: `dagster` for `.venv/bin/python .venv/bin/dagster dev`, or `python -m dagster`."""
    names = [Path(a).name for a in args[:3]]
    if "-m" in args[:3]:
        module = args[args.index("-m") + 1] if args.index("-m") + 1 < len(args) else ""
        return {"linkedin_assets.cli": CLI_COMMAND}.get(module, module.split(".")[0])
    for name in names:
        if name in DAGSTER_COMMANDS or name == CLI_COMMAND:
            return name
    return names[0] if names else ""


def owner(pid: int | None = None) -> tuple[int, bool]:
    """(owner pid, whether it is the CLI): the outermost Dagster process above `pid`, else
    the nearest `linkedin-analytics` command, else `pid` itself.

    A run under `dagster dev` works for `dagster dev` (not for the code server, which a
    reload replaces); a test process that runs the pipeline in-process owns its engine.
    """
    pid = pid or os.getpid()
    found, cli, current, seen_dagster = pid, False, pid, False
    while current > 1:
        program = _program(_command(current))
        if program in DAGSTER_COMMANDS:
            found, cli, seen_dagster = current, False, True
        elif program == CLI_COMMAND and not seen_dagster and not cli:
            found, cli = current, True
        stat = _stat(current)
        if stat is None:
            break
        current = stat[0]
    return found, cli


def start_time(pid: int) -> str | None:
    """When `pid` started (as the system says it), to tell it from a later process given the same pid."""
    stat = _stat(pid)
    return stat[1] if stat else None


def alive(pid: int, started: str | None) -> bool:
    stat = _stat(pid)
    return stat is not None and (started is None or stat[1] == started)


# -- leases and the warden --------------------------------------------------------------


def take_lease(directory: Path, linger_seconds: float, pid: int | None = None) -> None:
    """Record that the owner of `pid` uses the engine (kept `linger_seconds` after a CLI owner exits).

    Called before the session is opened: a warden that saw no lease a moment ago has
    stopped the server under the same lock, and pyspark then starts a fresh one.
    """
    prepare(directory)
    holder, cli = owner(pid)
    stat = _stat(holder)
    lease = {"pid": holder, "started": stat[1] if stat else None, "linger": linger_seconds if cli else 0}
    with _locked(directory / "leases.lock"):
        path = directory / "leases" / str(holder)
        path.write_text(json.dumps(lease))


def ensure_warden(directory: Path) -> None:
    """Start the warden unless one holds its lock (it holds it for its whole life)."""
    with _locked(directory / "leases.lock"):
        with _locked(directory / "warden.lock", blocking=False) as free:
            if not free:
                return
        log = (directory / "warden.log").open("a")
        subprocess.Popen(
            [sys.executable, "-m", "linkedin_assets.core.engine.warm", str(directory)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # not stopped by a Ctrl-C meant for the run; it follows its owners
            close_fds=True,
        )
        log.close()
        # The warden takes its lock at once; wait so that a second caller does not start another.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with _locked(directory / "warden.lock", blocking=False) as free:
                if not free:
                    return
            time.sleep(0.05)


def live_leases(directory: Path, now: float | None = None) -> list[dict]:
    """The leases still in force; those of owners gone longer than their linger are removed."""
    now = time.time() if now is None else now
    kept = []
    for path in (directory / "leases").glob("*"):
        try:
            lease = json.loads(path.read_text())
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
            continue
        if alive(lease["pid"], lease.get("started")):
            kept.append(lease)
            continue
        gone = lease.setdefault("gone_since", now)
        if now - gone >= float(lease.get("linger") or 0):
            path.unlink(missing_ok=True)
        else:
            path.write_text(json.dumps(lease))
            kept.append(lease)
    return kept


def owners(directory: Path) -> int:
    """How many owners the engine is kept for now."""
    if not (directory / "leases").exists():
        return 0
    with _locked(directory / "leases.lock"):
        return len(live_leases(directory))


def server(directory: Path) -> dict | None:
    """The running server's pid and port (never its token), or None."""
    try:
        recorded = json.loads(discovery_file(directory).read_text())
    except (OSError, ValueError):
        return None
    if not alive(int(recorded["pid"]), None):
        return None
    return {"pid": int(recorded["pid"]), "port": int(recorded["port"])}


def engine_processes(directory: Path) -> list[int]:
    """The JVMs serving this folder's engine, found by their command line (it names the
    server class and a properties file in this folder), not by pyspark's discovery file:
    a stop that missed the server has already cleared that record."""
    if not Path("/proc/self").exists():
        recorded = server(directory)
        return [recorded["pid"]] if recorded else []
    mine = str(directory.resolve()) + os.sep
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        args = _command(int(entry.name))
        if SERVER_CLASS in args and any(a.startswith(mine) for a in args):
            found.append(int(entry.name))
    return found


def stop_server(directory: Path, grace_seconds: float = STOP_GRACE_SECONDS) -> bool | None:
    """Stop this folder's server and wait until its JVM is gone.

    pyspark's own stop signals the recorded pid only when `ps` shows it is the server, and
    clears the record either way; on a loaded machine that missed a live server (a JVM
    that outlived its owners by half an hour). So every JVM of this folder is signalled,
    then killed if it has not ended within the grace.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyspark's import-time notice about pandas 3
        from pyspark.sql.connect.local_server import stop_local_connect_server

    running = signalled = engine_processes(directory)
    set_environment("SPARK_LOCAL_CONNECT_DISCOVERY", str(discovery_file(directory)))
    stopped = stop_local_connect_server()
    for pid in running:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while running and time.monotonic() < deadline:
        time.sleep(0.2)
        running = [pid for pid in running if _running(pid)]
    for pid in running:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return True if (stopped or signalled) else stopped


def watch(directory: Path) -> None:
    """The warden: hold its lock for life, and stop the server when no lease is left."""
    handle = (directory / "warden.lock").open("a+")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return
    while True:
        time.sleep(POLL_SECONDS)
        with _locked(directory / "leases.lock"):
            if live_leases(directory):
                continue
            stop_server(directory)
            # The warden lock goes before the lease lock: a client that takes a lease next
            # finds no warden and starts one for the server it starts.
            handle.close()
            return


def stop(directory: Path) -> bool | None:
    """`linkedin-analytics engine --stop`: stop the server now and drop every lease."""
    with _locked(directory / "leases.lock"):
        for path in (directory / "leases").glob("*"):
            path.unlink(missing_ok=True)
        return stop_server(directory)


if __name__ == "__main__":
    watch(Path(sys.argv[1]))
