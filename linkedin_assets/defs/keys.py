"""The one asset-key helper: `bronze.linkedin.totals` is AssetKey(["bronze", "linkedin", "totals"])."""

from __future__ import annotations

import dagster as dg

from linkedin_assets.core.reports import key_parts


def table_key(catalog: str, table: str) -> dg.AssetKey:
    return dg.AssetKey(key_parts(catalog, table))
