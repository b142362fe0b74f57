"""Silver assets: clean per-day tables and one row per post (group `silver`).

Locally they run on local Spark; with LINKEDIN_COMPUTE=databricks, in the silver
notebook on Databricks compute through dagster-databricks Pipes.
"""

from linkedin_assets.core.silver.tables import SILVER_TABLES
from linkedin_assets.defs.sql_assets import build_sql_asset


def silver_assets(compute: str = "local") -> list:
    return [build_sql_asset(t, compute) for t in SILVER_TABLES]
