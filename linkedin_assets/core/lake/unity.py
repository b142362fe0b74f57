"""Unity Catalog tables through the notebook's Spark session: the lake of the Databricks notebooks.

It implements `Lake` (lake/protocol.py), as `DeltaLake` does, so the bronze ingest
and the silver refresh run unchanged on a cluster. Writes are Delta `MERGE INTO` statements on the UC tables, one commit
each; a write that would change nothing is skipped the same way as locally (the
comparison is shared with `DeltaLake`), so re-ingesting leaves the version alone.
Concurrent writers rely on Delta's optimistic concurrency instead of file locks.
"""

from __future__ import annotations

import contextlib
import uuid

import pyarrow as pa

from linkedin_assets.core.lake.delta import any_differs, changed_rows, same_rows, value_for_older_rows
from linkedin_assets.core.lake.protocol import DateScope, WriteResult
from linkedin_assets.core.sql.text import TABLE_NAME

LAYERS = ("bronze", "silver", "gold")


def spark_type(kind: pa.DataType) -> str:
    """The Spark SQL type of an Arrow type the project's tables use."""
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "STRING"
    if pa.types.is_boolean(kind):
        return "BOOLEAN"
    if pa.types.is_int8(kind) or pa.types.is_int16(kind) or pa.types.is_int32(kind):
        return "INT"
    if pa.types.is_integer(kind):
        return "BIGINT"
    if pa.types.is_floating(kind):
        return "DOUBLE"
    if pa.types.is_date(kind):
        return "DATE"
    if pa.types.is_timestamp(kind):
        return "TIMESTAMP" if kind.tz else "TIMESTAMP_NTZ"
    if pa.types.is_decimal(kind):
        return f"DECIMAL({kind.precision},{kind.scale})"
    raise TypeError(f"no Spark type for Arrow {kind}")


# Spark type name -> the Arrow type the project's tables use (spark_type, inverted).
_ARROW_TYPES = {
    "string": pa.string(),
    "boolean": pa.bool_(),
    "integer": pa.int32(),
    "long": pa.int64(),
    "double": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "timestamp_ntz": pa.timestamp("us"),
}


def to_arrow(frame) -> pa.Table:
    """A Spark DataFrame as Arrow, typed as the table is (`toArrow` exists from Spark 4).

    Through pandas (Spark 3.5 environments), TIMESTAMP columns come back without their
    zone (in the session's) and nullable integers as floats: unchanged rows would then
    compare as changed, and every run would commit. So the Arrow schema is rebuilt from
    the frame's Spark schema, and the timestamps are put back in UTC.
    """
    if hasattr(frame, "toArrow"):
        return frame.toArrow()
    data = frame.toPandas()
    zone = frame.sparkSession.conf.get("spark.sql.session.timeZone")
    fields = []
    for field in frame.schema.fields:
        kind = _ARROW_TYPES.get(field.dataType.typeName())
        if kind is None:
            kind = pa.decimal128(field.dataType.precision, field.dataType.scale)
        if kind == pa.timestamp("us", tz="UTC") and data[field.name].dt.tz is None:
            data[field.name] = data[field.name].dt.tz_localize(zone).dt.tz_convert("UTC")
        fields.append(pa.field(field.name, kind, nullable=field.nullable))
    return pa.Table.from_pandas(data, schema=pa.schema(fields), preserve_index=False)


