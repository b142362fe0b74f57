"""Gold assets: dimensions and the two daily fact tables (group `gold`), refreshed whole."""

from ..sql_assets import build_sql_asset
from ..transform import GOLD_TABLES

gold_assets = [build_sql_asset(t) for t in GOLD_TABLES]
