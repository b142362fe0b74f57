"""Backfills by date rebuild partitions from the files kept in processed/ (a user who
fixed a parser rebuilds a year without downloading anything again)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from deltalake import DeltaTable

from linkedin_assets.cli import run_pending
from linkedin_assets.core.lake.delta import DeltaLake
from linkedin_assets.core.project_files import REPO_ROOT
from linkedin_assets.samples.profile import build_profile
from linkedin_assets.samples.writer import write_content_export

END = dt.date(2026, 10, 31)
CONTENT_KEYS = ",".join(
    f"bronze/linkedin/{t}" for t in ("totals", "followers", "follower_totals", "discovery", "top_posts", "demographics")
)


@pytest.mark.slow
def test_cli_backfill_of_a_date_range_rebuilds_from_processed_files(settings):
    profile = build_profile(END, 30, seed=8)
    first = END - dt.timedelta(days=29)
    write_content_export(profile, settings.volume("content_historical"), first, END)
    assert run_pending(settings).ok
    truth = {d: t.impressions for d, t in profile.days.items()}
    # Damage a week of bronze rows, as a parser bug would have.
    broken_from, broken_to = END - dt.timedelta(days=10), END - dt.timedelta(days=4)
    DeltaTable(str(settings.table_path("bronze", "totals"))).update(
        {"impressions": "0"}, predicate=f"date >= '{broken_from}' AND date <= '{broken_to}'"
    )
    assert nothing_pending(settings)

    dagster = Path(sys.executable).with_name("dagster")
    done = subprocess.run(
        [
            str(dagster),
            "asset",
            "materialize",
            "-m",
            "linkedin_assets.definitions",
            "--select",
            CONTENT_KEYS,
            "--partition-range",
            f"{broken_from}...{broken_to}",
        ],
        cwd=REPO_ROOT,
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    bronze = {r["date"]: r["impressions"] for r in DeltaLake(settings.lake).read("bronze", "totals").to_pylist()}
    assert bronze == truth
    # The automation then carries the rebuilt days through silver and gold.
    assert run_pending(settings).ok
    gold = DeltaLake(settings.lake).read("gold", "fct_daily_profile_statistics").to_pylist()
    assert {r["analytics_date"]: r["impressions"] for r in gold} == truth


def nothing_pending(settings) -> bool:
    return not any(any(settings.volume(v).iterdir()) for v in ("content_daily", "content_historical"))
