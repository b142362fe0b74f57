"""The project's Dagster definitions: what `dagster dev`, `dg` and `linkedin-analytics run` load.

Everything is built here, once, from the settings (core/settings.py): the partitions
from LINKEDIN_START_DATE, the sensors' intervals, the retry delay, and the one
`lakehouse` resource of the compute target the assets run on.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from pathlib import Path

import dagster as dg

from linkedin_assets.core.bronze.ingest import earliest_day
from linkedin_assets.core.landing import Landing
from linkedin_assets.core.settings import (
    DatabricksSettings,
    Settings,
    default_start_date,
    environment_value,
    load_engine_settings,
    load_settings,
)
from linkedin_assets.defs.automation import automation_sensor
from linkedin_assets.defs.bronze.assets import bronze_assets
from linkedin_assets.defs.bronze.sensors import arrival_sensors, post_patch_version_sensor
from linkedin_assets.defs.compat import sensor_consoles_from
from linkedin_assets.defs.console import console_logger
from linkedin_assets.defs.dashboard.assets import dashboard_assets
from linkedin_assets.defs.gold.assets import gold_assets
from linkedin_assets.defs.notifications import notification_sensors
from linkedin_assets.defs.partitions import daily_partitions
from linkedin_assets.defs.resources.lakehouse import LakehouseResource
from linkedin_assets.defs.resources.local import LocalLakehouseResource
from linkedin_assets.defs.resources.spark import LocalSparkResource
from linkedin_assets.defs.silver.assets import silver_assets

# The assets use BackfillPolicy on purpose (one run per range); Dagster's beta notice about
# it, repeated by every process that loads these definitions, says nothing to a user.
warnings.filterwarnings("ignore", message=r".*backfill_policy.*beta", category=dg.BetaWarning)


class _InternalNotices(logging.Filter):
    """Dagster's notices that tell a user nothing they can act on. The automation's, when a
    range run updated more than 100 partitions ("Asset ... has 365 updated partitions,
    exceeding the maximum of 100 for per-partition timestamp fetching"), came up to three
    times per asset after every historical file, in the terminal and the daemon's log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        # And, in each run, "Blocking asset check ... emitted no result in step ...; downstream
        # step ... will proceed without gating on it": a table a step left unchanged reports
        # neither rows nor checks, by design (defs/bronze/assets.py), nine lines per daily file.
        return "for per-partition timestamp fetching" not in message and "emitted no result in step" not in message


logging.getLogger("dagster").addFilter(_InternalNotices())
logging.getLogger("dagster._core.execution.plan.active").addFilter(_InternalNotices())
# The sensors' INFO lines (the automation's two per tick) stay in the UI's tick logs.
sensor_consoles_from(logging.WARNING)
# Likewise the automation sensor's evaluation in the code server (defs/automation.py says why).
warnings.filterwarnings("ignore", message=r".*use_user_code_server.*beta", category=dg.BetaWarning)


def lakehouse_resource(settings: Settings) -> LakehouseResource:
    """The one place the compute target is chosen: the assets call the same resource methods."""
    if settings.compute == "databricks":
        # Imported here: dagster-databricks is loaded only by the target that uses it.
        from linkedin_assets.defs.databricks.resource import lakehouse_resource as databricks_lakehouse

        return databricks_lakehouse(DatabricksSettings.from_env(), profiles_file=str(settings.aliases_file))
    engine = load_engine_settings()
    return LocalLakehouseResource(
        home=_home(settings),
        engine=engine.sql,
        spark=LocalSparkResource.from_settings(engine),
        profiles_file=str(settings.aliases_file),
    )


def _home(settings: Settings) -> str:
    """LINKEDIN_HOME as the UI shows it: the variable (dg.EnvVar) when that is where the path came from."""
    configured = environment_value("LINKEDIN_HOME")
    if configured and Path(configured).is_absolute() and Path(configured).resolve() == settings.home:
        return dg.EnvVar("LINKEDIN_HOME")
    return str(settings.home)


def start_date(settings: Settings) -> dt.date:
    """LINKEDIN_START_DATE, else a year back (or back to the first landed day, locally)."""
    if settings.start_date is not None:
        return settings.start_date
    earliest = earliest_day(Landing(settings.landing)) if settings.compute == "local" else None
    return default_start_date(dt.datetime.now(dt.timezone.utc).date(), earliest)


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or load_settings()
    partitions = daily_partitions(start_date(settings))
    bronze = bronze_assets(partitions, settings)
    assets = [
        *bronze.values(),
        *silver_assets(settings, partitions),
        *gold_assets(settings, partitions),
        *dashboard_assets,
    ]
    return dg.Definitions(
        assets=assets,
        sensors=[
            *arrival_sensors(bronze, assets, partitions, settings),
            post_patch_version_sensor(settings, assets),
            automation_sensor(settings),
            *notification_sensors,
        ],
        resources={"lakehouse": lakehouse_resource(settings)},
        # What a run prints where Dagster was started: what a person acts on (defs/console.py).
        loggers={"console": console_logger(settings)},
        # Every step of a run in the run's own process: the steps share one local Spark
        # session (one JVM per run, not one per asset step), as the headless run does.
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """Built when Dagster loads the code location, not at import, from the environment of that moment."""
    return build_definitions()
