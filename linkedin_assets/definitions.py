"""The project's Dagster definitions: what `dagster dev` and `linkedin-analytics run` load."""

from __future__ import annotations

import dagster as dg

from linkedin_assets.core.settings import Settings, load_settings
from linkedin_assets.defs.automation import automation_sensor
from linkedin_assets.defs.bronze.assets import bronze_assets
from linkedin_assets.defs.bronze.sensors import arrival_sensors, post_patch_version
from linkedin_assets.defs.dashboard.assets import dashboard_assets
from linkedin_assets.defs.gold.assets import gold_assets
from linkedin_assets.defs.notifications import notification_sensors
from linkedin_assets.defs.resources.local import LocalLakehouseResource
from linkedin_assets.defs.silver.assets import silver_assets


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or load_settings()
    # The one place the compute target is chosen: the assets call the same resource methods.
    if settings.compute == "databricks":
        from linkedin_assets.defs.databricks.settings import DatabricksSettings

        lakehouse = DatabricksSettings.from_env().lakehouse_resource()
    else:
        lakehouse = LocalLakehouseResource(home=str(settings.home))
    return dg.Definitions(
        assets=[*bronze_assets, *silver_assets(settings.compute), *gold_assets(settings.compute), *dashboard_assets],
        sensors=[*arrival_sensors, post_patch_version, automation_sensor, *notification_sensors],
        resources={"lakehouse": lakehouse},
    )


defs = build_definitions()
