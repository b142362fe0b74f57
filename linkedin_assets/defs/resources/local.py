"""The local compute target: landing folders and Delta tables under LINKEDIN_HOME, SQL on DuckDB (or local Spark)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
from pydantic import Field

from linkedin_assets.core.bronze.ingest import EVERY_PENDING_FILE, Requested
from linkedin_assets.core.bronze.step import run_step
from linkedin_assets.core.dashboard.local import write_local_dashboard
from linkedin_assets.core.lake.delta import DeltaLake
from linkedin_assets.core.landing import Landing
from linkedin_assets.core.locks import exclusive
from linkedin_assets.core.sql.step import run_sql_step
from linkedin_assets.core.sql.table import SqlTable
from linkedin_assets.defs.resources.lakehouse import LakehouseResource, StepResults
from linkedin_assets.defs.resources.spark import LocalSparkResource
from linkedin_assets.defs.results import dagster_results


class LocalLakehouseResource(LakehouseResource):
    """Runs every step in the Dagster process over LINKEDIN_HOME."""

    home: str = Field(description="LINKEDIN_HOME: landing/, lake/ and dashboard/ live under it.")
    engine: str = Field(default="duckdb", description="LINKEDIN_ENGINE: what runs the silver and gold SQL.")
    spark: LocalSparkResource = Field(
        description="The Spark the SQL runs on with LINKEDIN_ENGINE=spark (never started else)."
    )

    @property
    def lake(self) -> DeltaLake:
        return DeltaLake(Path(self.home) / "lake", engine=self.engine, spark=self.spark.session)

    @property
    def landing(self) -> Landing:
        return Landing(Path(self.home) / "landing")

    def ingest_lock(self):
        """Held while a bronze ingest lists, writes and moves files: overlapping runs take turns."""
        return exclusive(Path(self.home) / "landing" / ".ingest.lock")

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
        report = run_step(
            kind,
            self.landing,
            self.lake,
            start,
            end,
            reported,
            lock=self.ingest_lock(),
            requested=requested,
            recorded=recorded,
            profiles=self.profiles(),
        )
        for line in report.log:
            context.log.info(line)
        return dagster_results(report), report.rejected

    def table_step(
        self,
        context: dg.AssetExecutionContext,
        table: SqlTable,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> StepResults:
        if self.engine == "spark":
            self.spark.session(context.log)  # opened here, so that a fallback is said in the run's log
        return dagster_results(run_sql_step(self.lake, table, start, end, self.profiles()))

    def publish_dashboard(self, context: dg.AssetExecutionContext) -> dict:
        """Render the HTML dashboard under LINKEDIN_HOME."""
        return write_local_dashboard(self.lake, Path(self.home))
