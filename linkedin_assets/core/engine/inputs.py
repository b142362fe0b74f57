"""What a statement reads on the local lake: each table it names, as Arrow, under a local name.

Both local engines (DuckDB, Spark) register these tables and run the statement with
its `<layer>.linkedin.<table>` names replaced by the local ones, so the same text
runs on a Databricks warehouse.
"""

from __future__ import annotations

import pyarrow as pa

from linkedin_assets.core.lake.protocol import ReadableLake
from linkedin_assets.core.sql.text import TABLE_NAME


def local_name(catalog: str, table: str) -> str:
    return f"{catalog}__{table}"


def localised(sql: str) -> str:
    """The statement with each Unity Catalog name replaced by its local name."""
    return TABLE_NAME.sub(lambda m: local_name(m.group(1), m.group(2)), sql)


def read_inputs(lake: ReadableLake, sql: str, empty: dict | None = None) -> dict[str, pa.Table]:
    """Local name -> rows of every table `sql` names; `empty` gives the schema a missing one reads as."""
    empty = empty or {}
    inputs = {}
    for catalog, table in sorted(set(TABLE_NAME.findall(sql))):
        rows = lake.read(catalog, table)
        if rows is None and (catalog, table) in empty:
            rows = empty[(catalog, table)].empty_table()
        if rows is None:
            where = lake.location(catalog, table)
            raise LookupError(f"table {catalog}.linkedin.{table} does not exist yet ({where})")
        inputs[local_name(catalog, table)] = rows
    return inputs
