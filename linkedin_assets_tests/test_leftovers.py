"""What a test leaves running is stopped when the session ends (conftest.py), even a
detached process that ignores SIGTERM; processes of another session are left alone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

from linkedin_assets_tests.leftovers import MARK, marked, stop_leftovers

SLEEPER = "import signal, sys, time; {ignore}; print('up', flush=True); time.sleep(120)"


def _start(mark: str, ignore_sigterm: bool) -> subprocess.Popen:
    ignore = "signal.signal(signal.SIGTERM, signal.SIG_IGN)" if ignore_sigterm else "pass"
    child = subprocess.Popen(
        [sys.executable, "-c", SLEEPER.format(ignore=ignore)],
        env={**os.environ, MARK: mark},
        stdout=subprocess.PIPE,
        start_new_session=True,  # detached, as a warm engine or dagster dev's daemon is
    )
    assert child.stdout is not None and child.stdout.readline() == b"up\n"
    return child


def test_leftovers_are_stopped_and_others_left_alone():
    mine, theirs = uuid.uuid4().hex, uuid.uuid4().hex
    polite, stubborn, other = _start(mine, False), _start(mine, True), _start(theirs, False)
    try:
        assert set(marked(mine)) == {polite.pid, stubborn.pid}
        started = time.monotonic()
        assert set(stop_leftovers(mine, grace=1.0)) == {polite.pid, stubborn.pid}
        assert polite.wait(timeout=5) == -15 and stubborn.wait(timeout=5) == -9
        assert time.monotonic() - started < 10
        assert other.poll() is None and marked(mine) == {}
    finally:
        for child in (polite, stubborn, other):
            child.kill()
            child.wait()
