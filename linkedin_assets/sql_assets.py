"""One Dagster asset per silver or gold SqlTable."""


import dagster as dg

from .automation import refresh_after_upstream
from .partitions import daily_partitions, date_range
from .resources import LakehouseResource
from .transform import SqlTable, refresh_local


def table_key(catalog: str, table: str) -> dg.AssetKey:
    return dg.AssetKey([catalog, "linkedin", table])


def build_sql_asset(table: SqlTable) -> dg.AssetsDefinition:
    @dg.asset(
        key=table_key(table.catalog, table.name),
        group_name=table.catalog,
        description=f"{table.description} SQL: sql/{table.sql}.sql",
        deps=[table_key(c, t) for c, t in table.deps],
        partitions_def=daily_partitions if table.partitioned else None,
        backfill_policy=dg.BackfillPolicy.single_run() if table.partitioned else None,
        kinds={"spark", "delta"},
        automation_condition=refresh_after_upstream,
        metadata={"keys": ", ".join(table.keys)},
    )
    def _asset(context: dg.AssetExecutionContext, lakehouse: LakehouseResource) -> dg.MaterializeResult:
        start, end = date_range(context) if table.partitioned else (None, None)
        written = refresh_local(lakehouse.lake, table, start, end)
        rows = lakehouse.lake.read(table.catalog, table.name)
        return dg.MaterializeResult(
            metadata={
                **written.metadata(),
                "changed": written.changed,
                "dagster/row_count": rows.num_rows if rows is not None else 0,
                "path": dg.MetadataValue.path(str(lakehouse.lake.path(table.catalog, table.name))),
            }
        )

    return _asset
