"""One silver or gold refresh, wherever it runs: compute the table, write it, check it.

The same function runs in the Dagster process (local compute) and in the silver
notebook on Databricks; gold on Databricks refreshes a materialized view on the
warehouse and then checks it with `evaluate_checks` over the warehouse.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from linkedin_assets.core import checks
from linkedin_assets.core.lake.protocol import DateScope
from linkedin_assets.core.profiles import NO_ALIASES, Profiles
from linkedin_assets.core.reports import CheckReport, StepReport, TableReport, key_parts, run_dates, table_metadata
from linkedin_assets.core.sql.refresh import refresh_table
from linkedin_assets.core.sql.table import SqlTable


def check_names(table: SqlTable) -> list[str]:
    names = ["unique_keys"]
    names += ["rows_match_source"] if table.same_days_as else []
    names += ["non_negative"] if table.non_negative else []
    names += ["negative_days"] if table.negative_days else []
    names += ["reconciles"] if table.reconcile else []
    names += ["fresh"] if table.fresh_column else []
    return names


def evaluate_checks(lake, table: SqlTable, stored: pa.Table, start, end) -> dict[str, checks.Outcome]:
    """The table's checks over what the run owns: its dates of `stored` (the whole table)."""
    scope = DateScope("analytics_date", start, end) if table.partitioned else None
    rows = stored
    if scope:
        day = pc.field("analytics_date")
        rows = stored.filter((day >= pa.scalar(start, pa.date32())) & (day <= pa.scalar(end, pa.date32())))
    out = {"unique_keys": checks.unique_keys(rows, table.keys)}
    if table.same_days_as:
        catalog, source, column = table.same_days_as
        source_scope = DateScope(column, start, end).sql() if scope else None
        source_rows = lake.read(catalog, source, source_scope)
        # One row per profile and source day.
        days = (
            len(set(zip(source_rows["profile"].to_pylist(), source_rows[column].to_pylist(), strict=True)))
            if source_rows is not None
            else 0
        )
        out["rows_match_source"] = checks.row_count_matches(days, rows.num_rows, f"{catalog}.linkedin.{source}")
    if table.non_negative:
        out["non_negative"] = checks.non_negative(rows, table.non_negative)
    if table.negative_days:
        out["negative_days"] = checks.negative_days(rows, "analytics_date", table.negative_days)
    if table.reconcile:
        out["reconciles"] = checks.reconciles(rows)
    if table.fresh_column:
        out["fresh"] = checks.fresh(rows, table.fresh_column)
    return out


def checked(lake, table: SqlTable, metadata: dict, start=None, end=None) -> StepReport:
    """The report of a refreshed table: its metadata, row count and checks (the table read once)."""
    stored = lake.read(table.catalog, table.name)
    outcomes = evaluate_checks(lake, table, stored, start, end)
    key = key_parts(table.catalog, table.name)
    return StepReport(
        materialized=[TableReport(key, {**metadata, **table_metadata(stored, stored.schema)})],
        checks=[CheckReport(key, name, passed, meta) for name, (passed, meta) in outcomes.items()],
    )


def run_sql_step(lake, table: SqlTable, start=None, end=None, profiles: Profiles = NO_ALIASES) -> StepReport:
    written = refresh_table(lake, table, start, end, profiles)
    metadata = {
        **written.metadata(),
        "changed": written.changed,
        **lake.location(table.catalog, table.name),
        **(run_dates(start, end) if table.partitioned else {}),
    }
    return checked(lake, table, metadata, start, end)
