"""File-arrival sensors, one per landing volume, and the post_patch version sensor.

Each arrival tick lists the volume's pending/ folder and requests one run per
complete file: exactly the bronze assets that volume feeds, for the dates the file
covers, with a run key from the file's identity (name, size, mtime) so a file seen
twice runs once and a changed re-upload runs again. A file still being written
waits (see `settled`). The headless `linkedin-analytics run` ticks these same
sensors (linkedin_assets/headless.py).
"""

import json
import time

import dagster as dg

from linkedin_assets.core import checks
from linkedin_assets.core.bronze.ingest import coverage
from linkedin_assets.core.exports.model import ExportError
from linkedin_assets.core.landing import VOLUME_KIND, VOLUMES, LandedFile, LandingArea
from linkedin_assets.core.settings import Settings
from linkedin_assets.defs.keys import table_key
from linkedin_assets.defs.partitions import partition_bounds
from linkedin_assets.defs.resources.lakehouse import LakehouseResource

FILE_TAG = "linkedin/file"
VOLUME_TAG = "linkedin/volume"
# Dagster's own tags for a run over a range of partitions (what single-run backfills use).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"

POST_PATCH_KEY = table_key("bronze", "post_patch")


def _request(
    file: LandedFile, landing: LandingArea, assets: dg.AssetsDefinition, partitions: dg.DailyPartitionsDefinition
) -> dg.RunRequest:
    """The run for one file. Raises ExportError when its dates cannot be told or are out of range."""
    tags = {FILE_TAG: file.source_file, VOLUME_TAG: file.volume}
    dates = coverage(file, landing)
    if dates is not None:
        first, last = partition_bounds(partitions)
        if dates[0] < first or dates[1] > last:
            raise ExportError(
                file.name,
                f"covers {dates[0]}..{dates[1]}, outside the partitions {first}..{last}: reload the code "
                "location (the partitions then reach back to the oldest landed file) and drop it again, or set "
                "LINKEDIN_START_DATE",
            )
        tags[RANGE_START_TAG] = dates[0].isoformat()
        tags[RANGE_END_TAG] = dates[1].isoformat()
    return dg.RunRequest(run_key=file.run_key, asset_selection=list(assets.keys), tags=tags)


def settled(file: LandedFile, seen_before: dict, settle_seconds: float, now: float | None = None) -> bool:
    """Not still being written: unchanged since the previous tick, or untouched for `settle_seconds`."""
    if seen_before.get(file.name) == file.identity:
        return True
    age = (time.time() if now is None else now) - file.mtime_ns / 1e9
    return age >= settle_seconds


def plan_pending(
    landing: LandingArea,
    volume: str,
    cursor: dict,
    settle_seconds: float,
    assets: dg.AssetsDefinition,
    partitions: dg.DailyPartitionsDefinition,
) -> tuple[list[dg.RunRequest], dict, dict[str, str]]:
    """(run requests, new cursor, rejected file -> reason) for one volume's pending files.

    The cursor holds each pending file's identity as last seen and as last requested:
    a file is requested once it has settled (see `settled`), and again only if it
    changes (a re-upload).
    """
    seen_before, requested_before = cursor.get("seen", {}), cursor.get("requested", {})
    requests, seen, requested, rejected = [], {}, {}, {}
    for file in landing.files(volume, "pending"):
        seen[file.name] = file.identity
        if requested_before.get(file.name) == file.identity:
            requested[file.name] = file.identity
            continue
        if not settled(file, seen_before, settle_seconds):
            continue
        try:
            requests.append(_request(file, landing, assets, partitions))
            requested[file.name] = file.identity
        except ExportError as exc:
            landing.mark_error(file, str(exc))
            rejected[file.source_file] = str(exc)
            seen.pop(file.name)
    return requests, {"seen": seen, "requested": requested}, rejected


