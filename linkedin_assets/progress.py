"""What `linkedin-analytics run` shows while it works: each run, which file it is for (`2 of
5`), and each of its steps as it ends.

The steps are read from the run's own event log (`DagsterInstance.all_logs`, polled from a
thread while the run executes in the main one), so the display shows what the UI's run
page shows, from Dagster's record, not from hooks in the assets. On a terminal it is a
`rich` live display that redraws in place, with the time left; otherwise (CI, a log) one
plain line per step.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

import dagster as dg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from sqlalchemy.exc import SQLAlchemyError

STEP_ENDS = {
    dg.DagsterEventType.STEP_SUCCESS: "done",
    dg.DagsterEventType.STEP_FAILURE: "FAILED",
    dg.DagsterEventType.STEP_SKIPPED: "skipped (nothing new upstream)",
}
POLL_SECONDS = 0.25
LOG = logging.getLogger("linkedin_assets")


class Display:
    """Where progress goes: nowhere (`--quiet`), plain lines, or a live display on a terminal."""

    def __init__(self, quiet: bool = False, stream: TextIO | None = None):
        self.stream = stream or sys.stdout
        self.quiet = quiet
        self.live = not quiet and self.stream.isatty()
        self.files_total = 0
        self.files_done = 0
        self._progress: Progress | None = None

    def line(self, text: str) -> None:
        if self.quiet:
            return
        if self._progress is not None:
            self._progress.console.print(text, highlight=False, markup=False)
        else:
            print(text, file=self.stream, flush=True)

    @contextmanager
    def session(self) -> Iterator[Display]:
        """The live display's lifetime: it is cleared before the summary is printed."""
        if not self.live:
            yield self
            return
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=Console(file=self.stream),
            transient=True,
        )
        with self._progress:
            try:
                yield self
            finally:
                progress, self._progress = self._progress, None
                progress.stop()

    def label(self, what: str, is_file: bool) -> str:
        if is_file:
            self.files_done += 1
            return f"{what} ({self.files_done} of {max(self.files_total, self.files_done)})"
        return what

    @contextmanager
    def run(self, instance: dg.DagsterInstance, run_id: str, label: str, steps: int) -> Iterator[None]:
        """Follow run `run_id` while the body executes it: a line (or a bar) per step that ends."""
        if self.quiet:
            yield
            return
        self.line(f"{label}: {steps} step{'s' if steps != 1 else ''}")
        task = self._progress.add_task(label, total=steps) if self._progress is not None else None
        stop = threading.Event()
        cursor: list[str | None] = [None]

        def report() -> None:
            if not instance.has_run(run_id):  # not created yet (or never: it failed to start)
                return
            found = instance.get_records_for_run(run_id, cursor=cursor[0], of_type=set(STEP_ENDS))
            cursor[0] = found.cursor
            for record in found.records:
                event = record.event_log_entry
                if event.dagster_event is None:
                    continue
                step = (event.step_key or "").replace("__", ".")  # the op of silver.linkedin.totals
                self.line(f"  {step}: {_outcome(event.dagster_event)}")
                if task is not None and self._progress is not None:
                    self._progress.update(task, advance=1, description=f"{label}: {step}")

        def follow() -> None:
            while not stop.wait(POLL_SECONDS):
                if not shown_safely(report):
                    return

        follower = threading.Thread(target=follow, daemon=True, name="linkedin-progress")
        started = time.monotonic()
        follower.start()
        try:
            yield
        finally:
            stop.set()
            follower.join()
            shown_safely(report)  # what ended after the last poll
            if task is not None and self._progress is not None:
                self._progress.remove_task(task)
            self.line(f"  ended in {time.monotonic() - started:.1f} s")


def shown_safely(show: Callable[[], None]) -> bool:
    """Whether `show` worked. The display must never fail the run it follows, nor the
    runs after it: a closed pipe (`| head`) or a storage error ends the display, not the work."""
    try:
        show()
    except (OSError, ValueError, dg.DagsterError, SQLAlchemyError) as exc:
        LOG.warning("progress display stopped: %s", exc)
        return False
    return True


def _outcome(event: dg.DagsterEvent) -> str:
    """How a step ended, in a few words. A refused file says where it went; its reason is
    the summary's (one line per refused file)."""
    failure = event.step_failure_data if event.is_step_failure else None
    user = failure.user_failure_data if failure is not None else None
    rejected = (user.metadata or {}).get("rejected") if user is not None else None
    if rejected is not None:
        names = ", ".join(sorted(rejected.value or {}))  # type: ignore[arg-type]  # file -> reason, as JSON
        return f"refused {names} -> errors/ (why: below)"
    return STEP_ENDS[event.event_type]
