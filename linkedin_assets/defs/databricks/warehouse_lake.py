"""The Unity Catalog tables read through the SQL warehouse, from the Dagster process.

What the Dagster side needs to read on Databricks, as a `ReadableLake` (lake/protocol.py):
the post_patch version for the table-version sensor (`DESCRIBE HISTORY`), and the
rows that checks of gold tables and of direct post_patch edits look at.
"""

from __future__ import annotations

import pyarrow as pa

from linkedin_assets.defs.databricks.warehouse import WarehouseError, WarehouseResource

ARROW_TYPES = {
    "BYTE": pa.int8(),
    "SHORT": pa.int16(),
    "INT": pa.int32(),
    "LONG": pa.int64(),
    "FLOAT": pa.float32(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
}
NOT_FOUND = ("TABLE_OR_VIEW_NOT_FOUND", "does not exist", "cannot be found")


class WarehouseLake:
    def __init__(self, warehouse: WarehouseResource):
        self.warehouse = warehouse

    def name(self, catalog: str, table: str) -> str:
        return f"{self.warehouse.table_names()[catalog]}.{table}"

    def location(self, catalog: str, table: str) -> dict:
        return {"table": self.name(catalog, table)}

    def version(self, catalog: str, table: str) -> int | None:
        try:
            result = self.warehouse.execute(f"DESCRIBE HISTORY {self.name(catalog, table)} LIMIT 1")
        except WarehouseError as e:
            if any(marker in str(e) for marker in NOT_FOUND):
                return None
            raise
        return int(result.as_dicts()[0]["version"]) if result.rows else None

    def exists(self, catalog: str, table: str) -> bool:
        return self.version(catalog, table) is not None

    def read(self, catalog: str, table: str, where: str | None = None) -> pa.Table | None:
        sql = f"SELECT * FROM {self.name(catalog, table)}" + (f" WHERE {where}" if where else "")
        try:
            result = self.warehouse.execute(sql)
        except WarehouseError as e:
            if any(marker in str(e) for marker in NOT_FOUND):
                return None
            raise
        schema = pa.schema([(c, ARROW_TYPES.get(t, pa.string())) for c, t in zip(result.columns, result.types)])
        return pa.Table.from_pylist(result.as_dicts(), schema=schema)
