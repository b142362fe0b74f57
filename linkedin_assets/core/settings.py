"""Where things live, read once from the environment.

Everything the product stores is under LINKEDIN_HOME; Dagster's own state under
DAGSTER_HOME. Names follow the original pipeline (catalogs landing/bronze/silver/
gold, schema linkedin) so the local lake and Unity Catalog read alike.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from linkedin_assets.core.lake.delta import DeltaLake
from linkedin_assets.core.landing import Landing
from linkedin_assets.core.project_files import REPO_ROOT

SCHEMA = "linkedin"
COMPUTE_TARGETS = ("local", "databricks")

# The first day a daily partition exists for. LinkedIn keeps about a year of
# history; older exports a user saved can still be loaded by moving this back.
DEFAULT_START_DATE = "2020-01-01"


@dataclass(frozen=True)
class Settings:
    home: Path
    dagster_home: Path
    start_date: dt.date
    compute: str = "local"  # local | databricks: which resources the definitions pick

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def lake(self) -> Path:
        return self.home / "lake"

    def volume(self, volume: str, state: str = "pending") -> Path:
        return Landing(self.landing).folder(volume, state)

    def table_path(self, catalog: str, table: str) -> Path:
        return DeltaLake(self.lake, SCHEMA).path(catalog, table)

    def ensure_folders(self) -> None:
        Landing(self.landing).ensure()
        self.lake.mkdir(parents=True, exist_ok=True)
        self.dagster_home.mkdir(parents=True, exist_ok=True)


def load_settings() -> Settings:
    home = Path(os.environ.get("LINKEDIN_HOME") or REPO_ROOT / ".linkedin").resolve()
    dagster_home = Path(os.environ.get("DAGSTER_HOME") or home / "dagster").resolve()
    start = dt.date.fromisoformat(os.environ.get("LINKEDIN_START_DATE") or DEFAULT_START_DATE)
    compute = (os.environ.get("LINKEDIN_COMPUTE") or "local").strip().lower()
    if compute not in COMPUTE_TARGETS:
        raise ValueError(f"LINKEDIN_COMPUTE={compute!r}: expected one of {', '.join(COMPUTE_TARGETS)}")
    return Settings(home=home, dagster_home=dagster_home, start_date=start, compute=compute)
