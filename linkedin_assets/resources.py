"""Resources, configured once in the definitions."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from .lake.delta import DeltaLake
from .landing import Landing
from .locks import exclusive


class LakehouseResource(dg.ConfigurableResource):
    """The local lakehouse: landing folders and Delta tables under LINKEDIN_HOME."""

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
