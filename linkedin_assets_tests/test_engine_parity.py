"""The two local engines compute the same lake: every silver and gold table that DuckDB
writes equals the one Spark writes from the same bronze, row by row and type by type.

The SQL under sql/ is Databricks SQL; DuckDB runs it translated (core/engine/translate.py).
The scenario is what a translation could get wrong: four profiles (one generated,
in two overlapping downloads of each layout generation, and three real ones from
../shared/realfiles/), a year-long history, one-day files, a
single-post export, a patch file and a direct edit of post_patch, and a reporting time
zone half an hour off UTC (dim_timestamp's local parts). Without the real files (they
are not in this repo) it runs on the generated ones alone. The bronze lake is built once,
then refreshed by each engine in a copy of its own.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from deltalake import DeltaTable

from linkedin_assets.core.bronze.step import run_step
from linkedin_assets.core.gold.tables import GOLD_TABLES
from linkedin_assets.core.lake.delta import DeltaLake
from linkedin_assets.core.lake.protocol import QueryFailed
from linkedin_assets.core.landing import Landing
from linkedin_assets.core.silver.tables import SILVER_TABLES
from linkedin_assets.core.sql.refresh import refresh_table
from linkedin_assets.core.sql.table import SqlTable
from linkedin_assets.samples.landing import write_sample_landing
from linkedin_assets_tests.homes import use_home
from linkedin_assets_tests.test_real_exports import ALTAF_1, ALTAF_3, REAL, SHIF_1, SHIF_3, SINGLE_POST, TESTIMONY, land

END = dt.date(2026, 10, 31)
FIRST = dt.date(2022, 1, 1)  # before the oldest real file
EDITED = "Edited directly in the table"


@pytest.fixture(scope="module")
def bronze(tmp_path_factory):
    """A home whose bronze holds the whole scenario; silver and gold not yet computed."""
    home = tmp_path_factory.mktemp("parity")
    with pytest.MonkeyPatch.context() as mp:
        settings = use_home(mp, home)
        # An offset, the spelling the engines read differently (settings.reporting_time_zone).
        mp.setenv("LINKEDIN_REPORTING_TIME_ZONE", "UTC+05:30")
        write_sample_landing(settings.landing, end=END, days=40, seed=5)
        write_sample_landing(settings.landing, end=END - dt.timedelta(days=3), days=9, seed=11, flavour="legacy")
        if REAL.is_dir():  # else the generated profiles alone (the real files are not in this repo)
            for name in (SHIF_1, SHIF_3, TESTIMONY, ALTAF_1, ALTAF_3):
                land(name, settings.volume("content_historical", "pending"))
            land(SINGLE_POST, settings.volume("posts", "pending"))
        # Bronze through the step the assets run, over all dates at once (the Dagster path
        # and its per-day bookkeeping are other tests' subject).
        landing, lake = Landing(settings.landing), DeltaLake(settings.lake)
        for kind in ("content", "post", "patch"):
            report = run_step(kind, landing, lake, FIRST, END)
            assert not report.rejected, report.rejected
        # A direct edit of post_patch (SQL, the deltalake API), as a user makes one.
        patch = DeltaTable(str(settings.table_path("bronze", "post_patch")))
        listed = set(lake.read("bronze", "top_posts").column("post_url").to_pylist())
        url = next(u for u in patch.to_pyarrow_table().column("post_url").to_pylist() if u in listed)
        patch.update(new_values={"content": EDITED}, predicate=f"post_url = '{url}'")
        yield settings


def refreshed(settings, engine: str, root) -> DeltaLake:
    """A copy of the bronze lake with every silver and gold table refreshed by `engine`."""
    shutil.copytree(settings.lake, root)
    lake = DeltaLake(root, engine=engine)
    days = pc.min_max(lake.read("bronze", "totals").column("date")).as_py()
    for table in [*SILVER_TABLES, *GOLD_TABLES]:
        refresh_table(lake, table, days["min"], days["max"])
    return lake


def sorted_rows(rows: pa.Table) -> list[dict]:
    return sorted(rows.to_pylist(), key=repr)


@pytest.mark.slow
def test_duckdb_and_spark_write_the_same_silver_and_gold(bronze, tmp_path):
    duck = refreshed(bronze, "duckdb", tmp_path / "duckdb")
    spark = refreshed(bronze, "spark", tmp_path / "spark")

    profiles = set(duck.read("silver", "totals").column("profile").to_pylist())
    assert len(profiles) == (4 if REAL.is_dir() else 1), profiles
    assert EDITED in duck.read("silver", "posts").column("content").to_pylist()
    for table in [*SILVER_TABLES, *GOLD_TABLES]:
        name = f"{table.catalog}.linkedin.{table.name}"
        ours, theirs = duck.read(table.catalog, table.name), spark.read(table.catalog, table.name)
        assert ours.num_rows > 0, f"{name} is empty: the scenario does not exercise it"
        assert ours.schema == theirs.schema, f"{name}: DuckDB's types differ from Spark's"
        assert sorted_rows(ours) == sorted_rows(theirs), f"{name}: DuckDB's rows differ from Spark's"
    # What a translation rule is for, seen in values: ISO weekdays, the local hour of a UTC+05:30 zone.
    monday = [r for r in duck.read("gold", "dim_date").to_pylist() if r["weekday_name"] == "Monday"]
    assert monday and {(r["weekday"], r["is_weekend"]) for r in monday} == {(1, False)}
    stamps = duck.read("gold", "dim_timestamp").to_pylist()
    assert stamps and all(
        r["timestamp_local"] == r["timestamp_utc"].replace(tzinfo=None) + dt.timedelta(hours=5, minutes=30)
        for r in stamps
    )


def test_a_failing_query_names_its_table_and_file_and_writes_nothing(bronze, tmp_path, monkeypatch):
    shutil.copytree(bronze.lake, tmp_path / "lake")
    lake = DeltaLake(tmp_path / "lake", engine="duckdb")
    broken = SqlTable("silver", "totals", "silver/broken", keys=["profile"], deps=[], description="")
    texts = {
        "an error of DuckDB's": "SELECT profile, no_such_column FROM bronze.linkedin.totals",
        "a translation": "SELECT FROM WHERE bronze.linkedin.totals",
    }
    for problem, text in texts.items():
        monkeypatch.setattr("linkedin_assets.core.sql.refresh.sql_text", lambda _, text=text: text)
        with pytest.raises(QueryFailed) as failed:
            refresh_table(lake, broken)
        message = str(failed.value)
        assert message.startswith("silver.linkedin.totals: its query sql/silver/broken.sql failed"), message
        assert "nothing was written" in message, message
        assert not failed.value.transient, f"{problem}: fails the same way again, so is not retried"
        assert ("no_such_column" if problem == "an error of DuckDB's" else "does not translate") in message, message
    assert not lake.exists("silver", "totals")
