"""What the tests compare the lake by: each bronze table's Delta version and content."""

from __future__ import annotations

from linkedin_assets.core.bronze.tables import ALL_TABLES
from linkedin_assets.core.lake.delta import DeltaLake


def rows(settings, table: str, **where) -> list[dict]:
    found = DeltaLake(settings.lake).read("bronze", table)
    out = found.to_pylist() if found is not None else []
    return [r for r in out if all(r[k] == v for k, v in where.items())]


def snapshot(settings) -> dict:
    """Each bronze table's Delta version and content (minus ingest time)."""
    lake = DeltaLake(settings.lake)
    snap = {}
    for table in (t.name for t in ALL_TABLES):
        data = lake.read("bronze", table)
        content = sorted(
            (tuple(sorted((k, str(v)) for k, v in r.items() if k != "ingested_at")) for r in data.to_pylist())
            if data is not None
            else []
        )
        snap[table] = (lake.version("bronze", table), content)
    return snap


def every_table(settings) -> dict:
    """Every table of every layer -> its rows (minus ingest time), sorted: what a user reads."""
    lake = DeltaLake(settings.lake)
    out = {}
    for catalog in ("bronze", "silver", "gold"):
        folder = settings.lake / catalog / "linkedin"
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            data = lake.read(catalog, path.name)
            rows = data.to_pylist() if data is not None else []
            out[f"{catalog}.{path.name}"] = sorted(
                tuple(sorted((k, str(v)) for k, v in r.items() if k != "ingested_at")) for r in rows
            )
    return out
