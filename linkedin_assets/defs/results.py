"""A core `StepReport` (or a step's metadata) as the Dagster results an asset yields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dagster as dg

from linkedin_assets.core.reports import TYPED_METADATA, StepReport


def _table_schema(value: dict) -> dg.MetadataValue:
    columns = [dg.TableColumn(c["name"], c["type"], description=c.get("description")) for c in value["columns"]]
    return dg.MetadataValue.table_schema(dg.TableSchema(columns=columns))


_MAKERS: dict[str, Callable[[Any], dg.MetadataValue]] = {
    "path": dg.MetadataValue.path,
    "json": dg.MetadataValue.json,
    "url": dg.MetadataValue.url,
    "table_schema": _table_schema,
}


def dagster_metadata(metadata: dict) -> dict:
    """Raw values, typed by key where the value alone would lose its meaning (a path, a link)."""
    return {k: _MAKERS[TYPED_METADATA[k]](v) if k in TYPED_METADATA else v for k, v in metadata.items()}


def dagster_results(report: StepReport) -> list[dg.MaterializeResult | dg.AssetCheckResult]:
    out: list[dg.MaterializeResult | dg.AssetCheckResult] = [
        dg.MaterializeResult(asset_key=dg.AssetKey(t.key), metadata=dagster_metadata(t.metadata))
        for t in report.materialized
    ]
    out += [
        dg.AssetCheckResult(
            asset_key=dg.AssetKey(c.key),
            check_name=c.name,
            passed=c.passed,
            severity=dg.AssetCheckSeverity(c.severity),
            metadata=dagster_metadata(c.metadata),
        )
        for c in report.checks
    ]
    return out
