"""`spark` in the stand-in's notebook runs: Unity Catalog tables, with Delta semantics, on the stand-in's lake.

On Databricks the notebooks write through `UnityCatalogLake` (core/lake/unity.py):
Spark SQL on UC tables. Open-source Spark here has no Delta, so this session takes
each statement that names a UC table, parses it as Databricks SQL with sqlglot (one
that does not parse fails the run: the statements must be valid Databricks SQL) and
carries out its effect with delta-rs on the Delta folder the stand-in's warehouse
reads (`DeltaLake.path`, `<root>/<catalog>/<schema>/<table>`):

- `CREATE TABLE IF NOT EXISTS t (...) USING DELTA`: an empty table of those columns;
- `ALTER TABLE t ADD COLUMNS (...)`: `DeltaTable.alter.add_columns`;
- `UPDATE t SET c = <expr> WHERE <cond>` (named parameters from `args=`): `DeltaTable.update`;
- `MERGE INTO t USING <temp view> s ON ... WHEN ...`: `DeltaTable.merge`, the source
  read from the local session's temp view; answered with one row of
  num_affected_rows / num_updated_rows / num_deleted_rows / num_inserted_rows, as Databricks does;
- `CREATE OR REPLACE TABLE t USING DELTA AS SELECT * FROM <temp view>`: an overwrite;
- `DESCRIBE HISTORY t [LIMIT n]` and SELECTs over `<layer>.linkedin.<table>`: the
  stand-in's warehouse (`DatabricksStandIn.execute`), which runs them on local Spark.

`spark.catalog.tableExists` and `spark.table(name)` (`.where`, `.schema`, `.toArrow`)
read the lake with delta-rs; anything else (`createDataFrame`, temp views, `conf`) is the
process's local Spark session. `statements` keeps every statement parsed, for tests.
"""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa
import sqlglot
from deltalake import DeltaTable, Field, write_deltalake
from sqlglot import exp
from sqlglot.errors import ParseError

from linkedin_assets_tests.databricks_standin import StatementFailed
from linkedin_assets_tests.standin_pip import stand_in_code

