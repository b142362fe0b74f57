"""The Lakeview dashboard "LinkedIn Statistics", published through the SDK after gold refreshes.

The dashboard is the repo's dashboards/linkedin_statistics.lvdash.json. Which dashboard
is ours, in this order (a same-named dashboard anywhere else is never taken):

1. LINKEDIN_DASHBOARD_ID, when set (e.g. the id `databricks bundle deploy` gave it);
2. the one `databricks bundle deploy` put in the bundle's resource folder
   (`${workspace.root_path}/resources`; the root is LINKEDIN_NOTEBOOK_DIR without its
   `/files/notebooks`, by default the dev bundle's `~/.bundle/linkedin-analytics/dev`),
   named "LinkedIn Statistics" or, in dev mode, "[dev <user>] LinkedIn Statistics";
3. the one the asset created itself in LINKEDIN_DASHBOARD_PARENT (default your home
   folder); when there is none, the asset creates it there (the folder too).

A dashboard the bundle owns (anything but the asset's own: in a `.bundle` folder, or
prefixed, or outside LINKEDIN_DASHBOARD_PARENT) is only published, never rewritten:
an update changes its etag and the next `databricks bundle deploy` then stops with
"dashboard ... has been modified remotely". The asset's own dashboard is updated only
when the file's definition differs from the workspace's in content: Lakeview returns
its own serialisation of the JSON (other whitespace and key order, defaults such as
a page's `pageType` added), so the two are compared parsed, not as text.

Each materialization then publishes it with the warehouse (viewers see the refreshed
gold tables) and makes sure the daily schedule has a subscription for
LINKEDIN_DASHBOARD_SUBSCRIBER.
"""

from __future__ import annotations

import json
import re

from linkedin_assets.core.gold.tables import GOLD_TABLES
from linkedin_assets.core.project_files import REPO_ROOT

DASHBOARD_FILE = REPO_ROOT / "dashboards" / "linkedin_statistics.lvdash.json"
# A gold table read by its bare name (the gold tables are all dim_* or fct_*: no CTE or
# column of the dashboard's queries is named like one).
_BARE_GOLD_TABLE = re.compile(
    r"(\b(?:FROM|JOIN)\s+)(" + "|".join(t.name for t in GOLD_TABLES) + r")\b(?![.\w])", re.IGNORECASE
)

DISPLAY_NAME = "LinkedIn Statistics"
SCHEDULE_NAME = "LinkedIn Statistics daily"
# 07:00 UTC: after LinkedIn's daily numbers for the day before are usually in.
SCHEDULE_CRON = "0 0 7 * * ?"
# The dev bundle's root; its notebooks are under files/notebooks (resource.BUNDLE_NOTEBOOKS).
DEV_BUNDLE_ROOT = "/Workspace/Users/{user}/.bundle/linkedin-analytics/dev"
BUNDLE_NOTEBOOKS_SUFFIX = "/files/notebooks"
# Defaults the service fills in when a definition leaves them out (what `get` then shows).
PAGE_DEFAULTS = {"pageType": "PAGE_TYPE_CANVAS"}


def serialized_dashboard(table_names: dict[str, str]) -> str:
    """The .lvdash.json with its tables named in full, by the configured gold catalog and schema.

    The file names gold tables bare (`FROM fct_post_statistics`): deployed by the bundle,
    its `dataset_catalog`/`dataset_schema` (the `gold_catalog` and `schema` variables)
    complete them; published by the asset, they are completed here.
    """
    gold = table_names["gold"]
    return _BARE_GOLD_TABLE.sub(lambda m: f"{m.group(1)}{gold}.{m.group(2)}", DASHBOARD_FILE.read_text())


def same_definition(remote: str | None, local: str) -> bool:
    """Whether Lakeview's stored definition is the file's, whatever the serialisation."""
    try:
        return _normalized(json.loads(remote or "")) == _normalized(json.loads(local))
    except ValueError:
        return False


def _normalized(content):
    if isinstance(content, dict):
        pages = content.get("pages")
        if isinstance(pages, list):
            content = {**content, "pages": [{**PAGE_DEFAULTS, **p} if isinstance(p, dict) else p for p in pages]}
    return content


def workspace_path(path: str) -> str:
    """`/Workspace/Users/x/` and `/Users/x` are one folder: compare them without `/Workspace`."""
    path = "/" + path.strip("/")
    if path == "/Workspace" or path.startswith("/Workspace/"):
        path = path[len("/Workspace") :] or "/"
    return path


def _is_ours(display_name: str | None) -> bool:
    return display_name is not None and (display_name == DISPLAY_NAME or display_name.endswith(f"] {DISPLAY_NAME}"))


def _parent(dashboard) -> str:
    if dashboard.parent_path:
        return workspace_path(dashboard.parent_path)
    return workspace_path((dashboard.path or "/").rsplit("/", 1)[0])


