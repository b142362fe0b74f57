"""File-arrival sensors, one per landing volume.

Each tick lists the volume's pending/ folder and requests one run per complete
file: exactly the bronze assets that volume feeds, for the dates the file covers,
with a run key from the file's identity (name, size, mtime) so a file seen twice
runs once and a changed re-upload runs again. A file whose size or mtime changed
since the previous tick is still being written and waits for the next one.
The headless `linkedin-analytics run` evaluates these same sensors.
"""


import json
import os

import dagster as dg

from ..exports.model import ExportError
from ..landing import LandedFile, Landing
from ..partitions import partition_bounds
from ..resources import LakehouseResource
from ..settings import VOLUMES
from .assets import content_export, patch_file, post_export
from .ingest import coverage

FILE_TAG = "linkedin/file"
VOLUME_TAG = "linkedin/volume"
# Dagster's own tags for a run over a range of partitions (what single-run backfills use).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
DEFAULT_INTERVAL_SECONDS = int(os.environ.get("LINKEDIN_SENSOR_INTERVAL_SECONDS", "30"))

VOLUME_ASSETS = {
    "content_daily": content_export,
    "content_historical": content_export,
    "posts": post_export,
    "patch": patch_file,
}


def _request(file: LandedFile) -> dg.RunRequest:
    """The run for one file. Raises ExportError when its dates cannot be told or are out of range."""
    tags = {FILE_TAG: file.source_file, VOLUME_TAG: file.volume}
    dates = coverage(file)
    if dates is not None:
        first, last = partition_bounds()
        if dates[0] < first or dates[1] > last:
            raise ExportError(
                file.name,
                f"covers {dates[0]}..{dates[1]}, outside the partitions {first}..{last} "
                "(set LINKEDIN_START_DATE to load older data)",
            )
        tags[RANGE_START_TAG] = dates[0].isoformat()
        tags[RANGE_END_TAG] = dates[1].isoformat()
    return dg.RunRequest(
        run_key=file.run_key,
        asset_selection=list(VOLUME_ASSETS[file.volume].keys),
        tags=tags,
    )


def plan_pending(
    landing: Landing, volume: str, previous: dict[str, str], settle: bool = True
) -> tuple[list[dg.RunRequest], dict[str, str], dict[str, str]]:
    """(run requests, new cursor, rejected file -> reason) for one volume's pending files.

    The cursor maps file name -> identity as last seen. With `settle`, a file is
    requested only when it looks the same as on the previous tick.
    """
    requests, seen, rejected = [], {}, {}
    for file in landing.files(volume, "pending"):
        seen[file.name] = file.identity
        if settle and previous.get(file.name) != file.identity:
            continue
        try:
            requests.append(_request(file))
        except ExportError as exc:
            landing.mark_error(file, str(exc))
            rejected[file.source_file] = str(exc)
            seen.pop(file.name)
    return requests, seen, rejected


def _arrival_sensor(volume: str) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"{volume}_arrival",
        description=f"Runs the bronze assets fed by landing/{volume}/pending/ when a file lands there.",
        minimum_interval_seconds=DEFAULT_INTERVAL_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        asset_selection=list(VOLUME_ASSETS[volume].keys),
    )
    def arrival(context: dg.SensorEvaluationContext, lakehouse: LakehouseResource) -> dg.SensorResult:
        previous = json.loads(context.cursor) if context.cursor else {}
        requests, seen, rejected = plan_pending(lakehouse.landing, volume, previous)
        for name, reason in rejected.items():
            context.log.warning(f"moved to errors/: {name}: {reason}")
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(seen, sort_keys=True))

    return arrival


arrival_sensors = [_arrival_sensor(v) for v in VOLUMES]
