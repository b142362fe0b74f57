"""Resources, configured once in the definitions.

`lakehouse` is where the assets' work runs. Every asset and sensor uses the same
members (`landing`, `lake`, `bronze_step`, `table_step`, `publish_dashboard`); this local one runs
them in the Dagster process over LINKEDIN_HOME, and `DatabricksLakehouseResource`
(databricks/resource.py) runs them on a Databricks workspace.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from .lake.delta import DeltaLake
from .landing import Landing
from .locks import exclusive


class LakehouseResource(dg.ConfigurableResource):
    """The local lakehouse: landing folders and Delta tables under LINKEDIN_HOME, local Spark."""

    home: str

    @property
    def lake(self) -> DeltaLake:
        return DeltaLake(Path(self.home) / "lake")

    @property
    def landing(self) -> Landing:
        return Landing(Path(self.home) / "landing")

    def ingest_lock(self):
        """Held while a bronze ingest lists, writes and moves files: overlapping runs take turns."""
        return exclusive(Path(self.home) / "landing" / ".ingest.lock")

    def bronze_step(self, context, kind: str, start=None, end=None, reported=None) -> tuple[list, dict]:
        """(Dagster results, rejected file -> reason) of one bronze step (see bronze/step.py)."""
        from .bronze.step import run_step

        report = run_step(kind, self.landing, self.lake, start, end, reported, lock=self.ingest_lock())
        for line in report.log:
            context.log.info(line)
        return report.dagster_results(), report.rejected

    def table_step(self, context, table, start=None, end=None) -> list:
        """Dagster results of refreshing one silver or gold table (see sql_step.py)."""
        from .sql_step import run_sql_step

        return run_sql_step(self.lake, table, start, end).dagster_results()

    def publish_dashboard(self, context) -> dict:
        """Render the HTML dashboard under LINKEDIN_HOME; its metadata."""
        from .dashboard.local import write_local_dashboard

        return write_local_dashboard(self.lake, Path(self.home))
