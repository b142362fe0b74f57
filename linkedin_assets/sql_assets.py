"""One Dagster asset per silver or gold SqlTable, with its checks and retry policy."""

import os

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from . import checks
from .automation import refresh_after_upstream
from .lake.delta import DateScope
from .partitions import daily_partitions, date_range
from .resources import LakehouseResource
from .transform import SqlTable, refresh_local

# Transient failures (a busy engine or warehouse, a Delta commit that lost a race, a
# network error) retry with exponential backoff and jitter; gold, the refresh the
# original pipeline retried, gets the most patience.
RETRY_DELAY_SECONDS = float(os.environ.get("LINKEDIN_RETRY_DELAY_SECONDS", "2"))
RETRIES = {
    "silver": dg.RetryPolicy(max_retries=3, delay=RETRY_DELAY_SECONDS, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS),
    "gold": dg.RetryPolicy(max_retries=5, delay=RETRY_DELAY_SECONDS, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS),
}

DESCRIPTIONS = {
    "unique_keys": ("No two rows share the table's key.", True),
    "rows_match_source": ("One row per day of the source table, for the same days.", True),
    "non_negative": ("Counts are never negative.", True),
    "reconciles": ("Per day and metric, posts + others = total.", True),
    # Not blocking: stale data is worth a warning, not stopping what does exist.
    "fresh": (f"The newest day is at most {checks.FRESHNESS_DAYS} days old (LINKEDIN_FRESHNESS_DAYS).", False),
}


def table_key(catalog: str, table: str) -> dg.AssetKey:
    return dg.AssetKey([catalog, "linkedin", table])


def check_names(table: SqlTable) -> list[str]:
    names = ["unique_keys"]
    names += ["rows_match_source"] if table.same_days_as else []
    names += ["non_negative"] if table.non_negative else []
    names += ["reconciles"] if table.reconcile else []
    names += ["fresh"] if table.fresh_column else []
    return names


def evaluate_checks(
    lakehouse: LakehouseResource, table: SqlTable, stored: pa.Table, start, end
) -> dict[str, checks.Outcome]:
    """The table's checks over what the run owns: its dates of `stored` (the whole table)."""
    lake = lakehouse.lake
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
        days = len(set(source_rows[column].to_pylist())) if source_rows is not None else 0
        out["rows_match_source"] = checks.row_count_matches(days, rows.num_rows, f"{catalog}.linkedin.{source}")
    if table.non_negative:
        out["non_negative"] = checks.non_negative(rows, table.non_negative)
    if table.reconcile:
        out["reconciles"] = checks.reconciles(rows)
    if table.fresh_column:
        out["fresh"] = checks.fresh(rows, table.fresh_column)
    return out


def build_warehouse_asset(table: SqlTable) -> dg.AssetsDefinition:
    """A gold table as a Unity Catalog materialized view refreshed on the SQL warehouse."""
    from .databricks.gold import refresh_gold
    from .databricks.warehouse import WarehouseResource

    @dg.asset(
        key=table_key(table.catalog, table.name),
        group_name=table.catalog,
        description=f"{table.description} Materialized view from sql/{table.sql}.sql, on the SQL warehouse.",
        deps=[table_key(c, t) for c, t in table.deps],
        kinds={"databricks", "sql"},
        automation_condition=refresh_after_upstream,
        retry_policy=RETRIES[table.catalog],
        metadata={"keys": ", ".join(table.keys)},
    )
    def _asset(warehouse: WarehouseResource) -> dg.MaterializeResult:
        return refresh_gold(warehouse, table)

    return _asset


def build_sql_asset(table: SqlTable) -> dg.AssetsDefinition:
    key = table_key(table.catalog, table.name)

    @dg.asset(
        key=key,
        group_name=table.catalog,
        description=f"{table.description} SQL: sql/{table.sql}.sql",
        deps=[table_key(c, t) for c, t in table.deps],
        partitions_def=daily_partitions if table.partitioned else None,
        backfill_policy=dg.BackfillPolicy.single_run() if table.partitioned else None,
        kinds={"spark", "delta"},
        automation_condition=refresh_after_upstream,
        retry_policy=RETRIES[table.catalog],
        check_specs=[
            dg.AssetCheckSpec(name, asset=key, description=DESCRIPTIONS[name][0], blocking=DESCRIPTIONS[name][1])
            for name in check_names(table)
        ],
        metadata={"keys": ", ".join(table.keys)},
    )
    def _asset(context: dg.AssetExecutionContext, lakehouse: LakehouseResource) -> dg.MaterializeResult:
        start, end = date_range(context) if table.partitioned else (None, None)
        written = refresh_local(lakehouse.lake, table, start, end)
        stored = lakehouse.lake.read(table.catalog, table.name)  # read once: row count and checks
        outcomes = evaluate_checks(lakehouse, table, stored, start, end)
        return dg.MaterializeResult(
            metadata={
                **written.metadata(),
                "changed": written.changed,
                "dagster/row_count": stored.num_rows,
                "path": dg.MetadataValue.path(str(lakehouse.lake.path(table.catalog, table.name))),
            },
            check_results=[
                dg.AssetCheckResult(check_name=name, passed=passed, metadata=metadata)
                for name, (passed, metadata) in outcomes.items()
            ],
        )

    return _asset
