"""SIGTERM kept deliverable, in processes started in the background.

A process started in the background by a shell script (`linkedin-analytics run &`, a CI
job) begins with SIGINT ignored. Dagster's interrupt capture around an in-process run
ends by pointing SIGTERM at SIGINT's handler, so SIGTERM is then ignored too, and every
process started afterwards inherits that: a step's log tail, which Dagster stops with
SIGTERM and then waits up to 30 s for, and the engine's JVM, which never installs its
shutdown handler when born ignoring SIGTERM and so only ends on SIGKILL.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


def _on_main_thread() -> bool:
    # Python changes signal dispositions only from the main thread.
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def sigterm_kept() -> Iterator[None]:
    """Whatever the code inside does to SIGTERM, it is as it was afterwards."""
    if not _on_main_thread():
        yield
        return
    before = signal.getsignal(signal.SIGTERM)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGTERM) is not before and before is not None:
            signal.signal(signal.SIGTERM, before)


@contextlib.contextmanager
def children_stop_on_sigterm() -> Iterator[None]:
    """Processes started inside begin with SIGTERM at its default, even where this one ignores it."""
    if not _on_main_thread() or signal.getsignal(signal.SIGTERM) is not signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
