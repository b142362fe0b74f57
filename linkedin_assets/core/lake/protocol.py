"""The lake's interface: what the steps may ask of a lake, whichever target holds it.

Two lakes implement it: `DeltaLake` (delta-rs tables on disk, the local target) and
`UnityCatalogLake` (Unity Catalog tables through a cluster's Spark, in the Databricks
notebooks). Core code (the bronze ingest, the silver refresh, the checks) takes a
`Lake` and calls nothing else on it, so a step that runs locally runs on a cluster
too. The Dagster side of the Databricks target reads gold through the warehouse
with the read half (`ReadableLake`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa


@dataclass(frozen=True)
class DateScope:
    """The slice of a table a write owns: rows with `column` in [start, end]."""

    column: str
    start: dt.date
    end: dt.date

    def sql(self, alias: str = "") -> str:
        col = f"{alias}.{self.column}" if alias else self.column
        return f"{col} >= CAST('{self.start.isoformat()}' AS DATE) AND {col} <= CAST('{self.end.isoformat()}' AS DATE)"


class DamagedTable(RuntimeError):
    """A table whose history is not what our commits left: an empty or cut-short commit
    file (a full disk, a crash, a bad copy), or a version below the one Dagster recorded
    (commit files lost). delta-rs reads an empty newest commit as a commit of nothing, so
    the table would seem to have lost rows and the next write would commit on top: it is
    refused before anything reads or writes it."""

    def __init__(self, table: str, problem: str):
        super().__init__(
            f"{table}: its Delta log is damaged: {problem}. Nothing was read or written. Restore the file "
            "from a backup, or remove the table's folder and rebuild it from processed/ (README: Backfills by date)."
        )
        self.table = table


class QueryFailed(RuntimeError):
    """The engine could not run a statement (a translation it cannot make, an error of its own).
    The refresh that asked names its table and SQL file (core/sql/refresh.py).

    `transient`: the same statement may pass if run again (out of memory, a disk error);
    otherwise (a binder, parser or conversion error) it fails the same way every time."""

    def __init__(self, message: str, transient: bool = False):
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class WriteResult:
    table: str
    version: int | None
    changed: bool
    inserted: int = 0
    updated: int = 0
    deleted: int = 0

    def metadata(self) -> dict:
        return {
            "delta_version": self.version if self.version is not None else -1,
            "rows_inserted": self.inserted,
            "rows_updated": self.updated,
            "rows_deleted": self.deleted,
        }


class ReadableLake(Protocol):
    def location(self, catalog: str, table: str) -> dict:
        """Where the table lives, as asset metadata (a path, or a Unity Catalog name)."""

    def exists(self, catalog: str, table: str) -> bool: ...

    def version(self, catalog: str, table: str) -> int | None:
        """The table's Delta version; None when it does not exist."""

    def read(self, catalog: str, table: str, where: str | None = None) -> pa.Table | None:
        """The table's rows (those matching the SQL predicate `where`); None when it does not exist."""


class Lake(ReadableLake, Protocol):
    def ensure(self, catalog: str, table: str, schema: pa.Schema) -> None:
        """Create the table empty if missing; add the columns a later release added."""

    def query(self, sql: str, params: dict | None = None, empty: dict | None = None) -> pa.Table:
        """One SELECT over `<layer>.linkedin.<table>` names; `empty` gives schemas of tables not made yet."""

    def replace_scope(self, catalog: str, table: str, rows: pa.Table, keys: list[str], scope: DateScope) -> WriteResult:
        """Make the rows inside `scope` exactly `rows`, in one commit; no commit when nothing differs."""

    def replace_all(self, catalog: str, table: str, rows: pa.Table, keys: list[str]) -> WriteResult:
        """Make the whole table exactly `rows`, in one commit; no commit when nothing differs."""

    def upsert(self, catalog: str, table: str, rows: pa.Table, key: str, keep_when_null: list[str]) -> WriteResult:
        """Insert or update by `key`; a null in a `keep_when_null` column keeps the stored value."""
