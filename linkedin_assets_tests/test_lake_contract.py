"""One lake interface, two lakes: the steps call only what `Lake` declares, and both lakes have it.

`DeltaLake` is exercised for real; `UnityCatalogLake` needs a cluster's Spark with Delta
(open-source Spark here has none), so it is held to the interface by its signatures,
and the steps are run through a lake that offers nothing but the interface.
"""

from __future__ import annotations

import datetime as dt
import inspect

import pytest

from linkedin_assets.core.bronze.ingest import ingest_content, ingest_patches
from linkedin_assets.core.lake.delta import DeltaLake
from linkedin_assets.core.lake.protocol import Lake, ReadableLake
from linkedin_assets.core.lake.unity import UnityCatalogLake
from linkedin_assets.core.landing import Landing
from linkedin_assets.defs.databricks.warehouse_lake import WarehouseLake
from linkedin_assets.samples.profile import build_profile
from linkedin_assets.samples.writer import write_content_export, write_patch_file

DAY = dt.date(2026, 10, 31)


def members(protocol) -> dict[str, inspect.Signature]:
    own = {name for name in vars(protocol) if not name.startswith("_")}
    inherited = {name for base in protocol.__mro__[1:] if base.__name__.endswith("Lake") for name in vars(base)}
    return {
        name: inspect.signature(getattr(protocol, name))
        for name in sorted(own | {n for n in inherited if not n.startswith("_")})
    }


@pytest.mark.parametrize(
    ("implementation", "protocol"),
    [(DeltaLake, Lake), (UnityCatalogLake, Lake), (WarehouseLake, ReadableLake)],
)
def test_every_lake_implements_its_interface(implementation, protocol):
    declared = members(protocol)
    assert declared, protocol
    for name, signature in declared.items():
        found = getattr(implementation, name, None)
        assert callable(found), f"{implementation.__name__} has no {name}()"
        assert list(inspect.signature(found).parameters) == list(signature.parameters), (
            f"{implementation.__name__}.{name}{inspect.signature(found)} differs from {protocol.__name__}.{name}{signature}"
        )


class InterfaceOnly:
    """A lake that answers only what `Lake` declares: anything else a step asks for fails."""

    def __init__(self, lake: Lake):
        self._lake = lake
        self.calls: list[str] = []

    def __getattr__(self, name: str):
        if name not in members(Lake):
            raise AttributeError(f"{name!r} is not part of the Lake interface")
        self.calls.append(name)
        return getattr(self._lake, name)


def test_bronze_steps_need_nothing_beyond_the_interface(tmp_path):
    """A Content file, then a patch for one of its posts: on Unity Catalog the patch step
    once asked the lake for a local path it does not have."""
    profile = build_profile(end=DAY, days=3, seed=11)
    landing = Landing(tmp_path / "landing")
    landing.ensure()
    lake = InterfaceOnly(DeltaLake(tmp_path / "lake"))
    write_content_export(profile, landing.folder("content_daily", "pending"), DAY, DAY)
    assert not ingest_content(landing, lake, DAY, DAY).rejected
    url = profile.top_posts(DAY, DAY, "impressions")[0][0]
    write_patch_file([{"post_url": url, "title": "Patched"}], landing.folder("patch", "pending") / "fix.csv")

    report = ingest_patches(landing, lake)

    assert not report.rejected and report.processed == ["patch/fix.csv"]
    [row] = DeltaLake(tmp_path / "lake").read("bronze", "post_patch").to_pylist()
    assert (row["post_url"], row["title"]) == (url, "Patched")
    assert "read" in lake.calls


class PandasOnlyFrame:
    """A Spark 3.5 DataFrame, as far as `to_arrow` can tell: no toArrow, only toPandas."""

    def __init__(self, frame):
        self._frame = frame
        self.schema = frame.schema
        self.sparkSession = frame.sparkSession

    def toPandas(self):
        return self._frame.toPandas()


@pytest.mark.slow
def test_unity_rows_read_through_pandas_keep_their_types():
    """Timestamps keep UTC and nullable counts stay integers, so unchanged rows compare as unchanged."""
    import pyarrow as pa

    from linkedin_assets.core.engine.spark import spark_session
    from linkedin_assets.core.lake.unity import to_arrow

    spark = spark_session()
    spark.conf.set("spark.sql.session.timeZone", "Europe/Paris")  # pandas would show local wall times
    try:
        frame = spark.sql(
            "SELECT 'a' AS post_url, CAST(NULL AS BIGINT) AS saves, CAST(7 AS BIGINT) AS impressions, "
            "TIMESTAMP '2026-10-31 09:30:00 UTC' AS source_file_timestamp, DATE '2026-10-31' AS as_of_date, "
            "TIMESTAMP_NTZ '2026-10-31 06:54:00' AS post_publish_time"
        )
        expected = frame.toArrow()

        got = to_arrow(PandasOnlyFrame(frame))
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")

    assert got.schema.field("saves").type == pa.int64() and got.schema.field("impressions").type == pa.int64()
    assert got.schema.field("source_file_timestamp").type == pa.timestamp("us", tz="UTC")
    assert got.to_pylist() == expected.to_pylist()
    assert got.column("source_file_timestamp")[0].as_py() == dt.datetime(2026, 10, 31, 9, 30, tzinfo=dt.timezone.utc)
