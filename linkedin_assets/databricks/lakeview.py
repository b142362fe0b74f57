"""The Lakeview dashboard "LinkedIn Statistics", published through the SDK after gold refreshes.

The dashboard is the repo's dashboards/linkedin_statistics.lvdash.json. `databricks
bundle deploy` creates it (in dev mode under a "[dev <user>] " prefix); when it is not
there, the asset creates it. Each materialization updates its definition if the file
changed, publishes it with the warehouse (viewers see the refreshed gold tables),
and makes sure the daily schedule has a subscription for LINKEDIN_DASHBOARD_SUBSCRIBER.
"""

from __future__ import annotations

import re

from ..settings import REPO_ROOT

DASHBOARD_FILE = REPO_ROOT / "dashboards" / "linkedin_statistics.lvdash.json"
DISPLAY_NAME = "LinkedIn Statistics"
SCHEDULE_NAME = "LinkedIn Statistics daily"
# 07:00 UTC: after LinkedIn's daily numbers for the day before are usually in.
SCHEDULE_CRON = "0 0 7 * * ?"
LAYER_TABLE = re.compile(r"\b(bronze|silver|gold)\.linkedin\.")


def serialized_dashboard(table_names: dict[str, str]) -> str:
    """The .lvdash.json with the configured catalog/schema names in its queries."""
    return LAYER_TABLE.sub(lambda m: f"{table_names[m.group(1)]}.", DASHBOARD_FILE.read_text())


def _is_ours(display_name: str | None) -> bool:
    return bool(display_name) and (display_name == DISPLAY_NAME or display_name.endswith(f"] {DISPLAY_NAME}"))


def find_dashboard(workspace):
    return next((d for d in workspace.lakeview.list() if _is_ours(d.display_name)), None)


def publish_dashboard(workspace, warehouse_id: str, table_names: dict[str, str], parent_path: str | None, subscriber: str | None) -> dict:
    """Create or update, publish, schedule and subscribe; the asset's metadata."""
    from databricks.sdk.service import dashboards

    definition = serialized_dashboard(table_names)
    found = find_dashboard(workspace)
    if found is None:
        parent = parent_path or f"/Workspace/Users/{workspace.current_user.me().user_name}"
        found = workspace.lakeview.create(
            dashboards.Dashboard(
                display_name=DISPLAY_NAME, serialized_dashboard=definition, warehouse_id=warehouse_id, parent_path=parent
            )
        )
        action = "created"
    else:
        current = workspace.lakeview.get(found.dashboard_id)
        action = "unchanged"
        if current.serialized_dashboard != definition or current.warehouse_id != warehouse_id:
            workspace.lakeview.update(
                found.dashboard_id,
                dashboards.Dashboard(display_name=current.display_name, serialized_dashboard=definition, warehouse_id=warehouse_id),
            )
            action = "updated"
    dashboard_id = found.dashboard_id
    published = workspace.lakeview.publish(dashboard_id, embed_credentials=True, warehouse_id=warehouse_id)
    subscribed = _subscribe(workspace, dashboard_id, warehouse_id, subscriber) if subscriber else None
    host = workspace.config.host.rstrip("/")
    return {
        "dashboard_id": dashboard_id,
        "definition": action,
        "published_at": published.revision_create_time or "",
        "url": f"{host}/dashboardsv3/{dashboard_id}/published",
        "subscriber": subscribed or "none",
    }


def _subscribe(workspace, dashboard_id: str, warehouse_id: str, subscriber: str) -> str:
    """The daily schedule, and `subscriber` (a workspace user's email) subscribed to it, once."""
    from databricks.sdk.service import dashboards

    schedule = next((s for s in workspace.lakeview.list_schedules(dashboard_id) if s.display_name == SCHEDULE_NAME), None)
    if schedule is None:
        schedule = workspace.lakeview.create_schedule(
            dashboard_id,
            dashboards.Schedule(
                display_name=SCHEDULE_NAME,
                cron_schedule=dashboards.CronSchedule(quartz_cron_expression=SCHEDULE_CRON, timezone_id="UTC"),
                warehouse_id=warehouse_id,
            ),
        )
    users = list(workspace.users.list(filter=f'userName eq "{subscriber}"', attributes="id,userName"))
    if not users:
        raise ValueError(f"LINKEDIN_DASHBOARD_SUBSCRIBER={subscriber}: no such user in the workspace")
    user_id = users[0].id
    for existing in workspace.lakeview.list_subscriptions(dashboard_id, schedule.schedule_id):
        user = existing.subscriber.user_subscriber if existing.subscriber else None
        if user is not None and str(user.user_id) == str(user_id):
            return subscriber
    workspace.lakeview.create_subscription(
        dashboard_id,
        schedule.schedule_id,
        dashboards.Subscription(
            subscriber=dashboards.Subscriber(user_subscriber=dashboards.SubscriptionSubscriberUser(user_id=int(user_id)))
        ),
    )
    return subscriber
