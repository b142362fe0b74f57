"""Where a landed file has got to, read from the Dagster instance: its bronze run, then
silver, gold and the dashboard materialized after that run ended."""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg

from linkedin_assets.core.landing import LandingArea
from linkedin_assets.defs.bronze.sensors import FILE_TAG

LAYERS = ("silver", "gold", "dashboard")
_DONE = {dg.DagsterRunStatus.SUCCESS}
_FAILED = {dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}


def layer_keys(defs: dg.Definitions) -> dict[str, list[dg.AssetKey]]:
    graph = defs.resolve_asset_graph()
    out: dict[str, list[dg.AssetKey]] = {layer: [] for layer in LAYERS}
    for key in graph.get_all_asset_keys():
        group = graph.get(key).group_name
        if group in out:
            out[group].append(key)
    return out


def progress(
    instance: dg.DagsterInstance,
    landing: LandingArea,
    layers: Mapping[str, list[dg.AssetKey]],
    source_file: str,
    ui_url: str,
) -> dict:
    """{"state", "stages": [{"layer", "state", "run_url"}...], "reason"} for `volume/name`."""
    volume, _, name = source_file.partition("/")
    reason = landing.error_reason(name, volume)
    if reason is not None:
        return {"state": "refused", "reason": reason, "stages": []}
    runs = instance.get_runs(filters=dg.RunsFilter(tags={FILE_TAG: source_file}), limit=1)
    if not runs:
        return {"state": "waiting for its sensor", "stages": []}
    run = runs[0]
    stages: list[dict[str, str | None]] = [
        {"layer": "bronze", "state": run.status.value.lower(), "run_url": f"{ui_url}/runs/{run.run_id}"}
    ]
    if run.status in _FAILED:
        return {"state": "failed", "stages": stages}
    record = instance.get_run_record_by_id(run.run_id)
    ended = record.end_time if record else None
    if run.status not in _DONE or ended is None:
        return {"state": "in bronze", "stages": stages}
    if not instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        # Its days were already stored exactly so: nothing downstream has to change.
        return {"state": "done: nothing changed", "stages": stages}
    state = "done"
    for layer in LAYERS:
        newest = None
        for key in layers.get(layer, []):
            found = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=key, after_timestamp=ended), limit=1, ascending=False
            ).records
            if found and (newest is None or found[0].timestamp > newest.timestamp):
                newest = found[0]
        if newest is None:
            stages.append({"layer": layer, "state": "waiting", "run_url": None})
            state = f"waiting for {layer}"
            break
        stage: dict[str, str | None] = {
            "layer": layer,
            "state": "materialized",
            "run_url": f"{ui_url}/runs/{newest.run_id}",
        }
        if layer == "dashboard":
            materialization = newest.event_log_entry.asset_materialization
            url = materialization.metadata.get("url") if materialization else None
            stage["dashboard_url"] = getattr(url, "value", None)
        stages.append(stage)
    return {"state": state, "stages": stages}
