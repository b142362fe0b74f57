"""The resources of the `databricks` compute target, built from `DatabricksSettings` (core/settings.py).

Authentication is the databricks-sdk's own (`WorkspaceClient()` from the
environment); no resource here holds a credential, so their config in the Dagster
UI, their repr, logs and errors cannot show one.
"""

from __future__ import annotations

from linkedin_assets.core.settings import DatabricksSettings
from linkedin_assets.defs.databricks.resource import DatabricksLakehouseResource
from linkedin_assets.defs.databricks.warehouse import WarehouseResource

__all__ = ["DatabricksSettings", "lakehouse_resource", "warehouse_resource"]


def warehouse_resource(settings: DatabricksSettings, **overrides) -> WarehouseResource:
    """The SQL warehouse (needs LINKEDIN_WAREHOUSE_ID); `overrides`: other fields."""
    if not settings.warehouse_id:
        raise ValueError("LINKEDIN_WAREHOUSE_ID is not set: the SQL warehouse that refreshes gold")
    return WarehouseResource(
        warehouse_id=settings.warehouse_id,
        bronze_catalog=settings.catalog("bronze"),
        silver_catalog=settings.catalog("silver"),
        gold_catalog=settings.catalog("gold"),
        schema_name=settings.schema,
        **overrides,
    )


def lakehouse_resource(settings: DatabricksSettings, **overrides) -> DatabricksLakehouseResource:
    """The `lakehouse` resource that runs the assets on the workspace."""
    return DatabricksLakehouseResource(
        warehouse=warehouse_resource(settings),
        landing_root=settings.landing_root,
        pipes_volume_path=settings.pipes_volume_path,
        notebook_dir=settings.notebook_dir,
        job_cluster=settings.job_cluster,
        dashboard_parent=settings.dashboard_parent,
        dashboard_id=settings.dashboard_id,
        dashboard_subscriber=settings.dashboard_subscriber,
        poll_interval_seconds=settings.poll_interval_seconds,
        run_timeout_seconds=settings.run_timeout_seconds,
        run_as=settings.run_as,
        **overrides,
    )
