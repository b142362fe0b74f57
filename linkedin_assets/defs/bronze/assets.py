"""Bronze assets: one Dagster step per kind of export, writing its Delta tables."""

import time

import dagster as dg

from linkedin_assets.core.bronze import tables
from linkedin_assets.core.bronze.ingest import Requested
from linkedin_assets.core.bronze.step import STEPS, check_names
from linkedin_assets.core.lake.protocol import DamagedTable
from linkedin_assets.core.reports import WARNING_CHECKS
from linkedin_assets.core.settings import Settings
from linkedin_assets.defs.bronze.sensors import FILE_TAG
from linkedin_assets.defs.keys import table_key
from linkedin_assets.defs.partitions import date_range
from linkedin_assets.defs.pools import writer_pool
from linkedin_assets.defs.resources.lakehouse import LakehouseResource

GROUP = "bronze"
# I/O can be transient (a lake write that lost a race); a bad file is not: it raises a
# Failure with allow_retries=False and goes to errors/.
BRONZE_RETRY = dg.RetryPolicy(max_retries=2, delay=1, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


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
        table_key("bronze", table.name),
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


CHECK_DESCRIPTIONS = {
    "rows_in_equal_rows_out": "Rows read from the source files for the run's dates = rows stored for them.",
    "unique_keys": "No two rows share the table's key.",
    "non_negative": "Counts LinkedIn never writes negative (totals, post figures) are not.",
    "negative_days": "Lists each day LinkedIn stated a negative count (a correction), stored as stated; a warning.",
    "no_missing_days": "Every day a processed file covers has a row (no empty partition after an ingest).",
}


def _check_specs(table_list) -> list[dg.AssetCheckSpec]:
    # Blocking: a failed check keeps the automation from carrying the rows downstream.
    return [
        dg.AssetCheckSpec(
            name,
            asset=table_key("bronze", t.name),
            blocking=name not in WARNING_CHECKS,
            description=CHECK_DESCRIPTIONS[name],
        )
        for t in table_list
        for name in check_names(t)
    ]


def _recorded_version(context: dg.AssetExecutionContext, key: dg.AssetKey) -> int | None:
    """The Delta version of `key`'s latest materialization Dagster recorded, for any dates."""
    event = context.instance.get_latest_materialization_event(key)
    version = (
        event.asset_materialization.metadata.get("delta_version") if event and event.asset_materialization else None
    )
    return int(version.value) if version is not None else None


def _has_run_dates(context: dg.AssetExecutionContext, key: dg.AssetKey) -> bool:
    """Whether Dagster has a materialization of `key` for every partition of this run."""
    if context.assets_def.partitions_def is None:
        return True
    return set(context.partition_keys) <= context.instance.get_materialized_partitions(key)


def _fail_on_rejects(rejected: dict[str, str]) -> None:
    if rejected:
        lines = [f"{name}: {reason}" for name, reason in rejected.items()]
        # Not retried: a bad file stays bad. Its reason is also in errors/<name>.error.txt.
        raise dg.Failure(
            description=f"{len(lines)} file(s) rejected:\n" + "\n".join(lines),
            metadata={"rejected": dg.MetadataValue.json(rejected)},
            allow_retries=False,
        )


def requested_files(context: dg.AssetExecutionContext, settle_seconds: float) -> Requested:
    """The pending files this run may take: the one its sensor started it for, or (a backfill,
    a run from the UI) those left alone for the settle time."""
    file = context.run.tags.get(FILE_TAG)
    if file:
        return Requested(files=frozenset({file}))
    return Requested(settled_before=time.time() - settle_seconds)


def _step(context: dg.AssetExecutionContext, lakehouse: LakehouseResource, kind: str, settle_seconds: float):
    """Every bronze step: run it where the compute is, report what changed and the checks, fail on bad files."""
    start, end = date_range(context) if context.assets_def.partitions_def is not None else (None, None)
    keys = {t.name: table_key("bronze", t.name) for t in STEPS[kind][1]}
    recorded = {name: v for name, key in keys.items() if (v := _recorded_version(context, key)) is not None}
    reported = {name: v for name, v in recorded.items() if _has_run_dates(context, keys[name])}
    requested = requested_files(context, settle_seconds)
    try:
        results, rejected = lakehouse.bronze_step(
            context, kind, start, end, reported=reported, requested=requested, recorded=recorded
        )
    except DamagedTable as exc:
        # Not retried: a damaged log stays damaged until someone restores or rebuilds the table.
        raise dg.Failure(description=str(exc), metadata={"table": exc.table}, allow_retries=False) from None
    yield from results
    _fail_on_rejects(rejected)


SOURCES = {
    "content": "content_daily and landing/content_historical",
    "post": "posts",
    "patch": "patch",
}
DESCRIPTIONS = {
    "content": "Parse Content exports covering the run's dates and write the six profile tables.",
    "post": "Parse single-post exports whose as-of date is in the run's dates.",
    "patch": "Apply pending patch files to post_patch (latest wins, empty cell = no correction).",
}


def bronze_asset(kind: str, partitions: dg.PartitionsDefinition, settings: Settings) -> dg.AssetsDefinition:
    """The bronze step of one kind of upload (see core/landing.py VOLUME_KIND): its tables as one multi-asset."""
    _, table_list, dated = STEPS[kind]

    @dg.multi_asset(
        name=f"bronze_{kind}",
        specs=[_spec(t, SOURCES[kind]) for t in table_list],
        check_specs=_check_specs(table_list),
        partitions_def=partitions if dated else None,
        backfill_policy=dg.BackfillPolicy.single_run() if dated else None,
        retry_policy=BRONZE_RETRY,
        pool=writer_pool(settings.compute, f"bronze_{kind}"),
        description=DESCRIPTIONS[kind],
    )
    def _asset(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
        yield from _step(context, lakehouse, kind, settings.settle_seconds)

    return _asset


def bronze_assets(partitions: dg.PartitionsDefinition, settings: Settings) -> dict[str, dg.AssetsDefinition]:
    """kind -> its bronze multi-asset."""
    return {kind: bronze_asset(kind, partitions, settings) for kind in STEPS}
