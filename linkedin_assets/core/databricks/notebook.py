"""What the Databricks notebooks run: a bronze step or a silver refresh, reported through Pipes.

The notebooks in notebooks/ are thin: they call `run_bronze` or `run_silver` with the
notebook's `spark` and `dbutils`. Dagster's Pipes client passes the Pipes bootstrap
parameters as notebook widgets (serverless) or cluster environment variables (a job
cluster), and the step's arguments as Pipes extras; the
context and the messages travel through a Unity Catalog volume (read and written
through the /Volumes FUSE mount here, through the Files API on the Dagster side).

Only dagster-pipes is needed on the cluster: nothing here imports Dagster.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def pipes_session(dbutils):
    """The Pipes session of this notebook run; its context and messages are in a UC volume.

    Serverless runs get the bootstrap as widgets; job-cluster runs in the cluster's
    environment (`PipesDatabricksClient` puts it in `spark_env_vars`).
    """
    from dagster_pipes import (
        PipesDatabricksNotebookWidgetsParamsLoader,
        PipesEnvVarParamsLoader,
        PipesUnityCatalogVolumesContextLoader,
        PipesUnityCatalogVolumesMessageWriter,
        open_dagster_pipes,
    )

    widgets = PipesDatabricksNotebookWidgetsParamsLoader(dbutils.widgets)
    with open_dagster_pipes(
        context_loader=PipesUnityCatalogVolumesContextLoader(),
        message_writer=PipesUnityCatalogVolumesMessageWriter(interval=1),
        params_loader=widgets if _has_widget_bootstrap(widgets) else PipesEnvVarParamsLoader(),
    ) as pipes:
        yield pipes


def _has_widget_bootstrap(widgets) -> bool:
    try:
        return widgets.is_dagster_pipes_process()
    except Exception:  # dbutils raises InputWidgetNotDefined for a widget the run did not pass
        return False


def notebook_lake(spark, extras: dict):
    from linkedin_assets.core.lake.unity import UnityCatalogLake

    return UnityCatalogLake(spark, extras["catalogs"], extras["schema"])


def _date(value):
    return dt.date.fromisoformat(value) if value else None


def run_bronze(spark, dbutils) -> None:
    """The bronze notebook: ingest one kind of export for the run's dates, from the landing volume."""
    from linkedin_assets.core.bronze.ingest import Requested
    from linkedin_assets.core.bronze.step import run_step
    from linkedin_assets.core.landing import Landing
    from linkedin_assets.core.profiles import Profiles

    with pipes_session(dbutils) as pipes:
        extras = pipes.extras
        landing = Landing(Path(extras["landing_root"]))
        landing.ensure()  # pending/, processed/ and errors/ in each volume (FUSE mkdir)
        report = run_step(
            extras["kind"],
            landing,
            notebook_lake(spark, extras),
            _date(extras.get("start")),
            _date(extras.get("end")),
            {table: int(version) for table, version in (extras.get("reported") or {}).items()},
            requested=Requested.from_json(extras.get("requested")),
            recorded={table: int(version) for table, version in (extras.get("recorded") or {}).items()},
            profiles=Profiles.from_json(extras.get("profiles")),
        )
        report.send(pipes)


def run_silver(spark, dbutils) -> None:
    """The silver notebook: refresh one silver table for the run's dates and check it."""
    from linkedin_assets.core.profiles import Profiles
    from linkedin_assets.core.silver.tables import SILVER_TABLES
    from linkedin_assets.core.sql.step import run_sql_step

    with pipes_session(dbutils) as pipes:
        extras = pipes.extras
        table = {t.name: t for t in SILVER_TABLES}[extras["table"]]
        report = run_sql_step(
            notebook_lake(spark, extras),
            table,
            _date(extras.get("start")),
            _date(extras.get("end")),
            Profiles.from_json(extras.get("profiles")),
        )
        report.send(pipes)
