"""UnityCatalogLake (lake/unity.py) on the stand-in's Unity Catalog session (standin_unity.py).

Each write is Databricks SQL the session parses with sqlglot and carries out with
delta-rs: the tables it leaves must be the ones the local `DeltaLake` leaves for the
same writes, with the same row counts reported.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from linkedin_assets.core.lake.delta import OLDER_ROWS, DeltaLake
from linkedin_assets.core.lake.protocol import DateScope
from linkedin_assets.core.lake.unity import UnityCatalogLake
from linkedin_assets_tests.databricks_standin import DatabricksStandIn
from linkedin_assets_tests.standin_unity import UnitySession, UnitySqlError

pytestmark = pytest.mark.slow  # the stand-in's Unity Catalog session (local Spark)

SCHEMA = pa.schema(
    [
        pa.field("day", pa.date32()),
        pa.field("post", pa.string()),
        pa.field("views", pa.int64()),
        pa.field("at", pa.timestamp("us", tz="UTC")),
    ]
)


def rows(*items) -> pa.Table:
    at = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)
    return pa.Table.from_pylist(
        [{"day": dt.date(2026, 10, d), "post": p, "views": v, "at": at} for d, p, v in items], schema=SCHEMA
    )


def ordered(table: pa.Table) -> list[dict]:
    return sorted(table.to_pylist(), key=lambda r: (r["day"], r["post"]))


@pytest.fixture
def lakes(databricks_standin: DatabricksStandIn, tmp_path):
    session = UnitySession(databricks_standin)
    return UnityCatalogLake(session), DeltaLake(tmp_path / "reference"), session


def test_writes_through_unity_sql_equal_the_local_lake(lakes):
    unity, local, session = lakes
    scope = DateScope("day", dt.date(2026, 10, 1), dt.date(2026, 10, 2))
    steps = [
        lambda lake: lake.replace_scope(
            "bronze", "t", rows((1, "a", 1), (2, "b", 2), (3, "c", 3)), ["day", "post"], scope
        ),
        lambda lake: lake.replace_scope("bronze", "t", rows((1, "a", 1), (2, "b", 2)), ["day", "post"], scope),
        lambda lake: lake.replace_scope("bronze", "t", rows((1, "a", 5), (2, "d", 4)), ["day", "post"], scope),
        lambda lake: lake.upsert("silver", "u", rows((1, "a", 1), (2, "b", 2)), "post", ["views"]),
        lambda lake: lake.upsert("silver", "u", rows((1, "a", None), (3, "c", 3), (2, "b", 7)), "post", ["views"]),
        lambda lake: lake.replace_all("gold", "g", rows((1, "a", 1)), ["post"]),
        lambda lake: lake.replace_all("gold", "g", rows((2, "b", 2), (3, "c", 3)), ["post"]),
    ]
    for step in steps:
        got, want = step(unity), step(local)
        assert (got.changed, got.inserted, got.updated, got.deleted) == (
            want.changed,
            want.inserted,
            want.updated,
            want.deleted,
        )
    for catalog, table in (("bronze", "t"), ("silver", "u"), ("gold", "g")):
        assert ordered(unity.read(catalog, table)) == ordered(local.read(catalog, table)), table
        assert unity.version(catalog, table) == local.version(catalog, table)
    # The 3 January row was outside the scope: kept; the other days are exactly the last rows given.
    assert [(r["day"].day, r["post"], r["views"]) for r in ordered(unity.read("bronze", "t"))] == [
        (1, "a", 5),
        (2, "d", 4),
        (3, "c", 3),
    ]
    merges = [s for s in session.statements if s.startswith("MERGE INTO")]
    assert len(merges) == 4 and any("WHEN NOT MATCHED BY SOURCE" in s for s in merges)
    query = unity.query("SELECT COUNT(*) AS n FROM bronze.linkedin.t WHERE day >= :start", {"start": "2026-10-02"})
    assert query.to_pylist() == [{"n": 2}]


def test_a_column_added_later_gets_its_value_for_older_rows(lakes):
    unity, _, session = lakes
    unity.ensure("bronze", "t", SCHEMA)
    unity.replace_all("bronze", "t", rows((1, "a", 1)), ["post"])
    field = pa.field("kind", pa.string(), metadata={OLDER_ROWS: b"audience"})
    unity.ensure("bronze", "t", SCHEMA.append(field))
    assert [r["kind"] for r in unity.read("bronze", "t").to_pylist()] == ["audience"]
    assert any(s.startswith("ALTER TABLE bronze.linkedin.t ADD COLUMNS") for s in session.statements)


def test_a_statement_that_is_not_databricks_sql_fails(lakes):
    _, _, session = lakes
    with pytest.raises(UnitySqlError, match="not Databricks SQL"):
        session.sql("MERGE INTO bronze.linkedin.t t USING v s ON t.a = s.a WHEN MATCHED THEN UPSERT *")
    with pytest.raises(UnitySqlError, match="TABLE_OR_VIEW_NOT_FOUND"):
        session.sql("MERGE INTO bronze.linkedin.t t USING v s ON t.a = s.a WHEN MATCHED THEN UPDATE SET *")
    with pytest.raises(UnitySqlError, match="SCHEMA_NOT_FOUND"):
        session.catalog.tableExists("bronze.other.t")
