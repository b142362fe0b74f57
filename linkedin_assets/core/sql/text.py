"""The SQL under sql/, and the one pattern of the table names it is written with.

Every statement names tables as Unity Catalog does (`silver.linkedin.totals`);
each engine maps those names to what it reads (local temp views, configured UC
catalogs, the warehouse's tables).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from linkedin_assets.core.project_files import SQL_DIR

TABLE_NAME = re.compile(r"\b(bronze|silver|gold)\.linkedin\.(\w+)\b")


@cache
def sql_text(name: str) -> str:
    """A statement from sql/<layer>/<name>.sql, e.g. `silver/totals`."""
    return (SQL_DIR / f"{name}.sql").read_text()


def sql_files(layer: str) -> list[Path]:
    return sorted((SQL_DIR / layer).glob("*.sql"))
