"""Processes a test session started and left behind, found and stopped when it ends.

Every process the suite starts (a CLI run, `dagster dev` with its daemon, webserver and
code server, a Spark JVM, a warden, the upload page, an SMTP or stand-in server)
inherits the session's mark from the environment, detached ones too. When the session
ends, passed or failed, whatever still carries the mark is stopped: SIGTERM, then
SIGKILL for what is still there after a grace period.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from pathlib import Path

MARK = "LINKEDIN_TEST_SESSION"


def mark_session() -> str:
    """Set the mark that every process started from here on inherits (a parent suite's kept)."""
    return os.environ.setdefault(MARK, uuid.uuid4().hex)


def marked(value: str) -> dict[int, str]:
    """pid -> command line of every other process carrying the mark."""
    wanted = f"{MARK}={value}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if wanted in (entry / "environ").read_bytes().split(b"\0"):
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                if command:  # a zombie has none, and nothing to stop
                    found[int(entry.name)] = command
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def stop_leftovers(value: str, grace: float = 10.0) -> dict[int, str]:
    """Stop every marked process; what was found (pid -> command line)."""
    found = marked(value)
    for pid in found:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and marked(value):
        time.sleep(0.2)
    for pid in marked(value):
        _signal(pid, signal.SIGKILL)
    return found


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(OSError):  # ended meanwhile
        os.kill(pid, sig)
