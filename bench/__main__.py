"""`make bench`: wall time and peak memory of `linkedin-analytics run` on generated exports,
then the same events under `dagster dev` (bench/dev.py).

Not a test: it measures. Each scenario runs the real CLI in a fresh process with its
own LINKEDIN_HOME, so Spark start-up and every fixed cost are included.

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
from pathlib import Path

from bench.common import END, ENGINE, run_cli


def _assets(summary: str) -> str:
    found = re.search(r"materialized: (\d+) asset\(s\), (\d+) asset partition", summary)
    return f"{found.group(1)} ({found.group(2)} partitions)" if found else "0"


def events() -> list[tuple[str, float, str, int]]:
    """Per event type on a 30-day lake: time from landing to refreshed dashboard, assets run."""
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
        run_cli(home, "run")
        steps = [
            ("daily file", lambda: write_content_export(profile, pending("content_daily"), END, END)),
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
            wall, _, code, summary = run_cli(home, "run")
            rows.append((name, wall, _assets(summary), code))
    return rows


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


def headless() -> bool:
    from linkedin_assets.core.engine import warm

    load_start = os.getloadavg()
    warm.stop(warm.prepare(ENGINE))  # the first run starts it: its row includes Spark's start
    os.environ["LINKEDIN_ENGINE_DIR"] = str(ENGINE)
    rows = []
    for days in (1, 30, 365):
        with tempfile.TemporaryDirectory(prefix=f"bench{days}-") as tmp:
            home = Path(tmp)
            files = _landing(days, home)
            wall, peak, code, _ = run_cli(home, "run")
            rows.append((f"run, {days} day(s), {files} files", wall, peak, code))
            _rerun_processed_day(home)
            wall, peak, code, _ = run_cli(home, "run")
            rows.append((f"re-run a processed day ({days}-day lake)", wall, peak, code))
    rows[0] = (rows[0][0] + " (starts the engine)", *rows[0][1:])
    print(f"{'scenario (later runs: warm engine)':<44} {'wall s':>8} {'peak MiB':>9} {'exit':>5}")
    for name, wall, peak, code in rows:
        print(f"{name:<44} {wall:>8.1f} {peak:>9.0f} {code:>5}")
    print()
    event_rows = events()
    print(f"{'event (headless run, 30-day lake)':<34} {'landing -> dashboard s':>22}  assets materialized")
    for name, wall, assets, code in event_rows:
        print(f"{name:<34} {wall:>22.1f}  {assets}{'' if code == 0 else f'  (exit {code})'}")
    print(f"load average (1, 5, 15 min): start {_load(load_start)}; end {_load(os.getloadavg())}")
    warm.stop(ENGINE)
    return all(r[-1] == 0 for r in [*rows, *event_rows])


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
