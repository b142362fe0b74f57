"""Silver assets: clean per-day tables and one row per post (group `silver`)."""

from ..sql_assets import build_sql_asset
from ..transform import SILVER_TABLES

silver_assets = [build_sql_asset(t) for t in SILVER_TABLES]
