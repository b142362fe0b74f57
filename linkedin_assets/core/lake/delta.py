"""Delta tables on local disk, written with delta-rs (the `deltalake` package).

Each write is one Delta commit, so a process killed mid-write leaves the table at
its last committed version. Writes that would not change a table's content are
skipped, so re-ingesting a file leaves even the table's version untouched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable, Field, QueryBuilder, write_deltalake

from linkedin_assets.core.lake.protocol import DamagedTable, DateScope, WriteResult
from linkedin_assets.core.locks import exclusive
from linkedin_assets.core.settings import load_engine_settings

# Bookkeeping columns that differ between two ingests of the same data: a row whose
# values are unchanged keeps the ingest time and the source it was first read from
# (re-downloading an identical file changes nothing).
VOLATILE_COLUMNS = ("ingested_at", "source_file", "source_file_timestamp")
COMMIT_FILE = re.compile(r"^(\d{20})\.json$")


def check_log(table: str, path: Path) -> None:
    """Every commit file since the last checkpoint holds something, and the newest is whole JSON."""
    log = path / "_delta_log"
    try:
        checkpoint = int(json.loads((log / "_last_checkpoint").read_text())["version"])
    except (OSError, ValueError, KeyError, TypeError):
        checkpoint = -1
    commits = sorted((int(m.group(1)), entry) for entry in log.iterdir() if (m := COMMIT_FILE.match(entry.name)))
    for version, entry in commits:
        if version > checkpoint and entry.stat().st_size == 0:
            raise DamagedTable(table, f"commit file _delta_log/{entry.name} is empty")
    if commits:
        version, newest = commits[-1]
        for number, line in enumerate(newest.read_text(errors="replace").splitlines(), 1):
            try:
                json.loads(line) if line.strip() else None
            except ValueError:
                raise DamagedTable(
                    table, f"commit file _delta_log/{newest.name} is cut short (line {number})"
                ) from None


class DeltaLake:
    """The lake under one root: `<root>/<catalog>/<schema>/<table>`."""

    def __init__(
        self,
        root: Path,
        schema: str = "linkedin",
        engine: str | None = None,
        spark: Callable[[], Any] | None = None,
    ):
        self.root = Path(root)
        self.schema = schema
        self.engine = engine  # what runs its queries: duckdb or spark; None: as LINKEDIN_ENGINE says
        self.spark = spark  # with spark, the session; None: the process's (core/engine/spark.py)

    def path(self, catalog: str, table: str) -> Path:
        return self.root / catalog / self.schema / table

    def location(self, catalog: str, table: str) -> dict:
        """Where a table lives, as asset metadata."""
        return {"path": str(self.path(catalog, table))}

    def exists(self, catalog: str, table: str) -> bool:
        """Whether the table is there; a damaged one raises DamagedTable (every read and write asks this first)."""
        path = self.path(catalog, table)
        if not DeltaTable.is_deltatable(str(path)):
            return (path / "_delta_log").is_dir() and _damaged(f"{catalog}.{self.schema}.{table}", path)
        check_log(f"{catalog}.{self.schema}.{table}", path)
        return True

    def query(self, sql: str, params: dict | None = None, empty: dict | None = None) -> pa.Table:
        """One SELECT over the lake on the local engine; `empty`: (catalog, table) -> schema of a missing table."""
        # Imported here, each engine by the processes that use it: the default one's never
        # load Spark's, and the Databricks notebooks (which import this module for its row
        # comparisons) neither engine's.
        if (self.engine or load_engine_settings().sql) == "spark":
            from linkedin_assets.core.engine import spark

            return spark.run_sql(self, sql, params, empty, self.spark)
        from linkedin_assets.core.engine import duckdb

        return duckdb.run_sql(self, sql, params, empty)

    def version(self, catalog: str, table: str) -> int | None:
        if not self.exists(catalog, table):
            return None
        return DeltaTable(str(self.path(catalog, table))).version()

    def read(self, catalog: str, table: str, where: str | None = None) -> pa.Table | None:
        if not self.exists(catalog, table):
            return None
        delta = DeltaTable(str(self.path(catalog, table)))
        if where is None:
            return delta.to_pyarrow_table()
        sql = f"SELECT * FROM t WHERE {where}"
        return _plain(pa.table(QueryBuilder().register("t", delta).execute(sql).read_all()))

    def ensure(self, catalog: str, table: str, schema: pa.Schema) -> None:
        """Create an empty table so readers never meet a missing one; upgrade one an older release wrote."""
        if not self.exists(catalog, table):
            write_deltalake(str(self.path(catalog, table)), schema.empty_table(), mode="append")
            return
        delta = DeltaTable(str(self.path(catalog, table)))
        present = {f.name for f in delta.schema().fields}
        for field in (f for f in schema if f.name not in present):
            # Delta adds columns as nullable; the rows already stored get the value the
            # field declares for them (see `value_for_older_rows`).
            delta.alter.add_columns(Field(field.name, Field.from_arrow(field).type, nullable=True))
            older = value_for_older_rows(field)
            if older is not None:
                delta.update(new_values={field.name: older}, predicate=f"{field.name} IS NULL")

    def replace_scope(self, catalog: str, table: str, rows: pa.Table, keys: list[str], scope: DateScope) -> WriteResult:
        """Make the rows inside `scope` exactly `rows`, in one commit; rows outside are kept."""
        with self.lock(catalog, table):
            return self._replace_scope(catalog, table, rows, keys, scope)

    def _replace_scope(
        self, catalog: str, table: str, rows: pa.Table, keys: list[str], scope: DateScope
    ) -> WriteResult:
        name = f"{catalog}.{self.schema}.{table}"
        self.ensure(catalog, table, rows.schema)
        current = self.read(catalog, table, scope.sql())
        if same_rows(current, rows, keys):
            return WriteResult(name, self.version(catalog, table), changed=False)
        delta = DeltaTable(str(self.path(catalog, table)))
        metrics = (
            delta.merge(
                rows,
                predicate=" AND ".join(f"t.{k} = s.{k}" for k in keys),
                source_alias="s",
                target_alias="t",
            )
            .when_matched_update_all(predicate=any_differs(rows.schema, keys))
            .when_not_matched_insert_all()
            .when_not_matched_by_source_delete(predicate=scope.sql("t"))
            .execute()
        )
        return _result(name, delta, metrics)

    def lock(self, catalog: str, table: str):
        return exclusive(self.root / ".locks" / f"{catalog}.{self.schema}.{table}.lock")

    def replace_all(self, catalog: str, table: str, rows: pa.Table, keys: list[str]) -> WriteResult:
        """Make the whole table exactly `rows`, in one commit (skipped when nothing differs)."""
        with self.lock(catalog, table):
            return self._replace_all(catalog, table, rows, keys)

    def _replace_all(self, catalog: str, table: str, rows: pa.Table, keys: list[str]) -> WriteResult:
        name = f"{catalog}.{self.schema}.{table}"
        if self.exists(catalog, table) and same_rows(self.read(catalog, table), rows, keys):
            return WriteResult(name, self.version(catalog, table), changed=False)
        before = self.read(catalog, table)
        write_deltalake(str(self.path(catalog, table)), rows, mode="overwrite", schema_mode="overwrite")
        return WriteResult(
            name,
            self.version(catalog, table),
            changed=True,
            inserted=rows.num_rows,
            deleted=before.num_rows if before is not None else 0,
        )

    def upsert(self, catalog: str, table: str, rows: pa.Table, key: str, keep_when_null: list[str]) -> WriteResult:
        """Insert new keys, update existing ones; a null in `keep_when_null` keeps the stored value.

        Rows that would change nothing are dropped first, so replaying a file does not
        bump the table's version (a version change is an event downstream).
        """
        with self.lock(catalog, table):
            return self._upsert(catalog, table, rows, key, keep_when_null)

    def _upsert(self, catalog: str, table: str, rows: pa.Table, key: str, keep_when_null: list[str]) -> WriteResult:
        name = f"{catalog}.{self.schema}.{table}"
        self.ensure(catalog, table, rows.schema)
        wanted = changed_rows(self.read(catalog, table), rows, key, keep_when_null)
        if not wanted:
            return WriteResult(name, self.version(catalog, table), changed=False)
        delta = DeltaTable(str(self.path(catalog, table)))
        updates = {
            c: (f"COALESCE(s.{c}, t.{c})" if c in keep_when_null else f"s.{c}") for c in rows.schema.names if c != key
        }
        metrics = (
            delta.merge(
                pa.Table.from_pylist(wanted, schema=rows.schema),
                predicate=f"t.{key} = s.{key}",
                source_alias="s",
                target_alias="t",
            )
            .when_matched_update(updates=updates)
            .when_not_matched_insert_all()
            .execute()
        )
        return _result(name, delta, metrics)


def _damaged(table: str, path: Path) -> bool:
    """A log folder delta-rs does not take for a table: damaged if it holds commit files, else not a table."""
    if any(COMMIT_FILE.match(entry.name) for entry in (path / "_delta_log").iterdir()):
        check_log(table, path)
        raise DamagedTable(table, "delta-rs cannot read its log")
    return False


def changed_rows(stored: pa.Table | None, rows: pa.Table, key: str, keep_when_null: list[str]) -> list[dict]:
    """The rows of an upsert that would change something (new key, or a differing value)."""
    by_key = {r[key]: r for r in stored.to_pylist()} if stored is not None else {}
    compared = [c for c in rows.schema.names if c != key and c not in VOLATILE_COLUMNS]
    wanted = []
    for row in rows.to_pylist():
        old = by_key.get(row[key])
        if old is None or any(
            (row[c] if row[c] is not None or c not in keep_when_null else old[c]) != old[c] for c in compared
        ):
            wanted.append(row)
    return wanted


OLDER_ROWS = b"value_for_older_rows"


def value_for_older_rows(field: pa.Field) -> str | None:
    """What a column added in a later release holds for rows written before it existed."""
    value = (field.metadata or {}).get(OLDER_ROWS)
    return value.decode() if value is not None else None


def _plain(table: pa.Table) -> pa.Table:
    """delta-rs queries return string/binary *views*, which pyarrow cannot sort: cast them."""
    views = {pa.string_view(): pa.string(), pa.binary_view(): pa.binary()}
    fields = [pa.field(f.name, views.get(f.type, f.type), f.nullable, f.metadata) for f in table.schema]
    return table.cast(pa.schema(fields))


def _result(name: str, delta: DeltaTable, metrics: dict) -> WriteResult:
    delta.update_incremental()
    inserted = metrics.get("num_target_rows_inserted", 0)
    updated = metrics.get("num_target_rows_updated", 0)
    deleted = metrics.get("num_target_rows_deleted", 0)
    return WriteResult(
        name,
        delta.version(),
        changed=bool(inserted or updated or deleted),
        inserted=inserted,
        updated=updated,
        deleted=deleted,
    )


def any_differs(schema: pa.Schema, keys: list[str]) -> str:
    cols = [c for c in schema.names if c not in keys and c not in VOLATILE_COLUMNS]
    # Parenthesised: DataFusion binds OR tighter than IS DISTINCT FROM.
    return " OR ".join(f"(t.{c} IS DISTINCT FROM s.{c})" for c in cols) or "false"


def _comparable(table: pa.Table | None, keys: list[str]) -> list[dict]:
    if table is None or table.num_rows == 0:
        return []
    cols = [c for c in table.schema.names if c not in VOLATILE_COLUMNS]
    ordered = table.select(cols).sort_by([(k, "ascending") for k in keys])
    return ordered.to_pylist()


def same_rows(current: pa.Table | None, new: pa.Table, keys: list[str]) -> bool:
    if current is not None and set(current.schema.names) != set(new.schema.names):
        return False  # an older release's columns: rewritten whatever the rows hold
    return _comparable(current, keys) == _comparable(new, keys)
