"""Bronze assets: one Dagster step per kind of export, writing its Delta tables."""


import dagster as dg

from .. import checks
from ..lake.delta import DateScope
from ..partitions import daily_partitions, date_range
from ..resources import LakehouseResource
from . import tables
from .ingest import IngestReport, ingest_content, ingest_patches, ingest_posts

GROUP = "bronze"
# I/O can be transient (a lake write that lost a race); a bad file is not: it raises a
# Failure with allow_retries=False and goes to errors/.
BRONZE_RETRY = dg.RetryPolicy(max_retries=2, delay=1, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


def bronze_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["bronze", "linkedin", table])


def _column_schema(table: tables.BronzeTable) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                f.name,
                str(f.type),
                description=(f.metadata or {}).get(b"doc", b"").decode() or None,
            )
            for f in table.schema
        ]
    )


def _spec(table: tables.BronzeTable, source: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        bronze_key(table.name),
        # A run that leaves a table as it was reports nothing for it, so nothing
        # downstream recomputes (see _results).
        skippable=True,
        group_name=GROUP,
        description=f"{table.description} From landing/{source}.",
        kinds={"delta", "python"},
        metadata={
            "dagster/column_schema": _column_schema(table),
            "keys": ", ".join(table.keys),
        },
    )


METRIC_COLUMNS = {
    "totals": ["impressions", "engagements"],
    "followers": ["new_followers"],
    "follower_totals": ["total_followers"],
    "discovery": ["impressions", "members_reached"],
    "top_posts": ["value"],
    "demographics": ["percentage"],
    "post_details": ["impressions", "members_reached", "reactions", "comments", "reposts", "saves"],
}
DAILY_TABLES = ("totals", "followers")

CHECK_DESCRIPTIONS = {
    "rows_in_equal_rows_out": "Rows read from the source files for the run's dates = rows stored for them.",
    "unique_keys": "No two rows share the table's key.",
    "non_negative": "LinkedIn counts are never negative.",
    "no_missing_days": "Every day a processed file covers has a row (no empty partition after an ingest).",
}


def _check_names(table: tables.BronzeTable) -> list[str]:
    names = ["unique_keys"]
    if table.scope_column:
        names.insert(0, "rows_in_equal_rows_out")
    if table.name in METRIC_COLUMNS:
        names.append("non_negative")
    if table.name in DAILY_TABLES:
        names.append("no_missing_days")
    return names


def _check_specs(table_list) -> list[dg.AssetCheckSpec]:
    # Blocking: a failed check keeps the automation from carrying the rows downstream.
    return [
        dg.AssetCheckSpec(name, asset=bronze_key(t.name), blocking=True, description=CHECK_DESCRIPTIONS[name])
        for t in table_list
        for name in _check_names(t)
    ]


def _check_results(lakehouse: LakehouseResource, report: IngestReport, table_list, start=None, end=None):
    """Evaluate every declared check on what the run owns (its dates; the whole table if unpartitioned)."""
    for table in table_list:
        scope = DateScope(table.scope_column, start, end) if table.scope_column else None
        stored = lakehouse.lake.read("bronze", table.name, scope.sql() if scope else None)
        stored = stored if stored is not None else table.schema.empty_table()
        outcomes = {"unique_keys": checks.unique_keys(stored, table.keys)}
        if scope:
            expected = report.expected_rows.get(table.name, 0)
            outcomes["rows_in_equal_rows_out"] = checks.row_count_matches(expected, stored.num_rows, "source files")
        if table.name in METRIC_COLUMNS:
            outcomes["non_negative"] = checks.non_negative(stored, METRIC_COLUMNS[table.name])
        if table.name in DAILY_TABLES:
            outcomes["no_missing_days"] = checks.no_missing_days(stored, table.scope_column, start, end, report.covered_days)
        for name in _check_names(table):
            passed, metadata = outcomes[name]
            yield dg.AssetCheckResult(
                asset_key=bronze_key(table.name), check_name=name, passed=passed, metadata=metadata
            )


def _already_materialized(context: dg.AssetExecutionContext, key: dg.AssetKey) -> bool:
    if context.assets_def.partitions_def is None:
        return context.instance.get_latest_materialization_event(key) is not None
    done = context.instance.get_materialized_partitions(key)
    return set(context.partition_keys) <= done


def _results(context: dg.AssetExecutionContext, report: IngestReport, lake_root: str):
    """A materialization per table that changed, or whose partitions were never reported."""
    for written in report.written:
        table = written.table.split(".")[-1]
        key = bronze_key(table)
        if not written.changed and _already_materialized(context, key):
            context.log.info(f"{written.table} unchanged: not reported")
            continue
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                **written.metadata(),
                "changed": written.changed,
                "path": dg.MetadataValue.path(f"{lake_root}/bronze/linkedin/{table}"),
                "files_processed": dg.MetadataValue.json(report.processed),
                "files_reread": len(report.reread),
            },
        )


def _fail_on_rejects(report: IngestReport) -> None:
    if report.rejected:
        lines = [f"{name}: {reason}" for name, reason in report.rejected.items()]
        # Not retried: a bad file stays bad. Its reason is also in errors/<name>.error.txt.
        raise dg.Failure(
            description=f"{len(lines)} file(s) rejected:\n" + "\n".join(lines),
            metadata={"rejected": dg.MetadataValue.json(report.rejected)},
            allow_retries=False,
        )


def _step(context: dg.AssetExecutionContext, lakehouse: LakehouseResource, ingest, table_list):
    """Every bronze step: ingest under the lock, report what changed, check it, fail on bad files."""
    dates = date_range(context) if context.assets_def.partitions_def is not None else ()
    with lakehouse.ingest_lock():
        report = ingest(lakehouse.landing, lakehouse.lake, *dates)
    context.log.info(f"processed {report.processed}; re-read {len(report.reread)} file(s) from processed/")
    yield from _results(context, report, str(lakehouse.lake.root))
    yield from _check_results(lakehouse, report, table_list, *dates)
    _fail_on_rejects(report)


@dg.multi_asset(
    name="content_export",
    specs=[_spec(t, "content_daily and landing/content_historical") for t in tables.CONTENT_TABLES],
    partitions_def=daily_partitions,
    check_specs=_check_specs(tables.CONTENT_TABLES),
    backfill_policy=dg.BackfillPolicy.single_run(),
    retry_policy=BRONZE_RETRY,
    description="Parse Content exports covering the run's dates and write the six profile tables.",
)
def content_export(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    yield from _step(context, lakehouse, ingest_content, tables.CONTENT_TABLES)


@dg.multi_asset(
    name="post_export",
    specs=[_spec(tables.POST_DETAILS, "posts")],
    check_specs=_check_specs([tables.POST_DETAILS]),
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    retry_policy=BRONZE_RETRY,
    description="Parse single-post exports whose as-of date is in the run's dates.",
)
def post_export(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    yield from _step(context, lakehouse, ingest_posts, [tables.POST_DETAILS])


@dg.multi_asset(
    name="patch_file",
    specs=[_spec(tables.POST_PATCH, "patch")],
    check_specs=_check_specs([tables.POST_PATCH]),
    retry_policy=BRONZE_RETRY,
    description="Apply pending patch files to post_patch (latest wins, empty cell = no correction).",
)
def patch_file(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    yield from _step(context, lakehouse, ingest_patches, [tables.POST_PATCH])


bronze_assets = [content_export, post_export, patch_file]

