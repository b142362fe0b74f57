"""Silver and gold tables as SQL over the lake: what each is, and how one is refreshed.

The same `SqlTable` list drives the local assets and the Databricks notebooks; only
the engine that runs the SQL and the writer of the result differ.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

import pyarrow as pa

from .lake.delta import DateScope, WriteResult
from .lake.protocol import Lake


@dataclass(frozen=True)
class SqlTable:
    catalog: str  # silver | gold
    name: str
    sql: str  # file under sql/, without .sql
    keys: list[str]
    deps: list[tuple[str, str]]  # (catalog, table) it reads
    description: str
    partitioned: bool = False  # True: daily partitions on analytics_date
    params: dict = field(default_factory=dict)
    rename: dict = field(default_factory=dict)  # output column renames
    # Checks beyond unique keys (see sql_assets.py): row counts against a source,
    # non-negative metrics, the per-day reconciliation, data freshness.
    same_days_as: tuple[str, str, str] | None = None  # (catalog, table, date column): one row per source day
    non_negative: list[str] = field(default_factory=list)  # counts LinkedIn never writes negative
    negative_days: list[str] = field(default_factory=list)  # daily counts, negative on correction days
    reconcile: bool = False
    fresh_column: str | None = None

    def bind(self, start: dt.date | None, end: dt.date | None) -> dict:
        params = {k: (v() if callable(v) else v) for k, v in self.params.items()}
        if self.partitioned:
            params.update(start=start, end=end)
        return params


def reporting_time_zone() -> str:
    return os.environ.get("LINKEDIN_REPORTING_TIME_ZONE", "UTC")


def post_metric(metric: str) -> SqlTable:
    return SqlTable(
        "silver",
        metric,
        "silver/post_metric",
        keys=["analytics_date", "post_url"],
        deps=[("bronze", "top_posts"), ("bronze", "totals")],
        description=f"Daily {metric} per post from the per-day top-post lists, plus an 'others' "
        f"row per day (day total minus listed posts, when not zero; negative on a correction day).",
        partitioned=True,
        params={"metric": metric},
        rename={"value": metric},
        negative_days=[metric],
    )


SILVER_TABLES = [
    SqlTable(
        "silver", "totals", "silver/totals", ["analytics_date"],
        [("bronze", "totals"), ("bronze", "discovery")],
        "One row per date: impressions, engagements, members reached (one-day files).",
        partitioned=True,
        same_days_as=("bronze", "totals", "date"),
        negative_days=["impressions", "engagements"],
    ),
    SqlTable(
        "silver", "followers", "silver/followers", ["analytics_date"],
        [("bronze", "followers"), ("bronze", "follower_totals")],
        "One row per date: new followers and the stated total followers.",
        partitioned=True,
        non_negative=["total_followers"],
        negative_days=["new_followers"],
    ),
    post_metric("impressions"),
    post_metric("engagements"),
    SqlTable(
        "silver", "posts", "silver/posts", ["post_url"],
        [("bronze", "top_posts"), ("bronze", "post_details"), ("bronze", "post_patch")],
        "One row per post: publish date and time, link, title, content; post_patch wins.",
    ),
]

GOLD_TABLES = [
    SqlTable(
        "gold", "dim_date", "gold/dim_date", ["date"],
        [("silver", "totals"), ("silver", "posts")],
        "Calendar: one row per day the data spans.",
    ),
    SqlTable(
        "gold", "dim_timestamp", "gold/dim_timestamp", ["timestamp_utc"],
        [("silver", "posts")],
        "Post publish timestamps in UTC and in the reporting time zone.",
        params={"reporting_time_zone": reporting_time_zone},
    ),
    SqlTable(
        "gold", "fct_daily_profile_statistics", "gold/fct_daily_profile_statistics", ["analytics_date"],
        [("silver", "totals"), ("silver", "followers")],
        "One row per day for the whole profile, with day-over-day changes.",
        same_days_as=("silver", "totals", "analytics_date"),
        negative_days=["impressions", "engagements", "new_followers"],
        fresh_column="analytics_date",
    ),
    SqlTable(
        "gold", "fct_daily_post_statistics", "gold/fct_daily_post_statistics", ["analytics_date", "post_id"],
        [("silver", "impressions"), ("silver", "engagements"), ("silver", "totals"), ("silver", "posts")],
        "One row per post per day, plus 'others' and 'total' rows per day.",
        negative_days=["impressions", "engagements"],
        reconcile=True,
    ),
]


def refresh_table(lake: Lake, table: SqlTable, start=None, end=None) -> WriteResult:
    """Compute `table` (for [start, end] when partitioned) on the lake's engine and write it.

    `lake` is the local `DeltaLake` (local Spark) or, in a Databricks notebook, the
    `UnityCatalogLake` (the cluster's Spark): the SQL text is the same.
    """
    from .bronze.tables import ALL_TABLES

    # A table nothing has fed yet (post_patch before any patch file, silver daily tables
    # before any Content file) reads as empty, not missing.
    empty = {("bronze", t.name): t.schema for t in ALL_TABLES}
    for catalog, name in table.deps:
        if catalog == "silver" and not lake.exists(catalog, name):
            empty[(catalog, name)] = _output_schema(lake, SILVER_BY_NAME[name], empty)
    rows = _query(lake, table, table.bind(start, end), empty)
    if table.partitioned:
        scope = DateScope("analytics_date", start, end)
        return lake.replace_scope(table.catalog, table.name, rows, table.keys, scope)
    return lake.replace_all(table.catalog, table.name, rows, table.keys)


SILVER_BY_NAME = {t.name: t for t in SILVER_TABLES}
NO_DAY = dt.date(1970, 1, 1)


def _query(lake: Lake, table: SqlTable, params: dict, empty: dict) -> pa.Table:
    from .spark import sql_text

    rows = lake.query(sql_text(table.sql), params, empty)
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
