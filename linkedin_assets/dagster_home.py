"""DAGSTER_HOME as this project sets it up: its folder, its dagster.yaml, and one way to
open the instance in it that two processes starting at once cannot break."""

from __future__ import annotations

import os
import tempfile

import dagster as dg

from linkedin_assets.core.locks import exclusive
from linkedin_assets.core.settings import Settings, set_environment
from linkedin_assets.event_log import BATCH_SIZE, BATCH_SIZE_VARIABLE, STORAGE_YAML

DAGSTER_YAML = (
    """\
# Written by linkedin-analytics. The machine may have no network: no telemetry.
telemetry:
  enabled: false
auto_materialize:
  use_sensors: true
# One step at a time per pool: each Databricks writer has one (defs/pools.py).
concurrency:
  pools:
    default_limit: 1
# A run a sensor requested starts within a second (Dagster's default looks every 5 s).
# (The sensors stay one after another: a file's sensor must see the run another volume's
# sensor just requested, to keep both files' runs to bronze; defs/bronze/sensors.py.)
run_queue:
  dequeue_interval_seconds: 1
# Dagster's SQLite event log, writing a run's per-day events in batches (linkedin_assets/event_log.py).
"""
    + STORAGE_YAML
)
# What earlier releases wrote: a file still exactly so is upgraded; an edited one is the user's.
EARLIER_YAML = (
    """\
# Written by linkedin-analytics. The machine may have no network: no telemetry.
telemetry:
  enabled: false
auto_materialize:
  use_sensors: true
# One step at a time per pool: each Databricks writer has one (defs/pools.py).
concurrency:
  pools:
    default_limit: 1
# A run a sensor requested starts within a second (Dagster's default looks every 5 s).
# (The sensors stay one after another: a file's sensor must see the run another volume's
# sensor just requested, to keep both files' runs to bronze; defs/bronze/sensors.py.)
run_queue:
  dequeue_interval_seconds: 1
""",
    """\
# Written by linkedin-analytics. The machine may have no network: no telemetry.
telemetry:
  enabled: false
auto_materialize:
  use_sensors: true
# One step at a time per pool: each Databricks writer has one (defs/pools.py).
concurrency:
  pools:
    default_limit: 1
""",
    """\
# Written by linkedin-analytics. The machine may have no network: no telemetry.
telemetry:
  enabled: false
auto_materialize:
  use_sensors: true
""",
)


# Dagster's own switch: a run over a range of days records one "planned" event per asset,
# not one per asset and day (a 365-day file's run spent two minutes writing 3,000 of them
# before its first step). The price, as Dagster documents it: when such a run fails, its
# days are not marked failed one by one (the run is, and they stay as they were).
PLANNED_EVENTS_VARIABLE = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"
# Dagster's switches this project runs with, in every process it starts (`make dev` sets
# the same): the one above, and the batches the event log writes (event_log.py).
DAGSTER_VARIABLES = {PLANNED_EVENTS_VARIABLE: "true", BATCH_SIZE_VARIABLE: BATCH_SIZE}


def prepare_environment(settings: Settings) -> None:
    """Folders, DAGSTER_HOME and its dagster.yaml: all a first run needs."""
    settings.ensure_folders()
    set_environment("DAGSTER_HOME", str(settings.dagster_home))
    for name, value in DAGSTER_VARIABLES.items():
        set_environment(name, value, overwrite=False)
    config = settings.dagster_home / "dagster.yaml"
    if config.exists() and config.read_text() not in EARLIER_YAML:
        return
    # Written whole or not at all: a process opening the instance meanwhile must never
    # read half a file.
    fd, staged = tempfile.mkstemp(dir=settings.dagster_home, prefix=".dagster.yaml.")
    with os.fdopen(fd, "w") as handle:
        handle.write(DAGSTER_YAML)
    os.replace(staged, config)


def open_instance(settings: Settings) -> dg.DagsterInstance:
    """The instance in DAGSTER_HOME. Two processes opening a fresh one would both create its
    SQLite schema (the upload page and a run, or two runs): one at a time."""
    prepare_environment(settings)
    with exclusive(settings.dagster_home / ".init.lock"):
        return dg.DagsterInstance.get()


def prepare_pools(instance: dg.DagsterInstance, defs: dg.Definitions, settings: Settings) -> None:
    """Give each pool of the definitions its limit before any step asks for it.

    Dagster sets a pool's default limit lazily, on the first claim; two run processes
    claiming a new pool at the same instant both set it, and both steps ran. A pool set
    up already (or changed by the user in the UI) is left as it is.
    """
    pools = set().union(*(node.pools or set() for node in defs.resolve_asset_graph().asset_nodes))
    storage = instance.event_log_storage
    if not pools - storage.get_concurrency_keys():
        return
    with exclusive(settings.dagster_home / ".init.lock"):
        for pool in sorted(pools - storage.get_concurrency_keys()):
            storage.initialize_concurrency_limit_to_default(pool)
