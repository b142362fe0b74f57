"""`make bench`: wall time and peak memory of `linkedin-analytics run` on generated exports,
on both local engines side by side (DuckDB, the default, and Spark), then the same events
under `dagster dev` (bench/dev.py).

Not a test: it measures. Each scenario runs the real CLI in a fresh process with its
own LINKEDIN_HOME, so every fixed cost (Python, Dagster, Spark's start) is included, and
the daily event is set beside its floor: the bronze step alone, measured in the same run.

`python -m bench headless` runs only the CLI tables, `python -m bench dev` only dagster dev,
`python -m bench agency` only the many-profiles table (bench/agency.py).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.common import END, ENGINE, run_cli


def _assets(summary: str) -> str:
    found = re.search(r"materialized: (\d+) asset\(s\), (\d+) asset partition", summary)
    return f"{found.group(1)} ({found.group(2)} partitions)" if found else "0"


ENGINES = ("duckdb", "spark")  # LINKEDIN_ENGINE: the default, and the Databricks engine on this machine


def events(base: dict[str, str]) -> list[tuple[str, float, float, str, int, float | None]]:
    """Per event type on a 30-day lake: (event, seconds from landing to refreshed dashboard,
    peak MiB, assets run, exit code, the floor's seconds for the daily file)."""
    from deltalake import DeltaTable

    from linkedin_assets.samples.profile import build_profile
    from linkedin_assets.samples.writer import write_content_export, write_patch_file, write_post_export

    profile = build_profile(END, 90, seed=11)
    day = dt.timedelta(days=1)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-events-") as tmp:
        home = Path(tmp)
        landing = home / "landing"

        def pending(volume: str) -> Path:
            folder = landing / volume / "pending"
            folder.mkdir(parents=True, exist_ok=True)
            return folder

        write_content_export(profile, pending("content_historical"), END - 30 * day, END - 2 * day)
        write_content_export(profile, pending("content_daily"), END - day, END - day)
        write_post_export(profile, profile.posts[-2].url, END - day, pending("posts"))
        run_cli(home, "run", base=base)
        steps = [
            ("daily file", lambda: write_content_export(profile, pending("content_daily"), END, END)),
            ("replay of the daily file", lambda: _rerun_processed_day(home)),
            (
                "historical file (59 days)",
                lambda: write_content_export(profile, pending("content_historical"), END - 89 * day, END - 31 * day),
            ),
            ("post file", lambda: write_post_export(profile, profile.posts[-1].url, END, pending("posts"))),
            (
                "patch file",
                lambda: write_patch_file(
                    [{"post_url": profile.posts[-1].url, "title": "Patched"}], pending("patch") / "fix.csv"
                ),
            ),
            (
                "direct edit of post_patch",
                lambda: DeltaTable(str(home / "lake" / "bronze" / "linkedin" / "post_patch")).update(
                    {"title": "'Edited'"}
                ),
            ),
            ("nothing new", lambda: None),
        ]
        for name, act in steps:
            act()
            floor = _floor(home, END) if name == "daily file" else None
            wall, peak, code, summary = run_cli(home, "run", base=base)
            rows.append((name, wall, peak, _assets(summary), code, floor))
    return rows


def _floor(home: Path, day: dt.date) -> float:
    """What the daily file costs at least: parsing it and committing its sheets to the six
    bronze Delta tables (the bronze step alone, in this already-warm process), on a copy."""
    from linkedin_assets.core.bronze.step import run_step
    from linkedin_assets.core.lake.delta import DeltaLake
    from linkedin_assets.core.landing import Landing

    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        copy = Path(tmp)
        shutil.copytree(home / "lake", copy / "lake")
        shutil.copytree(home / "landing", copy / "landing")
        started = time.perf_counter()
        report = run_step("content", Landing(copy / "landing"), DeltaLake(copy / "lake"), day, day)
        took = time.perf_counter() - started
    assert report.materialized and not report.rejected, "the floor's ingest wrote nothing"
    return took


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


def _runs(base: dict[str, str]) -> list[tuple[str, float, float, int]]:
    rows = []
    for days in (1, 30, 365):
        with tempfile.TemporaryDirectory(prefix=f"bench{days}-") as tmp:
            home = Path(tmp)
            files = _landing(days, home)
            wall, peak, code, _ = run_cli(home, "run", base=base)
            rows.append((f"run, {days} day(s), {files} files", wall, peak, code))
            _rerun_processed_day(home)
            wall, peak, code, _ = run_cli(home, "run", base=base)
            rows.append((f"re-run a processed day ({days}-day lake)", wall, peak, code))
    return rows


def headless() -> bool:
    """Both engines, one after the other on the same machine, printed side by side."""
    from linkedin_assets.core.engine import warm

    load_start = os.getloadavg()
    runs, event_rows = {}, {}
    for engine in ENGINES:
        # Spark's first run starts the bench's own warm engine: its row includes Spark's start.
        warm.stop(warm.prepare(ENGINE))
        base = {**os.environ, "LINKEDIN_ENGINE": engine, "LINKEDIN_ENGINE_DIR": str(ENGINE)}
        runs[engine], event_rows[engine] = _runs(base), events(base)
        warm.stop(ENGINE)
    load_end = os.getloadavg()

    print("headless `linkedin-analytics run`, a fresh process per row; peak MiB: its process tree")
    print("(with Spark, the warm engine's JVM too; its first row starts that engine)")
    print(f"{'scenario':<44} " + " ".join(f"{e + ' s':>9} {e + ' MiB':>11}" for e in ENGINES))
    for index, (name, *_) in enumerate(runs[ENGINES[0]]):
        cells = []
        for engine in ENGINES:
            _, wall, peak, code = runs[engine][index]
            cells.append(f"{wall:>9.1f} {peak:>11.0f}" + ("" if code == 0 else f" (exit {code})"))
        print(f"{name:<44} " + " ".join(cells))
    print()
    print("events on a 30-day lake, landing -> refreshed dashboard, seconds (x the floor)")
    print(f"{'event':<28} " + " ".join(f"{e + ' s':>16} {e + ' MiB':>11}" for e in ENGINES) + "  assets materialized")
    floors = {engine: next(r[5] for r in event_rows[engine] if r[5] is not None) for engine in ENGINES}
    for index, (name, *_) in enumerate(event_rows[ENGINES[0]]):
        cells = []
        for engine in ENGINES:
            _, wall, peak, _assets_run, code, _ = event_rows[engine][index]
            cells.append(
                f"{wall:>7.2f} ({wall / floors[engine]:>5.1f}x) {peak:>11.0f}" + ("" if code == 0 else " (exit)")
            )
        print(f"{name:<28} " + " ".join(cells) + f"  {event_rows[ENGINES[0]][index][3]}")
    print(
        "floor (parse the daily file + commit its six bronze tables, in process): "
        + ", ".join(f"{floors[e]:.2f} s beside {e}" for e in ENGINES)
    )
    print(f"load average (1, 5, 15 min): start {_load(load_start)}; end {_load(load_end)}")
    ran = all(row[-1] == 0 for rows in runs.values() for row in rows)
    return ran and all(row[4] == 0 for rows in event_rows.values() for row in rows)


def _load(average: tuple[float, float, float]) -> str:
    return ", ".join(f"{x:.2f}" for x in average)


def main(argv: list[str] | None = None) -> int:
    parts = (sys.argv[1:] if argv is None else argv) or ["headless", "agency", "dev"]
    unknown = set(parts) - {"headless", "agency", "dev"}
    if unknown:
        print(f"usage: python -m bench [headless | agency | dev]; not {' '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    ok = True
    if "headless" in parts:
        ok = headless() and ok
    if "agency" in parts:
        from bench.agency import agency

        if "headless" in parts:
            print()
        ok = agency() and ok
    if "dev" in parts:
        from bench.dev import main_dev

        if "headless" in parts or "agency" in parts:
            print()
        ok = all(row.ok for row in main_dev()) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
