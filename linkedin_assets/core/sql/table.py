"""A silver or gold table as SQL over the lake: what it reads, its keys and its checks.

The same `SqlTable` declarations (core/silver/tables.py, core/gold/tables.py) drive
the local assets and the Databricks notebooks; only the engine that runs the SQL and
the writer of the result differ (see refresh.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


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
    # A whole table that reads only whole tables joins its upstream's run. What the
    # dashboard reads must not: the dashboard would join that run too, then refresh
    # again after the daily facts. True: refresh in the run after the upstream's.
    waits_for_upstream: bool = False

    def bind(self, start: dt.date | None, end: dt.date | None) -> dict:
        params = {k: (v() if callable(v) else v) for k, v in self.params.items()}
        if self.partitioned:
            params.update(start=start, end=end)
        return params
