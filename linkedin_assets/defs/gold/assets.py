"""Gold assets: dimensions and the two daily fact tables (group `gold`), refreshed whole.

Locally they are Spark SQL over the Delta lake; with LINKEDIN_COMPUTE=databricks the
same SQL files become Unity Catalog materialized views refreshed on the SQL warehouse.
"""

import dagster as dg

from linkedin_assets.core.gold.tables import GOLD_TABLES
from linkedin_assets.core.settings import Settings
from linkedin_assets.defs.sql_assets import build_sql_asset


def gold_assets(settings: Settings, partitions: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    return [build_sql_asset(t, settings, partitions) for t in GOLD_TABLES]
