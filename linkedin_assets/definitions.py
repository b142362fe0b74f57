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
    resources = {"lakehouse": LakehouseResource(home=str(settings.home))}
    if settings.compute == "databricks":
        from .databricks.settings import DatabricksSettings

        resources["warehouse"] = DatabricksSettings.from_env().warehouse_resource()
    return dg.Definitions(
        assets=[*bronze_assets, *silver_assets, *gold_assets(settings.compute), *dashboard_assets],
        sensors=[*arrival_sensors, post_patch_version, automation_sensor, *notification_sensors],
        resources=resources,
    )


defs = build_definitions()
