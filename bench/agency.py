"""`python -m bench agency`: how a run's cost grows with the profiles one LINKEDIN_HOME holds.

An agency's lake: N generated profiles, each with a year of history (one historical
Content export of 364 days) and, after the first run, one profile's new daily file.
For each N the table gives the first run (every profile's year), the daily event (one
profile's day in a lake of N) and the gold rows, on the bench's warm engine, so the
growth with N is the pipeline's and not Spark's start.

`LINKEDIN_BENCH_PROFILES` (default `1,10`; `1,10,50` for the issue's agency, about 40 minutes) and `LINKEDIN_BENCH_DAYS` (default 365)
size it.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from bench.common import END, ENGINE, run_cli

DAY = dt.timedelta(days=1)


def _sizes() -> tuple[list[int], int]:
    profiles = [int(n) for n in os.environ.get("LINKEDIN_BENCH_PROFILES", "1,10").split(",") if n.strip()]
    return profiles, int(os.environ.get("LINKEDIN_BENCH_DAYS", "365"))


def _agency(count: int, days: int, home: Path) -> list:
    """`count` profiles' year of history in `home`'s landing folder; the profiles."""
    from linkedin_assets.samples.profile import build_profile
    from linkedin_assets.samples.writer import write_content_export

    historical = home / "landing" / "content_historical" / "pending"
    historical.mkdir(parents=True, exist_ok=True)
    team = [build_profile(END, days, seed=100 + i, name=f"Creator {i + 1:02d}") for i in range(count)]
    for person in team:
        write_content_export(person, historical, END - (days - 1) * DAY, END - DAY, flavour="2026")
    return team


def _gold_rows(home: Path) -> int:
    from linkedin_assets.core.lake.delta import DeltaLake

    found = DeltaLake(home / "lake").read("gold", "fct_daily_profile_statistics")
    return found.num_rows if found is not None else 0


def agency() -> bool:
    from linkedin_assets.core.engine import warm
    from linkedin_assets.samples.writer import write_content_export

    counts, days = _sizes()
    warm.stop(warm.prepare(ENGINE))
    base = {**os.environ, "LINKEDIN_ENGINE_DIR": str(ENGINE)}
    print(
        f"{'agency: profiles x days':<26} {'first run s':>11} {'s per 1k days':>13} {'one daily s':>11} "
        f"{'peak MiB':>9} {'gold rows':>9} {'exit':>5}",
        flush=True,
    )
    ok = True
    for count in counts:
        with tempfile.TemporaryDirectory(prefix=f"bench-agency{count}-") as tmp:
            home = Path(tmp)
            team = _agency(count, days, home)
            first, peak, code, _ = run_cli(home, "run", base=base)
            daily = home / "landing" / "content_daily" / "pending"
            daily.mkdir(parents=True, exist_ok=True)
            write_content_export(team[-1], daily, END, END, flavour="2026")
            event, event_peak, event_code, _ = run_cli(home, "run", base=base)
            gold = _gold_rows(home)
        # A row as soon as it is measured: the largest agency takes a while.
        print(
            f"{f'{count} x {days}':<26} {first:>11.1f} {1000 * first / (count * days):>13.2f} {event:>11.1f} "
            f"{max(peak, event_peak):>9.0f} {gold:>9} {code or event_code:>5}",
            flush=True,
        )
        # Every profile's history, and the one profile's new day: a row each, none lost.
        ok = ok and not (code or event_code) and gold == count * (days - 1) + 1
    warm.stop(ENGINE)
    return ok
