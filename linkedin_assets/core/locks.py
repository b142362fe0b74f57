"""Cross-process exclusive locks (flock): `dagster dev` runs each run in its own process.

Runs may overlap (two files landing at the same moment); the locks make each ingest
list and take pending files alone, and each Delta write compare-then-commit alone.
"""

from __future__ import annotations

import contextlib
import fcntl
from pathlib import Path


@contextlib.contextmanager
def exclusive(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
