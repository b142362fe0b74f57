"""The Unity Catalog tables as the Dagster process reads them on Databricks.

What the Dagster side needs, as a `ReadableLake` (lake/protocol.py): the post_patch
version for the table-version sensor, and the rows the check of a direct post_patch
edit looks at.

A version comes from the Unity Catalog tables API (`delta.lastUpdateVersion` in the
table's properties), not from the SQL warehouse: the sensor asks every tick, and a
statement every 10 s would keep the warehouse from ever auto-stopping, while a stopped
one would hold the tick for its cold start. Rows come back as Arrow through
EXTERNAL_LINKS, which have no 25 MiB cap as INLINE results do.
"""

from __future__ import annotations

import threading

import pyarrow as pa

from linkedin_assets.defs.databricks.warehouse import WarehouseError, WarehouseResource

NOT_FOUND = ("TABLE_OR_VIEW_NOT_FOUND", "does not exist", "cannot be found")
VERSION_PROPERTY = "delta.lastUpdateVersion"

# Per process: sensor ticks build their resources afresh, and the last version seen is what a
# tick falls back on when the metastore does not say and the warehouse is stopped.
_known_versions: dict[tuple[str, str], int] = {}
_known_lock = threading.Lock()


class VersionUnavailable(WarehouseError):
    """The table's version cannot be read without starting the warehouse."""


class WarehouseLake:
    def __init__(self, warehouse: WarehouseResource):
        self.warehouse = warehouse

    def name(self, catalog: str, table: str) -> str:
        return f"{self.warehouse.table_names()[catalog]}.{table}"

    def location(self, catalog: str, table: str) -> dict:
        return {"table": self.name(catalog, table)}

    def _table_info(self, catalog: str, table: str):
        from databricks.sdk import errors

        tables = self.warehouse.client().tables
        try:
            return self.warehouse._call(tables.get, self.name(catalog, table), include_delta_metadata=True)
        except WarehouseError as e:
            if e.sdk_error is not None and issubclass(e.sdk_error, errors.NotFound):
                return None
            raise

    def version(self, catalog: str, table: str) -> int | None:
        info = self._table_info(catalog, table)
        if info is None:
            return None
        name = self.name(catalog, table)
        key = (self.warehouse.host, name)
        found = (info.properties or {}).get(VERSION_PROPERTY)
        version = int(found) if found is not None else self._history_version(name, key)
        with _known_lock:
            _known_versions[key] = version
        return version

    def _history_version(self, name: str, key: tuple[str, str]) -> int:
        """The version from DESCRIBE HISTORY, but only on a warehouse already running."""
        state = self.warehouse.state()
        if state != "RUNNING":
            with _known_lock:
                known = _known_versions.get(key)
            if known is not None:
                return known
            raise VersionUnavailable(
                f"{name}: Unity Catalog gives no {VERSION_PROPERTY} and SQL warehouse "
                f"{self.warehouse.warehouse_id} is {state}; not started just to read the version"
            )
        result = self.warehouse.execute(f"DESCRIBE HISTORY {name} LIMIT 1")
        if not result.rows:
            raise WarehouseError(f"{name}: DESCRIBE HISTORY returned no commit")
        return int(result.as_dicts()[0]["version"])

    def exists(self, catalog: str, table: str) -> bool:
        return self._table_info(catalog, table) is not None

    def read(self, catalog: str, table: str, where: str | None = None) -> pa.Table | None:
        sql = f"SELECT * FROM {self.name(catalog, table)}" + (f" WHERE {where}" if where else "")
        try:
            return self.warehouse.execute_arrow(sql)
        except WarehouseError as e:
            if any(marker in str(e) for marker in NOT_FOUND):
                return None
            raise
