"""The local dashboard: gold tables -> $LINKEDIN_HOME/dashboard/index.html."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from linkedin_assets.core.dashboard.render import headline, write_dashboard
from linkedin_assets.core.lake.protocol import ReadableLake


def dashboard_path(home: Path) -> Path:
    """Where the dashboard is written under LINKEDIN_HOME."""
    return Path(home) / "dashboard" / "index.html"


def _rows(lake, table: str) -> list[dict]:
    rows = lake.read("gold", table)
    return rows.to_pylist() if rows is not None else []


def write_local_dashboard(lake: ReadableLake, home: Path) -> dict:
    """Render gold into the HTML page; its metadata (path, link, headline numbers)."""
    profile = sorted(_rows(lake, "fct_daily_profile_statistics"), key=lambda r: r["analytics_date"])
    posts = _rows(lake, "fct_daily_post_statistics")
    path = dashboard_path(home)
    write_dashboard(
        path,
        profile,
        posts,
        dt.datetime.now(dt.timezone.utc),
        post_stats=_rows(lake, "fct_post_statistics"),
        demographic_rows=_rows(lake, "fct_latest_demographics"),
    )
    numbers = {k: v for k, v in headline(profile).items() if v is not None}
    if "engagement_rate" in numbers:  # as a person reads it in the UI, not 0.0349999...
        numbers["engagement_rate"] = f"{numbers['engagement_rate']:.2%}"
    return {"path": str(path), "url": path.as_uri(), **numbers}
