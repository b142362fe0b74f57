"""File-arrival sensors, one per landing volume, and the post_patch version sensor.

Each arrival tick lists the volume's pending/ folder and requests one run per
complete file: the bronze assets that volume feeds and everything downstream of them
(silver, gold, the dashboard), for the dates the file covers, with a run key from the
file's identity (name, size, mtime) so a file seen twice runs once and a changed
re-upload runs again. A file still being written waits (see `settled`). The headless
`linkedin-analytics run` ticks these same sensors (linkedin_assets/headless.py).

One run, not a bronze run the automation then follows layer by layer: under `dagster
dev` every hop cost a tick and a new run process (a daily file took four runs and
50 s). In the run, Dagster skips a step whose upstream in the run reported nothing
(a replayed file recomputes nothing); the automation (defs/automation.py) still
catches up on anything left behind, and owns every other change: a materialization or
backfill started from the UI. A direct edit of post_patch, which the version sensor
records, gets one run of what reads it in the same way.

Several files at once (a tick that finds more than one, or one that lands while another
event's run is going) get bronze-only runs: the automation, which waits for every event
run to end, then refreshes what is downstream of all of them once, rather than once per
file, two runs writing the same gold tables side by side.
"""

import json
import time

import dagster as dg

from linkedin_assets.core import checks
from linkedin_assets.core.bronze.ingest import coverage
from linkedin_assets.core.exports.model import ExportError
from linkedin_assets.core.landing import VOLUME_KIND, VOLUMES, LandedFile, LandingArea
from linkedin_assets.core.settings import Settings
from linkedin_assets.defs.automation import EVENT_TAG, event_run_in_progress
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
    file: LandedFile, landing: LandingArea, selection: list[dg.AssetKey], partitions: dg.DailyPartitionsDefinition
) -> dg.RunRequest:
    """The run for one file. Raises ExportError when its dates cannot be told or are out of range."""
    tags = {FILE_TAG: file.source_file, VOLUME_TAG: file.volume, EVENT_TAG: "file"}
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
    return dg.RunRequest(run_key=file.run_key, asset_selection=selection, tags=tags)


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
    selection: list[dg.AssetKey],
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
            requests.append(_request(file, landing, selection, partitions))
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


def bronze_only(request: dg.RunRequest, bronze: set[dg.AssetKey]) -> dg.RunRequest:
    """A file's run cut to its bronze assets: with other files, the automation does the rest once."""
    return request.with_replaced_attrs(asset_selection=[k for k in request.asset_selection or [] if k in bronze])


def arrival_sensor(
    volume: str,
    bronze: set[dg.AssetKey],
    selection: list[dg.AssetKey],
    partitions: dg.DailyPartitionsDefinition,
    settings: Settings,
) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"{volume}_arrival",
        description=f"When a file lands in landing/{volume}/pending/: one run of the bronze assets it feeds "
        "and of everything downstream of them.",
        minimum_interval_seconds=settings.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        asset_selection=selection,
    )
    def arrival(context: dg.SensorEvaluationContext, lakehouse: LakehouseResource) -> dg.SensorResult:
        cursor = json.loads(context.cursor) if context.cursor else {}
        requests, cursor, rejected = plan_pending(
            lakehouse.landing, volume, cursor, settings.settle_seconds, selection, partitions
        )
        if len(requests) > 1 or (requests and event_run_in_progress(context.instance)):
            requests = [bronze_only(request, bronze) for request in requests]
        for name, reason in rejected.items():
            context.log.warning(f"moved to errors/: {name}: {reason}")
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(cursor, sort_keys=True))

    return arrival


def arrival_sensors(
    bronze: dict[str, dg.AssetsDefinition],
    assets: list[dg.AssetsDefinition],
    partitions: dg.DailyPartitionsDefinition,
    settings: Settings,
) -> list[dg.SensorDefinition]:
    """One per landing volume, each requesting the bronze asset of its volume's kind and what
    `assets` holds downstream of it."""
    return [
        arrival_sensor(
            volume,
            set(bronze[VOLUME_KIND[volume]].keys),
            file_run_selection(bronze[VOLUME_KIND[volume]], assets),
            partitions,
            settings,
        )
        for volume in VOLUMES
    ]


def file_run_selection(bronze: dg.AssetsDefinition, assets: list[dg.AssetsDefinition]) -> list[dg.AssetKey]:
    """The assets one file's run materializes: a bronze step's tables and all downstream of them."""
    keys = dg.AssetSelection.assets(*bronze.keys).downstream().resolve(assets)
    return sorted(keys, key=lambda key: key.to_user_string())


def _recorded_version(instance: dg.DagsterInstance) -> int | None:
    """The post_patch Delta version Dagster last wrote or was told about."""
    event = instance.get_latest_materialization_event(POST_PATCH_KEY)
    if event is None or event.asset_materialization is None:
        return None
    value = event.asset_materialization.metadata.get("delta_version")
    return int(value.value) if value is not None else None  # type: ignore[arg-type]  # an int by construction


def post_patch_version(
    context: dg.SensorEvaluationContext, lakehouse: LakehouseResource, downstream: list[dg.AssetKey]
) -> dg.SensorResult:
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
        if passed and not event_run_in_progress(context.instance):
            # As a file's run does: what reads post metadata, in one run (a run already
            # queued for this version is not asked for twice). While another event's run
            # goes, the automation refreshes it after that run instead.
            requests = [
                dg.RunRequest(run_key=f"post_patch@{version}", asset_selection=downstream, tags={EVENT_TAG: "edit"})
            ]
            return dg.SensorResult(asset_events=events, run_requests=requests, cursor=str(version))
    return dg.SensorResult(asset_events=events, cursor=str(version))


def post_patch_version_sensor(settings: Settings, assets: list[dg.AssetsDefinition]) -> dg.SensorDefinition:
    downstream = sorted(
        dg.AssetSelection.assets(POST_PATCH_KEY).downstream(include_self=False).resolve(assets),
        key=lambda key: key.to_user_string(),
    )

    def sensor(context: dg.SensorEvaluationContext, lakehouse: LakehouseResource) -> dg.SensorResult:
        return post_patch_version(context, lakehouse, downstream)

    return dg.sensor(
        name="post_patch_version",
        description="Watches the Delta version of bronze.linkedin.post_patch. A change made outside "
        "Dagster (SQL, the deltalake API) is recorded, and one run refreshes what depends on post "
        "metadata; nothing on the metrics path.",
        minimum_interval_seconds=settings.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        asset_selection=downstream,
    )(sensor)
