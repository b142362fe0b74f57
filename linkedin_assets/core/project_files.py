"""Where the project's files are: the code reads sql/ and dashboards/ beside the package.

The Databricks bundle syncs sql/ with the package (see databricks.yml), so the
notebooks find it at the same place relative to the code; dashboards/ is deployed
as the bundle's dashboard resource instead.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = REPO_ROOT / "sql"
