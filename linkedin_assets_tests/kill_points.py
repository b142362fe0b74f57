"""`linkedin-analytics run`, killed with SIGKILL at its Nth kill point (the fault-injection test).

    python -m linkedin_assets_tests.kill_points N POINTS_FILE

A kill point is a moment where work is done but not yet recorded anywhere else: just
after a Delta commit (the run has not reported it to Dagster), just after a file moved
to processed/, just after a run ended (the automation has not stored its cursor), just
after a cursor was stored. Each point passed is appended to POINTS_FILE as a line
naming it; with N = 0 nothing is killed, so a test can count the points and pick some.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from pathlib import Path

from linkedin_assets import headless
from linkedin_assets.cli import main
from linkedin_assets.core.lake.delta import DeltaLake
from linkedin_assets.core.landing import Landing

POINTS = [
    (DeltaLake, "replace_scope"),
    (DeltaLake, "replace_all"),
    (DeltaLake, "upsert"),
    (Landing, "mark_processed"),
    (headless.Headless, "execute"),
    (headless.Headless, "_store"),
]


def install(kill_at: int, points_file: Path) -> None:
    passed = 0

    def after(method):
        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            nonlocal passed
            result = method(*args, **kwargs)
            passed += 1
            with points_file.open("a") as log:
                log.write(f"{method.__qualname__}\n")
            if passed == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return result

        return wrapper

    for owner, name in POINTS:
        setattr(owner, name, after(getattr(owner, name)))


if __name__ == "__main__":
    install(int(sys.argv[1]), Path(sys.argv[2]))
    sys.exit(main(["run"]))