def bundle_folder(notebook_dir: str | None, user_name: str) -> str | None:
    """Where `databricks bundle deploy` puts the dashboard: `${workspace.resource_path}`."""
    if notebook_dir is None:
        root = DEV_BUNDLE_ROOT.format(user=user_name)
    elif notebook_dir.rstrip("/").endswith(BUNDLE_NOTEBOOKS_SUFFIX):
        root = notebook_dir.rstrip("/")[: -len(BUNDLE_NOTEBOOKS_SUFFIX)]
    else:
        return None  # notebooks outside a bundle: no bundle folder to look in
    return f"{root}/resources"


def asset_owns(dashboard, own_folder: str) -> bool:
    """Created by this asset (so it may rewrite it): plain name, in its folder, outside any bundle."""
    parent = _parent(dashboard)
    return (
        dashboard.display_name == DISPLAY_NAME
        and parent == workspace_path(own_folder)
        and "/.bundle/" not in parent + "/"
    )


def find_dashboard(workspace, folders: list[str], dashboard_id: str | None = None):
    """Our dashboard (full view, from `get`), or None: by id, else the first of `folders` holding one."""
    from databricks.sdk.errors import NotFound
    from databricks.sdk.service.dashboards import LifecycleState

    if dashboard_id:
        try:
            found = workspace.lakeview.get(dashboard_id)
        except NotFound:
            found = None
        if found is None or found.lifecycle_state == LifecycleState.TRASHED:
            raise ValueError(
                f"LINKEDIN_DASHBOARD_ID={dashboard_id}: no such dashboard in the workspace (or it is trashed)"
            )
        return found
    wanted = [workspace_path(f) for f in folders]
    # The list is the basic view (no parent_path): read each same-named one to learn its folder.
    candidates = [workspace.lakeview.get(d.dashboard_id) for d in workspace.lakeview.list() if _is_ours(d.display_name)]
    for folder in wanted:
        for dashboard in candidates:
            if _parent(dashboard) == folder and dashboard.lifecycle_state != LifecycleState.TRASHED:
                return dashboard
    return None


def publish_dashboard(
    workspace,
    warehouse_id: str,
    table_names: dict[str, str],
    parent_path: str | None,
    subscriber: str | None,
    *,
    dashboard_id: str | None = None,
    notebook_dir: str | None = None,
) -> dict:
    """Find (or create), update if the asset owns it and it changed, publish, schedule and subscribe.

    `dashboard_id` (LINKEDIN_DASHBOARD_ID) names the dashboard; `notebook_dir`
    (LINKEDIN_NOTEBOOK_DIR) tells the bundle's folder. Returns the asset's metadata.
    """
    from databricks.sdk.service import dashboards

    definition = serialized_dashboard(table_names)
    user_name = workspace.current_user.me().user_name
    own_folder = parent_path or f"/Workspace/Users/{user_name}"
    folders = [f for f in (bundle_folder(notebook_dir, user_name), own_folder) if f]
    found = find_dashboard(workspace, folders, dashboard_id)
    if found is None:
        workspace.workspace.mkdirs(own_folder)  # create answers 404 for a folder that is not there
        found = workspace.lakeview.create(
            dashboards.Dashboard(
                display_name=DISPLAY_NAME,
                serialized_dashboard=definition,
                warehouse_id=warehouse_id,
                parent_path=own_folder,
            )
        )
        action = "created"
    elif not asset_owns(found, own_folder):
        # The bundle's: `databricks bundle deploy` keeps its definition; rewriting it would block the next deploy.
        action = "bundle-managed"
    elif same_definition(found.serialized_dashboard, definition) and found.warehouse_id == warehouse_id:
        action = "unchanged"
    else:
        workspace.lakeview.update(
            found.dashboard_id,
            dashboards.Dashboard(
                display_name=found.display_name,
                serialized_dashboard=definition,
                warehouse_id=warehouse_id,
                etag=found.etag,
            ),
        )
        action = "updated"
    dashboard_id = found.dashboard_id
    published = workspace.lakeview.publish(dashboard_id, embed_credentials=True, warehouse_id=warehouse_id)
    subscribed = _subscribe(workspace, dashboard_id, warehouse_id, subscriber) if subscriber else None
    host = workspace.config.host.rstrip("/")
    return {
        "dashboard_id": dashboard_id,
        "dashboard_path": found.path or "",
        "definition": action,
        "published_at": published.revision_create_time or "",
        "url": f"{host}/dashboardsv3/{dashboard_id}/published",
        "subscriber": subscribed or "none",
    }


def _subscribe(workspace, dashboard_id: str, warehouse_id: str, subscriber: str) -> str:
    """The daily schedule, and `subscriber` (a workspace user's email) subscribed to it, once."""
    from databricks.sdk.service import dashboards

    schedule = next(
        (s for s in workspace.lakeview.list_schedules(dashboard_id) if s.display_name == SCHEDULE_NAME), None
    )
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
            subscriber=dashboards.Subscriber(
                user_subscriber=dashboards.SubscriptionSubscriberUser(user_id=int(user_id))
            )
        ),
    )
    return subscriber
