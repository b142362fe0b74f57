"""The `lakehouse` resource: where the assets' work runs, one implementation per compute target.

Every asset and sensor asks the same five things of it, whichever target the
definitions chose (`LINKEDIN_COMPUTE`):

    landing            the landing folders or volumes the arrival sensors list
    lake               the tables, for reading (version sensor, checks)
    bronze_step        one bronze ingest for the run's dates
    table_step         one silver or gold refresh for the run's dates
    publish_dashboard  the dashboard, refreshed from gold

`LocalLakehouseResource` (local.py) runs them in the Dagster process over
LINKEDIN_HOME; `DatabricksLakehouseResource` (defs/databricks/resource.py) on a
workspace.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from pathlib import Path

import dagster as dg

from linkedin_assets.core.bronze.ingest import EVERY_PENDING_FILE, Requested
from linkedin_assets.core.lake.protocol import ReadableLake
from linkedin_assets.core.landing import LandingArea
from linkedin_assets.core.profiles import NO_ALIASES, Profiles, read_aliases
from linkedin_assets.core.sql.table import SqlTable

StepResults = list  # MaterializeResult / AssetCheckResult (or Pipes results) an asset yields


class LakehouseResource(dg.ConfigurableResource, ABC):
    # Read on the Dagster side for every step, so an edit applies from the next run on.
    profiles_file: str | None = None

    def profiles(self) -> Profiles:
        """The user's profile aliases (LINKEDIN_PROFILES); an AliasError names a broken file."""
        return read_aliases(Path(self.profiles_file)) if self.profiles_file else NO_ALIASES

    @property
    @abstractmethod
    def landing(self) -> LandingArea: ...

    @property
    @abstractmethod
    def lake(self) -> ReadableLake: ...

    @abstractmethod
    def bronze_step(
        self,
        context: dg.AssetExecutionContext,
        kind: str,
        start: dt.date | None = None,
        end: dt.date | None = None,
        reported: dict[str, int] | None = None,
        requested: Requested = EVERY_PENDING_FILE,
        recorded: dict[str, int] | None = None,
    ) -> tuple[StepResults, dict[str, str]]:
        """(Dagster results, rejected file -> reason) of one bronze step (see core/bronze/step.py)."""

    @abstractmethod
    def table_step(
        self,
        context: dg.AssetExecutionContext,
        table: SqlTable,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> StepResults:
        """Dagster results of refreshing one silver or gold table (see core/sql/step.py)."""

    @abstractmethod
    def publish_dashboard(self, context: dg.AssetExecutionContext) -> dict:
        """Refresh the dashboard; its metadata as raw values (see defs/results.py)."""

    def rows_readable(self) -> str | None:
        """None when a sensor can read table rows now; else why it should wait for a later tick."""
        return None
