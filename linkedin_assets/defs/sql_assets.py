"""One Dagster asset per silver or gold SqlTable, with its checks and retry policy."""

import dagster as dg

from linkedin_assets.core.bronze.tables import BY_NAME
from linkedin_assets.core.lake.protocol import QueryFailed
from linkedin_assets.core.reports import WARNING_CHECKS
from linkedin_assets.core.settings import Settings, freshness_days, load_engine_settings
from linkedin_assets.core.silver.tables import SILVER_BY_NAME
from linkedin_assets.core.sql.step import check_names
from linkedin_assets.core.sql.table import SqlTable
from linkedin_assets.defs.automation import refresh_after_upstream, refresh_with_upstream
from linkedin_assets.defs.keys import table_key
from linkedin_assets.defs.partitions import date_range
from linkedin_assets.defs.pools import writer_pool
from linkedin_assets.defs.resources.lakehouse import LakehouseResource

# Transient failures (a busy engine or warehouse, a Delta commit that lost a race, a
# network error) retry with exponential backoff and jitter; gold, the refresh the
# original pipeline retried, gets the most patience.
MAX_RETRIES = {"silver": 3, "gold": 5}


def retry_policy(catalog: str, delay_seconds: float) -> dg.RetryPolicy:
    return dg.RetryPolicy(
        max_retries=MAX_RETRIES[catalog],
        delay=delay_seconds,
        backoff=dg.Backoff.EXPONENTIAL,
        jitter=dg.Jitter.PLUS_MINUS,
    )


# Checks in reports.WARNING_CHECKS warn and never block; the others block.
DESCRIPTIONS = {
    "unique_keys": "No two rows share the table's key.",
    "rows_match_source": "One row per day of the source table, for the same days.",
    "non_negative": "Counts LinkedIn never writes negative (stated totals) are not.",
    "negative_days": "Lists each day with a negative count (LinkedIn's corrections, kept as stated); a warning.",
    "reconciles": "Per day and metric, posts + others = total.",
    "fresh": "The newest day is at most {days} days old (LINKEDIN_FRESHNESS_DAYS).",
}


# What each target runs a table on (locally: LINKEDIN_ENGINE), for the UI's kind tags.
KINDS = {
    ("duckdb", "silver"): {"duckdb", "delta"},
    ("duckdb", "gold"): {"duckdb", "delta"},
    ("spark", "silver"): {"spark", "delta"},
    ("spark", "gold"): {"spark", "delta"},
    ("databricks", "silver"): {"databricks", "spark"},
    ("databricks", "gold"): {"databricks", "sql"},
}
WHERE = {
    ("duckdb", "silver"): "DuckDB in the run's process",
    ("duckdb", "gold"): "DuckDB in the run's process",
    ("spark", "silver"): "local Spark",
    ("spark", "gold"): "local Spark",
    ("databricks", "silver"): "the silver notebook on Databricks",
    ("databricks", "gold"): "a materialized view on the SQL warehouse",
}


def _reads_whole_tables_only(table: SqlTable) -> bool:
    """Whether the table runs in its upstream's run: every upstream is unpartitioned and it may join."""
    if table.partitioned or table.waits_for_upstream:
        return False
    for catalog, name in table.deps:
        if catalog == "bronze" and BY_NAME[name].scope_column:
            return False
        if catalog == "silver" and SILVER_BY_NAME[name].partitioned:
            return False
    return True


def build_sql_asset(table: SqlTable, settings: Settings, partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    key = table_key(table.catalog, table.name)
    compute = settings.compute
    runs_on = compute if compute == "databricks" else load_engine_settings().sql

    @dg.asset(
        key=key,
        group_name=table.catalog,
        description=f"{table.description} SQL: sql/{table.sql}.sql, run by {WHERE[(runs_on, table.catalog)]}.",
        deps=[table_key(c, t) for c, t in table.deps],
        partitions_def=partitions if table.partitioned else None,
        backfill_policy=dg.BackfillPolicy.single_run() if table.partitioned else None,
        kinds=KINDS[(runs_on, table.catalog)],
        automation_condition=refresh_with_upstream if _reads_whole_tables_only(table) else refresh_after_upstream,
        retry_policy=retry_policy(table.catalog, settings.retry_delay_seconds),
        pool=writer_pool(compute, f"{table.catalog}_{table.name}"),
        check_specs=[
            dg.AssetCheckSpec(
                name,
                asset=key,
                description=DESCRIPTIONS[name].format(days=freshness_days()),
                blocking=name not in WARNING_CHECKS,
            )
            for name in check_names(table)
        ],
        metadata={"keys": ", ".join(table.keys)},
    )
    def _asset(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
        start, end = date_range(context) if table.partitioned else (None, None)
        try:
            yield from lakehouse.table_step(context, table, start, end)
        except QueryFailed as exc:
            if exc.transient:  # out of memory, a disk error: the retry policy tries again
                raise
            # Not retried: the same statement over the same tables fails the same way (a
            # busy warehouse or a lost connection is another error, and is retried).
            raise dg.Failure(
                description=str(exc), metadata={"sql": f"sql/{table.sql}.sql"}, allow_retries=False
            ) from None

    return _asset