class UnityCatalogLake:
    def __init__(self, spark, catalogs: dict[str, str] | None = None, schema: str = "linkedin"):
        self.spark = spark
        self.catalogs = {layer: layer for layer in LAYERS} | dict(catalogs or {})
        self.schema = schema

    def name(self, catalog: str, table: str) -> str:
        return f"{self.catalogs[catalog]}.{self.schema}.{table}"

    def location(self, catalog: str, table: str) -> dict:
        return {"table": self.name(catalog, table)}

    def lock(self, catalog: str, table: str):
        return contextlib.nullcontext()

    def exists(self, catalog: str, table: str) -> bool:
        return self.spark.catalog.tableExists(self.name(catalog, table))

    def version(self, catalog: str, table: str) -> int | None:
        if not self.exists(catalog, table):
            return None
        return int(self.spark.sql(f"DESCRIBE HISTORY {self.name(catalog, table)} LIMIT 1").collect()[0]["version"])

    def read(self, catalog: str, table: str, where: str | None = None) -> pa.Table | None:
        if not self.exists(catalog, table):
            return None
        frame = self.spark.table(self.name(catalog, table))
        return to_arrow(frame.where(where) if where else frame)

    def ensure(self, catalog: str, table: str, schema: pa.Schema) -> None:
        """Create the table if missing; give one an older release wrote the columns added since."""
        name = self.name(catalog, table)
        columns = ", ".join(f"`{f.name}` {spark_type(f.type)}" for f in schema)
        self.spark.sql(f"CREATE TABLE IF NOT EXISTS {name} ({columns}) USING DELTA")
        present = {f.name for f in self.spark.table(name).schema.fields}
        for field in (f for f in schema if f.name not in present):
            self.spark.sql(f"ALTER TABLE {name} ADD COLUMNS (`{field.name}` {spark_type(field.type)})")
            older = value_for_older_rows(field)
            if older is not None:
                self.spark.sql(
                    f"UPDATE {name} SET `{field.name}` = :older WHERE `{field.name}` IS NULL", args={"older": older}
                )

    def query(self, sql: str, params: dict | None = None, empty: dict | None = None) -> pa.Table:
        """One SELECT written with `<layer>.linkedin.<table>` names, run on the UC tables."""
        empty = empty or {}
        for catalog, table in set(TABLE_NAME.findall(sql)):
            if (catalog, table) in empty and not self.exists(catalog, table):
                self.ensure(catalog, table, empty[(catalog, table)])
        mapped = TABLE_NAME.sub(lambda m: self.name(m.group(1), m.group(2)), sql)
        return to_arrow(self.spark.sql(mapped, args=params or {}))

    # -- writes -----------------------------------------------------------------

    def _source(self, rows: pa.Table) -> str:
        """`rows` as a temp view with the table's exact column types."""
        view = f"linkedin_source_{uuid.uuid4().hex[:12]}"
        ddl = ", ".join(f"`{f.name}` {spark_type(f.type)}" for f in rows.schema)
        self.spark.createDataFrame(rows.to_pandas(), schema=ddl).createOrReplaceTempView(view)
        return view

    def _merge(self, catalog: str, table: str, statement: str) -> WriteResult:
        # Databricks answers a MERGE with one row of num_{affected,updated,deleted,inserted}_rows.
        metrics = self.spark.sql(statement).collect()
        row = metrics[0].asDict() if metrics else {}
        inserted = int(row.get("num_inserted_rows") or 0)
        updated = int(row.get("num_updated_rows") or 0)
        deleted = int(row.get("num_deleted_rows") or 0)
        changed = bool(inserted or updated or deleted)
        return WriteResult(self.name(catalog, table), self.version(catalog, table), changed, inserted, updated, deleted)

    def replace_scope(self, catalog: str, table: str, rows: pa.Table, keys: list[str], scope: DateScope) -> WriteResult:
        """Make the rows inside `scope` exactly `rows`, in one MERGE; rows outside are kept."""
        name = self.name(catalog, table)
        self.ensure(catalog, table, rows.schema)
        if same_rows(self.read(catalog, table, scope.sql()), rows, keys):
            return WriteResult(name, self.version(catalog, table), changed=False)
        source = self._source(rows)
        on = " AND ".join(f"t.`{k}` = s.`{k}`" for k in keys)
        return self._merge(
            catalog,
            table,
            f"MERGE INTO {name} t USING {source} s ON {on} "
            f"WHEN MATCHED AND ({any_differs(rows.schema, keys)}) THEN UPDATE SET * "
            "WHEN NOT MATCHED THEN INSERT * "
            f"WHEN NOT MATCHED BY SOURCE AND {scope.sql('t')} THEN DELETE",
        )

    def replace_all(self, catalog: str, table: str, rows: pa.Table, keys: list[str]) -> WriteResult:
        name = self.name(catalog, table)
        before = self.read(catalog, table)
        if before is not None and same_rows(before, rows, keys):
            return WriteResult(name, self.version(catalog, table), changed=False)
        source = self._source(rows)
        self.spark.sql(f"CREATE OR REPLACE TABLE {name} USING DELTA AS SELECT * FROM {source}")
        deleted = before.num_rows if before is not None else 0
        return WriteResult(name, self.version(catalog, table), True, inserted=rows.num_rows, deleted=deleted)

    def upsert(self, catalog: str, table: str, rows: pa.Table, key: str, keep_when_null: list[str]) -> WriteResult:
        name = self.name(catalog, table)
        self.ensure(catalog, table, rows.schema)
        wanted = changed_rows(self.read(catalog, table), rows, key, keep_when_null)
        if not wanted:
            return WriteResult(name, self.version(catalog, table), changed=False)
        source = self._source(pa.Table.from_pylist(wanted, schema=rows.schema))
        sets = ", ".join(
            f"t.`{c}` = COALESCE(s.`{c}`, t.`{c}`)" if c in keep_when_null else f"t.`{c}` = s.`{c}`"
            for c in rows.schema.names
            if c != key
        )
        return self._merge(
            catalog,
            table,
            f"MERGE INTO {name} t USING {source} s ON t.`{key}` = s.`{key}` "
            f"WHEN MATCHED THEN UPDATE SET {sets} WHEN NOT MATCHED THEN INSERT *",
        )
