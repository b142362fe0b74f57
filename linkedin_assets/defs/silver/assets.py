"""Silver assets: clean per-day tables and one row per post (group `silver`).

Locally they run on local Spark; with LINKEDIN_COMPUTE=databricks, in the silver
notebook on Databricks compute through dagster-databricks Pipes.
"""

import dagster as dg

from linkedin_assets.core.settings import Settings
from linkedin_assets.core.silver.tables import SILVER_TABLES
from linkedin_assets.defs.sql_assets import build_sql_asset


def silver_assets(settings: Settings, partitions: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    return [build_sql_asset(t, settings, partitions) for t in SILVER_TABLES]