# sqlglot's Databricks grammar has no `LIMIT n` after DESCRIBE HISTORY (Databricks documents it):
# that one clause is taken off before parsing, the rest must parse.
HISTORY_LIMIT = re.compile(r"^(DESCRIBE\s+HISTORY\s+.+?)\s+LIMIT\s+(\d+)$", re.IGNORECASE | re.DOTALL)
# Spark SQL type -> Arrow, as the project's tables use them (unity.spark_type, inverted).
ARROW_TYPES = {
    "STRING": pa.string(),
    "BOOLEAN": pa.bool_(),
    "INT": pa.int32(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us", tz="UTC"),
    "TIMESTAMPLTZ": pa.timestamp("us", tz="UTC"),
    "TIMESTAMPNTZ": pa.timestamp("us"),
    "TIMESTAMP_NTZ": pa.timestamp("us"),
}


class UnitySqlError(Exception):
    """A statement the stand-in's Unity Catalog refuses (not Databricks SQL, or not a table it has)."""


class Row(dict):
    """A result row: `row["name"]` and `row.asDict()`, as pyspark's Row offers."""

    def asDict(self) -> dict:
        return dict(self)


class Result:
    """What `spark.sql` answers: `collect()` rows, or `toArrow()`."""

    def __init__(self, rows: pa.Table):
        self._rows = rows

    def collect(self) -> list[Row]:
        return [Row(r) for r in self._rows.to_pylist()]

    def toArrow(self) -> pa.Table:
        return self._rows


class _Field:
    def __init__(self, name: str):
        self.name = name


class _Schema:
    def __init__(self, schema: pa.Schema):
        self.fields = [_Field(n) for n in schema.names]


class TableFrame:
    """`spark.table(name)`, optionally `.where(cond)`: the Delta table's rows, read by delta-rs."""

    def __init__(self, session: UnitySession, catalog: str, table: str, where: str | None = None):
        self._session, self._catalog, self._table, self._where = session, catalog, table, where

    @property
    def schema(self) -> _Schema:
        return _Schema(
            pa.schema(DeltaTable(str(self._session.lake.path(self._catalog, self._table))).schema().to_arrow())
        )

    def where(self, condition: str) -> TableFrame:
        with stand_in_code():
            return self._where_(condition)

    def _where_(self, condition: str) -> TableFrame:
        self._session.parse(f"SELECT * FROM t WHERE {condition}")
        combined = f"({self._where}) AND ({condition})" if self._where else condition
        return TableFrame(self._session, self._catalog, self._table, combined)

    filter = where

    def toArrow(self) -> pa.Table:
        with stand_in_code():
            rows = self._session.lake.read(self._catalog, self._table, self._where)
        assert rows is not None
        return rows


class _Catalog:
    def __init__(self, session: UnitySession):
        self._session = session

    def tableExists(self, name: str) -> bool:
        with stand_in_code():
            catalog, table = self._session.locate(name)
            return self._session.lake.exists(catalog, table)


class UnitySession:
    def __init__(self, standin, statements: list[str] | None = None):
        self.standin = standin
        self.lake = standin.lake
        self.catalog = _Catalog(self)
        self.statements: list[str] = statements if statements is not None else []  # every statement parsed

    @property
    def _local(self):
        with stand_in_code():  # starting the local session imports what a cluster's runtime has loaded
            from linkedin_assets.core.engine.spark import spark_session

            return spark_session()

    def __getattr__(self, name: str) -> Any:
        """The local session's; its methods run as the stand-in's code (their imports are Spark's, not the notebook's)."""
        attribute = getattr(self._local, name)
        if not callable(attribute):
            return attribute

        def call(*args, **kwargs):
            with stand_in_code():
                return attribute(*args, **kwargs)

        return call

    # -- parsing -----------------------------------------------------------

    def parse(self, statement: str):

        text = statement.strip().rstrip(";").strip()
        limited = HISTORY_LIMIT.match(text)
        try:
            parsed = sqlglot.parse_one(
                limited.group(1) if limited else text, read="databricks", error_level=sqlglot.ErrorLevel.RAISE
            )
        except ParseError as e:
            raise UnitySqlError(f"not Databricks SQL: {text[:200]}: {e}") from e
        if isinstance(parsed, exp.Command):
            raise UnitySqlError(f"sqlglot parsed this only as an opaque command, not Databricks SQL: {text[:200]}")
        self.statements.append(text)
        return parsed

    def locate(self, name) -> tuple[str, str]:
        """(catalog, table) of a `<catalog>.<schema>.<table>` name, in the stand-in's catalogs."""

        table = name if isinstance(name, exp.Table) else exp.to_table(name, dialect="databricks")
        if not (table.catalog and table.db):
            raise UnitySqlError(f"not a three-part Unity Catalog name: {table.sql('databricks')}")
        try:
            self.standin._name(table.catalog, table.db, table.name)  # SCHEMA_NOT_FOUND outside bronze/silver/gold
        except StatementFailed as e:
            raise UnitySqlError(e.message) from e
        return table.catalog, table.name

    # -- the session -------------------------------------------------------

    def table(self, name: str) -> TableFrame:
        with stand_in_code():
            return self._table(name)

    def _table(self, name: str) -> TableFrame:
        return TableFrame(self, *self._existing(name))

    def sql(self, statement: str, args: dict | None = None, **kwargs) -> Result:
        with stand_in_code():
            return self._sql(statement, args)

    def _sql(self, statement: str, args: dict | None) -> Result:
        parsed = self.parse(statement)
        args = dict(args or {})
        if isinstance(parsed, exp.Create) and parsed.kind == "TABLE":
            return self._create(parsed)
        if isinstance(parsed, exp.Alter):
            return self._alter(parsed)
        if isinstance(parsed, exp.Update):
            return self._update(parsed, args)
        if isinstance(parsed, exp.Merge):
            return self._merge(parsed)
        if isinstance(parsed, exp.Describe | exp.Query):
            with self.standin._engine:  # the warehouse's statements share the local session's temp views
                return Result(self.standin.execute(statement, args))
        raise UnitySqlError(f"the stand-in's Unity Catalog does not implement: {statement[:120]}")

    # -- statements --------------------------------------------------------

    def _path(self, catalog: str, table: str) -> str:
        return str(self.lake.path(catalog, table))

    def _existing(self, target) -> tuple[str, str]:
        catalog, table = self.locate(target)
        if not self.lake.exists(catalog, table):
            raise UnitySqlError(
                f"[TABLE_OR_VIEW_NOT_FOUND] The table or view {catalog}.{self.lake.schema}.{table} cannot be found."
            )
        return catalog, table

    def _create(self, parsed) -> Result:

        target = parsed.find(exp.Table)
        catalog, table = self.locate(target)
        if parsed.expression is not None:  # CREATE OR REPLACE TABLE ... AS SELECT
            if not parsed.args.get("replace") and self.lake.exists(catalog, table):
                raise UnitySqlError(f"[TABLE_OR_VIEW_ALREADY_EXISTS] {catalog}.{self.lake.schema}.{table}")
            rows = _utc(self._local.sql(parsed.expression.sql("spark")).toArrow())
            write_deltalake(self._path(catalog, table), rows, mode="overwrite", schema_mode="overwrite")
            return Result(pa.table({}))
        if self.lake.exists(catalog, table):
            if parsed.args.get("exists"):
                return Result(pa.table({}))
            raise UnitySqlError(f"[TABLE_OR_VIEW_ALREADY_EXISTS] {catalog}.{self.lake.schema}.{table}")
        columns = parsed.this.expressions
        schema = pa.schema([pa.field(c.name, _arrow(c.args["kind"])) for c in columns])
        write_deltalake(self._path(catalog, table), schema.empty_table(), mode="append")
        return Result(pa.table({}))

    def _alter(self, parsed) -> Result:

        catalog, table = self._existing(parsed.this)
        delta = DeltaTable(self._path(catalog, table))
        for action in parsed.args["actions"]:
            definitions = action.expressions if isinstance(action, exp.Schema) else [action]
            for column in definitions:
                if not isinstance(column, exp.ColumnDef):
                    raise UnitySqlError(f"the stand-in only adds columns: {parsed.sql('databricks')}")
                kind = Field.from_arrow(pa.field(column.name, _arrow(column.args["kind"]))).type
                delta.alter.add_columns(Field(column.name, kind, nullable=True))
        return Result(pa.table({}))

    def _update(self, parsed, args: dict) -> Result:

        catalog, table = self._existing(parsed.this)
        bound = _bind(parsed, args)
        updates = {e.this.name: _datafusion(e.expression) for e in bound.expressions}
        where = bound.args.get("where")
        metrics = DeltaTable(self._path(catalog, table)).update(
            updates=updates, predicate=_datafusion(where.this) if where is not None else None
        )
        updated = int(metrics.get("num_updated_rows", 0))
        return Result(pa.table({"num_affected_rows": [updated]}))

    def _merge(self, parsed) -> Result:

        target, using = parsed.this, parsed.args["using"]
        if parsed.args.get("on") is None:  # sqlglot takes a MERGE without ON; Databricks does not
            raise UnitySqlError(f"[PARSE_SYNTAX_ERROR] MERGE without an ON condition: {parsed.sql('databricks')}")
        catalog, table = self._existing(target)
        if not isinstance(using, exp.Table) or using.db:
            raise UnitySqlError(f"the stand-in merges from a temp view only: {using.sql('databricks')}")
        delta = DeltaTable(self._path(catalog, table))
        wanted = pa.schema(delta.schema().to_arrow())
        source = _utc(self._local.table(using.name).toArrow())
        source = source.select([n for n in wanted.names if n in source.column_names])
        source = source.cast(pa.schema([wanted.field(n).with_nullable(True) for n in source.column_names]))
        merger = delta.merge(
            source,
            predicate=_datafusion(parsed.args["on"]),
            source_alias=using.alias_or_name,
            target_alias=target.alias_or_name,
        )
        for when in parsed.args["whens"].expressions:
            merger = self._when(merger, when, target.alias_or_name)
        metrics = merger.execute()
        inserted = int(metrics.get("num_target_rows_inserted", 0))
        updated = int(metrics.get("num_target_rows_updated", 0))
        deleted = int(metrics.get("num_target_rows_deleted", 0))
        return Result(
            pa.table(
                {
                    "num_affected_rows": pa.array([inserted + updated + deleted], pa.int64()),
                    "num_updated_rows": pa.array([updated], pa.int64()),
                    "num_deleted_rows": pa.array([deleted], pa.int64()),
                    "num_inserted_rows": pa.array([inserted], pa.int64()),
                }
            )
        )

    def _when(self, merger, when, target_alias: str):

        condition = when.args.get("condition")
        predicate = _datafusion(condition) if condition is not None else None
        then = when.args["then"]
        matched, by_source = bool(when.args.get("matched")), bool(when.args.get("source"))
        if matched and isinstance(then, exp.Update):
            if not (len(then.expressions) == 1 and isinstance(then.expressions[0], exp.Star)):
                updates = {}
                for assignment in then.expressions:
                    column = assignment.this
                    if column.table and column.table != target_alias:
                        raise UnitySqlError(f"SET of a column not in the target: {assignment.sql('databricks')}")
                    updates[column.name] = _datafusion(assignment.expression)
                return merger.when_matched_update(updates=updates, predicate=predicate)
            return merger.when_matched_update_all(predicate=predicate)
        if matched and _is_delete(then):
            return merger.when_matched_delete(predicate=predicate)
        if not matched and by_source and _is_delete(then):
            return merger.when_not_matched_by_source_delete(predicate=predicate)
        if not matched and not by_source and isinstance(then, exp.Insert) and isinstance(then.this, exp.Star):
            return merger.when_not_matched_insert_all(predicate=predicate)
        raise UnitySqlError(f"the stand-in does not implement this MERGE clause: {when.sql('databricks')}")


def _is_delete(then) -> bool:
    return isinstance(then, exp.Var) and then.name.upper() == "DELETE"


def _arrow(kind) -> pa.DataType:
    if kind.this == exp.DataType.Type.DECIMAL:
        precision, scale = (int(p.this.this) for p in kind.expressions)
        return pa.decimal128(precision, scale)
    name = kind.sql("databricks").upper()
    if name not in ARROW_TYPES:
        raise UnitySqlError(f"the stand-in has no Arrow type for {name}")
    return ARROW_TYPES[name]


def _bind(parsed, args: dict):
    """The statement with its `:name` parameter markers replaced by the values of `args`."""

    def replace(node):
        if isinstance(node, exp.Placeholder) and node.name:
            if node.name not in args:
                raise UnitySqlError(f"[UNBOUND_SQL_PARAMETER] :{node.name} has no value")
            return exp.convert(args[node.name])
        return node

    return parsed.copy().transform(replace)


def _datafusion(expression) -> str:
    """A Databricks SQL expression as delta-rs (DataFusion) reads it: PostgreSQL-style quoting."""
    return expression.sql("postgres")


def _utc(rows: pa.Table) -> pa.Table:
    """Spark's Arrow timestamps carry the session's zone; the tables store UTC."""
    fields = [
        pa.field(f.name, pa.timestamp("us", tz="UTC"), f.nullable) if pa.types.is_timestamp(f.type) and f.type.tz else f
        for f in rows.schema
    ]
    return rows.cast(pa.schema(fields))