def unsettled(cursor: str | None) -> dict[str, float]:
    """Pending files an arrival sensor's cursor saw but did not request yet (still being written):
    name -> when each was last modified (seconds since the epoch)."""
    state = json.loads(cursor) if cursor else {}
    seen, requested = state.get("seen", {}), state.get("requested", {})
    # An identity is "<volume>/<name>:<size>:<mtime_ns>" (LandedFile.identity).
    return {name: int(identity.rsplit(":", 1)[1]) / 1e9 for name, identity in seen.items() if name not in requested}


def arrival_sensor(
    volume: str, assets: dg.AssetsDefinition, partitions: dg.DailyPartitionsDefinition, settings: Settings
) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"{volume}_arrival",
        description=f"Runs the bronze assets fed by landing/{volume}/pending/ when a file lands there.",
        minimum_interval_seconds=settings.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        asset_selection=list(assets.keys),
    )
    def arrival(context: dg.SensorEvaluationContext, lakehouse: LakehouseResource) -> dg.SensorResult:
        cursor = json.loads(context.cursor) if context.cursor else {}
        requests, cursor, rejected = plan_pending(
            lakehouse.landing, volume, cursor, settings.settle_seconds, assets, partitions
        )
        for name, reason in rejected.items():
            context.log.warning(f"moved to errors/: {name}: {reason}")
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(cursor, sort_keys=True))

    return arrival


def arrival_sensors(
    bronze: dict[str, dg.AssetsDefinition], partitions: dg.DailyPartitionsDefinition, settings: Settings
) -> list[dg.SensorDefinition]:
    """One per landing volume, each requesting the bronze asset of its volume's kind."""
    return [arrival_sensor(v, bronze[VOLUME_KIND[v]], partitions, settings) for v in VOLUMES]


def _recorded_version(instance: dg.DagsterInstance) -> int | None:
    """The post_patch Delta version Dagster last wrote or was told about."""
    event = instance.get_latest_materialization_event(POST_PATCH_KEY)
    if event is None or event.asset_materialization is None:
        return None
    value = event.asset_materialization.metadata.get("delta_version")
    return int(value.value) if value is not None else None  # type: ignore[arg-type]  # an int by construction


def post_patch_version(context: dg.SensorEvaluationContext, lakehouse: LakehouseResource) -> dg.SensorResult:
    version = lakehouse.lake.version("bronze", "post_patch")
    if version is None or context.cursor == str(version):
        return dg.SensorResult(skip_reason=f"post_patch at version {version}, unchanged")
    events: list = [dg.AssetObservation(POST_PATCH_KEY, metadata={"delta_version": version})]
    recorded = _recorded_version(context.instance)
    if recorded is None or version > recorded:
        waiting = lakehouse.rows_readable()
        if waiting is not None:
            # The cursor stays: a later tick, with the rows readable, records the edit and its check.
            return dg.SensorResult(skip_reason=f"post_patch at version {version}, changed outside Dagster: {waiting}")
        # Not written by a Dagster run: report it, so downstream automation sees the change.
        events.append(
            dg.AssetMaterialization(
                POST_PATCH_KEY,
                metadata={"delta_version": version, "changed_by": "outside Dagster (direct edit)"},
            )
        )
        # The edit bypassed the asset's own blocking check: evaluate it on the edited table,
        # so a duplicate key stops here and a clean edit flows on.
        passed, metadata = checks.unique_keys(lakehouse.lake.read("bronze", "post_patch"), ["post_url"])
        events.append(
            dg.AssetCheckEvaluation(
                asset_key=POST_PATCH_KEY, check_name="unique_keys", passed=passed, metadata=metadata
            )
        )
    return dg.SensorResult(asset_events=events, cursor=str(version))


def post_patch_version_sensor(settings: Settings) -> dg.SensorDefinition:
    return dg.sensor(
        name="post_patch_version",
        description="Watches the Delta version of bronze.linkedin.post_patch. A change made outside "
        "Dagster (SQL, the deltalake API) is recorded, and the automation refreshes what depends on "
        "post metadata; nothing on the metrics path.",
        minimum_interval_seconds=settings.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )(post_patch_version)
