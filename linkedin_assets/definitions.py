"""The project's Dagster definitions: what `dagster dev` and `linkedin-analytics run` load."""

from __future__ import annotations

import dagster as dg

from .automation import automation_sensor
from .bronze.assets import bronze_assets
from .bronze.sensors import arrival_sensors, post_patch_version
from .dashboard.assets import dashboard_assets
from .gold.assets import gold_assets
from .notifications import notification_sensors
from .resources import LakehouseResource
from .settings import Settings, load_settings
from .silver.assets import silver_assets


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or load_settings()
    # The one place the compute target is chosen: the assets call the same resource methods.
    if settings.compute == "databricks":
        from .databricks.settings import DatabricksSettings

        lakehouse = DatabricksSettings.from_env().lakehouse_resource()
    else:
        lakehouse = LakehouseResource(home=str(settings.home))
    return dg.Definitions(
        assets=[*bronze_assets, *silver_assets(settings.compute), *gold_assets(settings.compute), *dashboard_assets],
        sensors=[*arrival_sensors, post_patch_version, automation_sensor, *notification_sensors],
        resources={"lakehouse": lakehouse},
    )


defs = build_definitions()
