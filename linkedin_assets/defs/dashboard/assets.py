"""The dashboard asset "LinkedIn Statistics" (group `dashboard`), refreshed after gold (in its run).

Locally a self-contained HTML page under LINKEDIN_HOME; on Databricks the Lakeview
dashboard of the same name, published through the SDK.
"""

import dagster as dg

from linkedin_assets.defs.automation import refresh_once_upstream_settles
from linkedin_assets.defs.keys import table_key
from linkedin_assets.defs.resources.lakehouse import LakehouseResource
from linkedin_assets.defs.results import dagster_metadata

DASHBOARD_KEY = dg.AssetKey(["dashboard", "linkedin_statistics"])


@dg.asset(
    key=DASHBOARD_KEY,
    group_name="dashboard",
    description='"LinkedIn Statistics": locally a self-contained HTML dashboard (Summary, By post, By day, '
    "Historical, Audience, Posting time) that opens from disk with no network; on Databricks the Lakeview dashboard.",
    deps=[
        table_key("gold", name)
        for name in (
            "fct_daily_profile_statistics",
            "fct_daily_post_statistics",
            "fct_post_statistics",
            "fct_latest_demographics",
        )
    ],
    kinds={"dashboard"},
    automation_condition=refresh_once_upstream_settles,
)
def linkedin_statistics(context: dg.AssetExecutionContext, lakehouse: LakehouseResource) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata=dagster_metadata(lakehouse.publish_dashboard(context)))


dashboard_assets = [linkedin_statistics]
