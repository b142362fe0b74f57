"""Refreshing a silver or gold table: its SQL run on the lake's engine, the result written in one commit."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from linkedin_assets.core.bronze.tables import ALL_TABLES
from linkedin_assets.core.lake.profile_upgrade import upgrade
from linkedin_assets.core.lake.protocol import DateScope, Lake, QueryFailed, WriteResult
from linkedin_assets.core.profiles import NO_ALIASES, Profiles
from linkedin_assets.core.silver.tables import SILVER_BY_NAME
from linkedin_assets.core.sql.table import SqlTable
from linkedin_assets.core.sql.text import sql_text


def refresh_table(lake: Lake, table: SqlTable, start=None, end=None, profiles: Profiles = NO_ALIASES) -> WriteResult:
    """Compute `table` (for [start, end] when partitioned) on the lake's engine and write it.

    `lake` is the local `DeltaLake` (local Spark) or, in a Databricks notebook, the
    `UnityCatalogLake` (the cluster's Spark): the SQL text is the same. `profiles`: the
    user's aliases, should an older release's rows need theirs (profile_upgrade.py).
    """
    # A table nothing has fed yet (post_patch before any patch file, silver daily tables
    # before any Content file) reads as empty, not missing.
    empty = {("bronze", t.name): t.schema for t in ALL_TABLES}
    for catalog, name in table.deps:
        if catalog == "silver" and not lake.exists(catalog, name):
            empty[(catalog, name)] = _output_schema(lake, SILVER_BY_NAME[name], empty)
    rows = _query(lake, table, table.bind(start, end), empty)
    if table.partitioned:
        # The only write that keeps rows it did not compute: older ones must have their profile.
        upgrade(lake, [(table.catalog, table.name)], profiles)
        scope = DateScope("analytics_date", start, end)
        return lake.replace_scope(table.catalog, table.name, rows, table.keys, scope)
    return lake.replace_all(table.catalog, table.name, rows, table.keys)


NO_DAY = dt.date(1970, 1, 1)


def _query(lake: Lake, table: SqlTable, params: dict, empty: dict) -> pa.Table:
    try:
        rows = lake.query(sql_text(table.sql), params, empty)
    except QueryFailed as exc:
        # Nothing is written: the refresh stops before its one commit.
        raise QueryFailed(
            f"{table.catalog}.linkedin.{table.name}: its query sql/{table.sql}.sql failed, nothing was written: {exc}",
            transient=exc.transient,
        ) from None
    if table.rename:
        rows = rows.rename_columns([table.rename.get(c, c) for c in rows.column_names])
    return _normalise(rows)


def _output_schema(lake: Lake, table: SqlTable, empty: dict) -> pa.Schema:
    """The schema `table` would have, from its own SQL over a day with no data."""
    return _query(lake, table, table.bind(NO_DAY, NO_DAY), empty).schema


def _normalise(rows: pa.Table) -> pa.Table:
    """Spark hands back large strings and zone-less or non-UTC timestamps; store one form."""
    fields = []
    for f in rows.schema:
        kind = f.type
        if pa.types.is_large_string(kind):
            kind = pa.string()
        elif pa.types.is_timestamp(kind) and kind.tz is not None:
            kind = pa.timestamp("us", tz="UTC")
        elif pa.types.is_timestamp(kind):
            kind = pa.timestamp("us")
        fields.append(pa.field(f.name, kind, nullable=True))
    return rows.cast(pa.schema(fields))
