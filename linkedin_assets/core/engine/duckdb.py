"""DuckDB: the embedded default engine, in process, over the Arrow tables delta-rs reads.

A local lake is a few thousand rows; shipping them to a JVM cost seconds per step and
2 GiB of memory. DuckDB runs the same statements (the Databricks SQL under sql/,
translated by translate.py) in milliseconds, with nothing to start or stop: each
query gets a connection of its own, so concurrent steps never share state.

Nothing is downloaded at run time: the time-zone support (ICU) is built into the
wheel, and DuckDB may not install or load any other extension.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from linkedin_assets.core.engine.inputs import localised, read_inputs
from linkedin_assets.core.engine.translate import TranslationError, translate
from linkedin_assets.core.lake.protocol import QueryFailed, ReadableLake

CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": "false",
    "autoload_known_extensions": "false",
    "threads": "2",
}


def run_sql(lake: ReadableLake, sql: str, params: dict | None = None, empty: dict | None = None) -> pa.Table:
    """Run one SELECT (Databricks SQL) over the local lake and return its rows as Arrow.

    `empty` maps (catalog, table) to the schema a missing table reads as.
    """
    try:
        statement = translate(localised(sql))
    except TranslationError as exc:
        raise QueryFailed(f"the statement does not translate from Databricks SQL to DuckDB: {exc}") from None
    inputs = read_inputs(lake, sql, empty)
    with duckdb.connect(config=CONFIG) as connection:
        try:
            # Spark's session time zone (core/engine/spark.py): date parts of a UTC timestamp are UTC's.
            connection.execute("SET TimeZone = 'UTC'")
            for name, rows in inputs.items():
                connection.register(name, rows)
            result = connection.sql(statement, params=params or {})
            return _as_spark_types(result).to_arrow_table()
        except duckdb.Error as exc:
            # OperationalError: out of memory, an I/O error while spilling; worth another try.
            transient = isinstance(exc, duckdb.OperationalError)
            raise QueryFailed(f"DuckDB could not run it: {exc}", transient=transient) from None


def _as_spark_types(result: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """DuckDB sums integers as HUGEINT (128 bits), Spark as BIGINT: cast, as Spark's result is."""
    if not any(str(kind) == "HUGEINT" for kind in result.types):
        return result
    columns = [
        f'CAST("{name}" AS BIGINT) AS "{name}"' if str(kind) == "HUGEINT" else f'"{name}"'
        for name, kind in zip(result.columns, result.types)
    ]
    return result.project(", ".join(columns))
