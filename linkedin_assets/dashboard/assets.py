"""The dashboard asset: gold tables -> $LINKEDIN_HOME/dashboard/index.html (group `dashboard`)."""


import datetime as dt
from pathlib import Path

import dagster as dg

from ..automation import refresh_after_upstream
from ..resources import LakehouseResource
from ..sql_assets import table_key
from .render import headline, write_dashboard

DASHBOARD_KEY = dg.AssetKey(["dashboard", "linkedin_statistics"])


def dashboard_path(home: Path) -> Path:
    """Where the dashboard is written under LINKEDIN_HOME."""
    return Path(home) / "dashboard" / "index.html"


def _rows(lakehouse: LakehouseResource, table: str) -> list[dict]:
    rows = lakehouse.lake.read("gold", table)
    return rows.to_pylist() if rows is not None else []


@dg.asset(
    key=DASHBOARD_KEY,
    group_name="dashboard",
    description='"LinkedIn Statistics": a self-contained HTML dashboard (Summary, By post, By day, '
    "Historical) that opens from disk with no network.",
    deps=[table_key("gold", "fct_daily_profile_statistics"), table_key("gold", "fct_daily_post_statistics")],
    kinds={"html"},
    automation_condition=refresh_after_upstream,
)
def linkedin_statistics(context: dg.AssetExecutionContext, lakehouse: LakehouseResource) -> dg.MaterializeResult:
    profile = sorted(_rows(lakehouse, "fct_daily_profile_statistics"), key=lambda r: r["analytics_date"])
    posts = _rows(lakehouse, "fct_daily_post_statistics")
    path = dashboard_path(lakehouse.home)
    write_dashboard(path, profile, posts, dt.datetime.now(dt.timezone.utc))
    numbers = headline(profile)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "url": dg.MetadataValue.url(path.as_uri()),
            **{k: v for k, v in numbers.items() if v is not None},
        }
    )


dashboard_assets = [linkedin_statistics]
