"""The local dashboard: gold tables -> $LINKEDIN_HOME/dashboard/index.html."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg

from .render import headline, write_dashboard


def dashboard_path(home: Path) -> Path:
    """Where the dashboard is written under LINKEDIN_HOME."""
    return Path(home) / "dashboard" / "index.html"


def _rows(lake, table: str) -> list[dict]:
    rows = lake.read("gold", table)
    return rows.to_pylist() if rows is not None else []


def write_local_dashboard(lake, home: Path) -> dict:
    profile = sorted(_rows(lake, "fct_daily_profile_statistics"), key=lambda r: r["analytics_date"])
    posts = _rows(lake, "fct_daily_post_statistics")
    path = dashboard_path(home)
    write_dashboard(path, profile, posts, dt.datetime.now(dt.timezone.utc))
    numbers = headline(profile)
    return {
        "path": dg.MetadataValue.path(str(path)),
        "url": dg.MetadataValue.url(path.as_uri()),
        **{k: v for k, v in numbers.items() if v is not None},
    }
