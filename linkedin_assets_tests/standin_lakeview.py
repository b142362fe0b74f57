"""Lakeview dashboards and SCIM users, as the stand-in serves them (paths as databricks-sdk 0.60 calls them).

    GET    /api/2.0/lakeview/dashboards                        list (page_size, page_token, show_trashed)
    POST   /api/2.0/lakeview/dashboards                        create (body: a Dashboard)
    GET    /api/2.0/lakeview/dashboards/{id}                   get
    PATCH  /api/2.0/lakeview/dashboards/{id}                   update
    DELETE /api/2.0/lakeview/dashboards/{id}                   trash
    POST   /api/2.0/lakeview/dashboards/{id}/published         publish {warehouse_id, embed_credentials}
    GET    /api/2.0/lakeview/dashboards/{id}/published         get_published
    DELETE /api/2.0/lakeview/dashboards/{id}/published         unpublish
    GET    /api/2.0/lakeview/dashboards/{id}/schedules         list_schedules
    POST   /api/2.0/lakeview/dashboards/{id}/schedules         create_schedule
    GET/PUT/DELETE .../schedules/{schedule_id}                 get_schedule, update_schedule, delete_schedule
    GET    .../schedules/{schedule_id}/subscriptions           list_subscriptions
    POST   .../schedules/{schedule_id}/subscriptions           create_subscription
    GET/DELETE .../subscriptions/{subscription_id}             get_subscription, delete_subscription
    GET    /api/2.0/preview/scim/v2/Users                      users.list (filter=userName eq "...", startIndex, count)
    GET    /api/2.0/preview/scim/v2/Me                         current_user.me
    POST   /api/2.0/workspace/mkdirs                           workspace.mkdirs {path} (parents too)
    GET    /api/2.0/workspace/get-status                       workspace.get_status (path=)

As the real Lakeview API (and the databricks CLI's own test server) behaves:

- get (and create/update's answer) returns the service's RE-SERIALISED definition, not
  the text sent: compact, keys sorted, every page given `"pageType": "PAGE_TYPE_CANVAS"`
  when it has none, a trailing newline. Comparing it with the file's text never matches.
- every create and update answers a NEW etag (publishing does not change it); `writes`
  records each create/update as (kind, dashboard_id) so a test can count them.
- list is the basic view: no serialized_dashboard, etag, path, parent_path, update_time.
- create refuses a parent_path folder that does not exist (404 RESOURCE_DOES_NOT_EXIST,
  "Path (...) doesn't exist."); folders exist when created by workspace mkdirs, plus
  `/`, `/Users`, `/Shared` and each SCIM user's home `/Users/<email>`. A leading
  `/Workspace` is the same folder and is dropped from parent_path and path.

Publishing really runs every dataset's query (`queryLines` joined, or `query`) of
the serialized dashboard through the statement engine, and keeps the row count per
dataset in `published[dashboard_id]["row_counts"]`; a query that fails makes
publish answer 400 with its error, so a test learns whether the dashboard's SQL
works on the gold tables. Dataset parameters are not bound.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import threading
import uuid
from collections.abc import Callable

PAGE_SIZE = 100
USER_FILTER = re.compile(r'^\s*userName\s+eq\s+"([^"]*)"\s*$', re.I)
DASHBOARDS = "/api/2.0/lakeview/dashboards"
WORKSPACE = "/api/2.0/workspace"
LIST_HIDDEN = ("serialized_dashboard", "etag", "path", "parent_path", "update_time")  # not in list responses
SCIM = "/api/2.0/preview/scim/v2"


def _error(code: str, message: str) -> dict:
    return {"error_code": code, "message": message}


def _with_defaults(sql: str, defaults: dict) -> str:
    """`sql` with the tables it names bare (or by schema only) completed by the dashboard's
    dataset catalog and schema; without them the names stay as written, and a bare one is
    then not found, as on a workspace whose default catalog does not hold it."""
    if not defaults:
        return sql
    import sqlglot
    from sqlglot.optimizer.qualify_tables import qualify_tables

    expression = sqlglot.parse_one(sql, read="databricks")
    return qualify_tables(expression, db=defaults.get("dataset_schema"), catalog=defaults.get("dataset_catalog")).sql(
        dialect="databricks"
    )


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Lakeview:
    def __init__(self, execute: Callable[[str], object], engine: threading.Lock, warehouse_id: str, users: dict):
        self._execute = execute  # sql -> pyarrow.Table; raises on failure
        self._engine = engine
        self._warehouse_id = warehouse_id
        self.users = users  # email -> SCIM id, shared with the stand-in
        self.dashboards: dict[str, dict] = {}
        self.published: dict[str, dict] = {}
        self.schedules: dict[str, dict[str, dict]] = {}  # dashboard id -> schedule id -> schedule
        self.subscriptions: dict[str, dict[str, dict]] = {}  # schedule id -> subscription id -> subscription
        self.folders: set[str] = {"/", "/Users", "/Shared"}  # besides every user's /Users/<email>
        self.writes: list[tuple[str, str]] = []  # ("create" | "update", dashboard_id), in order
        self.dataset_defaults: dict[str, dict] = {}  # dashboard_id -> dataset_catalog/dataset_schema
        self._etags = itertools.count(1)
        self._lock = threading.Lock()

    def route(self, request):
        path = request.path.rstrip("/")
        if path.startswith(SCIM + "/"):
            return self._scim(request, path[len(SCIM) + 1 :])
        if path.startswith(WORKSPACE + "/"):
            return self._workspace(request, path[len(WORKSPACE) + 1 :])
        if path != DASHBOARDS and not path.startswith(DASHBOARDS + "/"):
            return None
        parts = path[len(DASHBOARDS) :].strip("/").split("/") if path != DASHBOARDS else []
        method = request.method
        if not parts:
            if method == "GET":
                return self._list_dashboards(request.query)
            if method == "POST":
                return self._create(request.json(), request.query)
            return None
        with self._lock:
            dashboard = self.dashboards.get(parts[0])
        if dashboard is None or (dashboard["lifecycle_state"] == "TRASHED" and len(parts) > 1):
            return 404, _error("RESOURCE_DOES_NOT_EXIST", f"Unable to find dashboard [dashboardId={parts[0]}]")
        if len(parts) == 1:
            return {
                "GET": lambda: (200, dict(dashboard)),
                "PATCH": lambda: self._update(dashboard, request.json(), request.query),
                "DELETE": lambda: self._trash(dashboard),
            }.get(method, lambda: None)()
        if parts[1] == "published" and len(parts) == 2:
            return {
                "POST": lambda: self._publish(dashboard, request.json()),
                "GET": lambda: self._get_published(dashboard),
                "DELETE": lambda: self._unpublish(dashboard),
            }.get(method, lambda: None)()
        if parts[1] == "schedules":
            return self._schedules(request, dashboard, parts[2:])
        return None

    # -- dashboards ------------------------------------------------------------

    def _list_dashboards(self, query: dict):
        show_trashed = query.get("show_trashed", "false").lower() == "true"
        with self._lock:
            items = [d for d in self.dashboards.values() if show_trashed or d["lifecycle_state"] == "ACTIVE"]
        # The list is the basic view (see the SDK's Dashboard: these fields are "excluded in List Dashboards responses").
        items = [{k: v for k, v in d.items() if k not in LIST_HIDDEN} for d in items]
        return _page(items, query, "dashboards")

    def _create(self, body: dict, query: dict):
        if not body.get("display_name"):
            return 400, _error("INVALID_PARAMETER_VALUE", "display_name is required")
        problem = _check_serialized(body.get("serialized_dashboard"))
        if problem:
            return 400, _error("INVALID_PARAMETER_VALUE", problem)
        parent = workspace_path(body.get("parent_path") or f"/Users/{self._me()}")
        path = f"{parent}/{body['display_name']}.lvdash.json"
        now = _now()
        with self._lock:
            if not self._is_folder(parent):
                return 404, _error("RESOURCE_DOES_NOT_EXIST", f"Path ({body.get('parent_path')}) doesn't exist.")
            if any(d["path"] == path and d["lifecycle_state"] == "ACTIVE" for d in self.dashboards.values()):
                return 409, _error(
                    "RESOURCE_ALREADY_EXISTS", f"Node named '{body['display_name']}.lvdash.json' already exists"
                )
            dashboard = {
                "dashboard_id": uuid.uuid4().hex,
                "display_name": body["display_name"],
                "path": path,
                "parent_path": parent,
                "serialized_dashboard": reserialized(body.get("serialized_dashboard") or json.dumps({"pages": []})),
                "warehouse_id": body.get("warehouse_id"),
                "create_time": now,
                "update_time": now,
                "etag": str(next(self._etags)),
                "lifecycle_state": "ACTIVE",
            }
            dashboard = {k: v for k, v in dashboard.items() if v is not None}
            self.dashboards[dashboard["dashboard_id"]] = dashboard
            self._remember_dataset_defaults(dashboard["dashboard_id"], query)
            self.writes.append(("create", dashboard["dashboard_id"]))
            return 200, dict(dashboard)

    def _remember_dataset_defaults(self, dashboard_id: str, query: dict) -> None:
        """`dataset_catalog`/`dataset_schema` (query parameters of create and update, what a
        bundle's dashboard resource sends): the catalog and schema of the tables its
        datasets name without one. Left out of an update, the earlier ones stay."""
        given = {k: query[k] for k in ("dataset_catalog", "dataset_schema") if query.get(k)}
        self.dataset_defaults[dashboard_id] = {**self.dataset_defaults.get(dashboard_id, {}), **given}

    def _update(self, dashboard: dict, body: dict, query: dict):
        problem = _check_serialized(body.get("serialized_dashboard"))
        if problem:
            return 400, _error("INVALID_PARAMETER_VALUE", problem)
        with self._lock:
            if body.get("etag") and body["etag"] != dashboard["etag"]:
                return 409, _error("ABORTED", "The dashboard was changed since its etag was read.")
            for key in ("display_name", "serialized_dashboard", "warehouse_id"):
                if body.get(key) is not None:
                    dashboard[key] = reserialized(body[key]) if key == "serialized_dashboard" else body[key]
            dashboard["path"] = f"{dashboard['parent_path']}/{dashboard['display_name']}.lvdash.json"
            dashboard["update_time"], dashboard["etag"] = _now(), str(next(self._etags))
            self.writes.append(("update", dashboard["dashboard_id"]))
            self._remember_dataset_defaults(dashboard["dashboard_id"], query)
            return 200, dict(dashboard)

    def updates(self, dashboard_id: str | None = None) -> int:
        """How many times update (PATCH) was called, on `dashboard_id` or on any dashboard."""
        with self._lock:
            return sum(1 for kind, d in self.writes if kind == "update" and dashboard_id in (None, d))

    # -- workspace folders ---------------------------------------------------------

    def _is_folder(self, path: str) -> bool:
        return path in self.folders or path in {f"/Users/{u}" for u in self.users}

    def _object_at(self, path: str) -> dict | None:
        """The active dashboard whose file is `path`."""
        return next(
            (d for d in self.dashboards.values() if d["path"] == path and d["lifecycle_state"] == "ACTIVE"), None
        )

    def _workspace(self, request, rest: str):
        if rest == "mkdirs" and request.method == "POST":
            given = request.json().get("path") or ""
            if not given.startswith("/"):
                return 400, _error("INVALID_PARAMETER_VALUE", f"Path ({given}) must be absolute.")
            path = workspace_path(given)
            with self._lock:
                prefixes = _prefixes(path)
                blocking = next((p for p in prefixes if self._object_at(p) is not None), None)
                if blocking is not None:
                    return 400, _error(
                        "RESOURCE_ALREADY_EXISTS", f"Path ({blocking}) already exists and is not a directory."
                    )
                self.folders.update(prefixes)
            return 200, {}
        if rest == "get-status" and request.method == "GET":
            given = request.query.get("path") or ""
            path = workspace_path(given)
            with self._lock:
                if self._is_folder(path):
                    return 200, {"object_type": "DIRECTORY", "path": given}
                found = self._object_at(path)
            if found is not None:
                return 200, {
                    "object_type": "DASHBOARD",
                    "path": "/Workspace" + path,
                    "resource_id": found["dashboard_id"],
                }
            return 404, _error("RESOURCE_DOES_NOT_EXIST", f"Path ({given}) doesn't exist.")
        return None

    def _trash(self, dashboard: dict):
        with self._lock:
            dashboard["lifecycle_state"] = "TRASHED"
        return 200, {}

    # -- publishing ---------------------------------------------------------------

    def _publish(self, dashboard: dict, body: dict):
        warehouse_id = body.get("warehouse_id") or dashboard.get("warehouse_id")
        if not warehouse_id:
            return 400, _error("INVALID_PARAMETER_VALUE", "A warehouse_id is required to publish a dashboard.")
        if warehouse_id != self._warehouse_id:
            return 404, _error("RESOURCE_DOES_NOT_EXIST", f"SQL warehouse {warehouse_id} does not exist.")
        counts = {}
        for dataset in json.loads(dashboard["serialized_dashboard"]).get("datasets", []):
            name = dataset.get("name") or dataset.get("displayName") or "?"
            sql = "".join(dataset.get("queryLines") or []) or dataset.get("query") or ""
            try:
                sql = _with_defaults(sql, self.dataset_defaults.get(dashboard["dashboard_id"], {}))
                with self._engine:
                    counts[name] = self._execute(sql).num_rows
            except Exception as e:  # the dashboard's SQL does not run: say which dataset and why
                lines = str(e).strip().splitlines()
                message = lines[0] if lines else type(e).__name__
                return 400, _error("BAD_REQUEST", f"Dataset {name} failed: {message}")
        published = {
            "display_name": dashboard["display_name"],
            "warehouse_id": warehouse_id,
            "embed_credentials": bool(body.get("embed_credentials", True)),
            "revision_create_time": _now(),
        }
        with self._lock:
            self.published[dashboard["dashboard_id"]] = {**published, "row_counts": counts}
        return 200, published

    def _get_published(self, dashboard: dict):
        with self._lock:
            published = self.published.get(dashboard["dashboard_id"])
        if published is None:
            return 404, _error("RESOURCE_DOES_NOT_EXIST", f"Dashboard {dashboard['dashboard_id']} is not published.")
        return 200, {k: v for k, v in published.items() if k != "row_counts"}

    def _unpublish(self, dashboard: dict):
        with self._lock:
            if self.published.pop(dashboard["dashboard_id"], None) is None:
                return 404, _error(
                    "RESOURCE_DOES_NOT_EXIST", f"Dashboard {dashboard['dashboard_id']} is not published."
                )
        return 200, {}

    # -- schedules and subscriptions ------------------------------------------------

    def _schedules(self, request, dashboard: dict, rest: list[str]):
        method, dashboard_id = request.method, dashboard["dashboard_id"]
        with self._lock:
            schedules = self.schedules.setdefault(dashboard_id, {})
        if not rest:
            if method == "GET":
                with self._lock:
                    items = list(schedules.values())
                return _page(items, request.query, "schedules")
            if method == "POST":
                return self._save_schedule(dashboard, schedules, request.json(), None)
            return None
        schedule = schedules.get(rest[0])
        if schedule is None:
            return 404, _error("RESOURCE_DOES_NOT_EXIST", f"Unable to find schedule [scheduleId={rest[0]}]")
        if len(rest) == 1:
            if method == "GET":
                return 200, dict(schedule)
            if method == "PUT":
                return self._save_schedule(dashboard, schedules, request.json(), schedule)
            if method == "DELETE":
                with self._lock:
                    schedules.pop(schedule["schedule_id"], None)
                    self.subscriptions.pop(schedule["schedule_id"], None)
                return 200, {}
            return None
        if rest[1] == "subscriptions":
            return self._subscriptions(request, schedule, rest[2:])
        return None

    def _save_schedule(self, dashboard: dict, schedules: dict, body: dict, existing: dict | None):
        cron = body.get("cron_schedule") or {}
        if not cron.get("quartz_cron_expression") or not cron.get("timezone_id"):
            return 400, _error("INVALID_PARAMETER_VALUE", "cron_schedule needs quartz_cron_expression and timezone_id")
        if len(cron["quartz_cron_expression"].split()) not in (6, 7):
            return 400, _error(
                "INVALID_PARAMETER_VALUE", f"Invalid quartz cron expression: {cron['quartz_cron_expression']}"
            )
        pause = body.get("pause_status") or "UNPAUSED"
        if pause not in ("PAUSED", "UNPAUSED"):
            return 400, _error("INVALID_PARAMETER_VALUE", f"Invalid pause_status: {pause}")
        now = _now()
        with self._lock:
            if existing is not None and body.get("etag") and body["etag"] != existing["etag"]:
                return 409, _error("ABORTED", "The schedule was changed since its etag was read.")
            schedule = (
                existing
                if existing is not None
                else {
                    "schedule_id": uuid.uuid4().hex,
                    "dashboard_id": dashboard["dashboard_id"],
                    "create_time": now,
                }
            )
            schedule.update(
                {
                    "cron_schedule": {
                        "quartz_cron_expression": cron["quartz_cron_expression"],
                        "timezone_id": cron["timezone_id"],
                    },
                    "pause_status": pause,
                    "update_time": now,
                    "etag": str(next(self._etags)),
                }
            )
            for key in ("display_name", "warehouse_id"):
                if body.get(key) is not None:
                    schedule[key] = body[key]
            schedules[schedule["schedule_id"]] = schedule
            return 200, dict(schedule)

    def _subscriptions(self, request, schedule: dict, rest: list[str]):
        with self._lock:
            subscriptions = self.subscriptions.setdefault(schedule["schedule_id"], {})
        if not rest:
            if request.method == "GET":
                with self._lock:
                    items = list(subscriptions.values())
                return _page(items, request.query, "subscriptions")
            if request.method == "POST":
                return self._subscribe(schedule, subscriptions, request.json())
            return None
        subscription = subscriptions.get(rest[0]) if len(rest) == 1 else None
        if subscription is None:
            return 404, _error("RESOURCE_DOES_NOT_EXIST", f"Unable to find subscription [subscriptionId={rest[0]}]")
        if request.method == "GET":
            return 200, dict(subscription)
        if request.method == "DELETE":
            with self._lock:
                subscriptions.pop(rest[0], None)
            return 200, {}
        return None

    def _subscribe(self, schedule: dict, subscriptions: dict, body: dict):
        subscriber = body.get("subscriber") or {}
        kinds = [k for k in ("user_subscriber", "destination_subscriber") if subscriber.get(k)]
        if len(kinds) != 1:
            return 400, _error(
                "INVALID_PARAMETER_VALUE", "subscriber needs exactly one of user_subscriber or destination_subscriber"
            )
        if kinds == ["user_subscriber"]:
            user_id = subscriber["user_subscriber"].get("user_id")
            if str(user_id) not in self.users.values():
                return 400, _error("INVALID_PARAMETER_VALUE", f"User {user_id} does not exist in this workspace.")
        elif not subscriber["destination_subscriber"].get("destination_id"):
            return 400, _error("INVALID_PARAMETER_VALUE", "destination_subscriber needs a destination_id")
        now = _now()
        with self._lock:
            if any(s["subscriber"] == subscriber for s in subscriptions.values()):
                return 409, _error("RESOURCE_ALREADY_EXISTS", "This subscriber is already subscribed to the schedule.")
            subscription = {
                "subscription_id": uuid.uuid4().hex,
                "schedule_id": schedule["schedule_id"],
                "dashboard_id": schedule["dashboard_id"],
                "subscriber": subscriber,
                "created_by_user_id": int(self.users[self._me()]),
                "create_time": now,
                "update_time": now,
                "etag": str(next(self._etags)),
            }
            subscriptions[subscription["subscription_id"]] = subscription
            return 200, dict(subscription)

    # -- SCIM -------------------------------------------------------------------------

    def _me(self) -> str:
        return next(iter(self.users))

    def _scim(self, request, rest: str):
        if request.method != "GET":
            return None
        if rest == "Me":
            return 200, _user(self._me(), self.users[self._me()])
        if rest != "Users":
            return None
        wanted = request.query.get("filter")
        emails = list(self.users)
        if wanted:
            m = USER_FILTER.match(wanted)
            if m is None:
                return 400, _error(
                    "INVALID_PARAMETER_VALUE", f'The stand-in filters only on userName eq "...", not: {wanted}'
                )
            emails = [e for e in emails if e.lower() == m.group(1).lower()]
        try:
            start = max(int(request.query.get("startIndex") or 1), 1)
            count = int(request.query.get("count") or 10000)
        except ValueError:
            return 400, _error("INVALID_PARAMETER_VALUE", "startIndex and count must be integers")
        # SCIM's startIndex is 1-based; the SDK pages until it gets no Resources.
        page = emails[start - 1 : start - 1 + max(count, 0)]
        body = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": len(emails),
            "startIndex": start,
            "itemsPerPage": len(page),
        }
        if page:
            body["Resources"] = [_user(e, self.users[e]) for e in page]
        return 200, body


def _user(email: str, user_id: str) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": user_id,
        "userName": email,
        "displayName": email.split("@")[0],
        "active": True,
        "emails": [{"value": email, "type": "work", "primary": True}],
    }


def workspace_path(path: str) -> str:
    """A workspace path as the service keeps it: no trailing slash, no leading `/Workspace`."""
    path = "/" + path.strip("/")
    if path == "/Workspace" or path.startswith("/Workspace/"):
        path = path[len("/Workspace") :] or "/"
    return path


def _prefixes(path: str) -> list[str]:
    """`/a/b/c` -> `/`, `/a`, `/a/b`, `/a/b/c`."""
    parts = [p for p in path.split("/") if p]
    return ["/"] + ["/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def reserialized(text: str) -> str:
    """The definition as Lakeview stores and returns it: its own serialisation, not the caller's text.

    Compact JSON with sorted keys (Go's encoding/json), `pageType` defaulted on every page
    (a service default since May 2025) and a trailing newline.
    """
    content = json.loads(text)
    for page in content.get("pages") or []:
        if isinstance(page, dict):
            page.setdefault("pageType", "PAGE_TYPE_CANVAS")
    return json.dumps(content, separators=(",", ":"), sort_keys=True) + "\n"


def _check_serialized(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        parsed = json.loads(text)
    except ValueError as e:
        return f"serialized_dashboard is not valid JSON: {e}"
    return None if isinstance(parsed, dict) else "serialized_dashboard must be a JSON object"


def _page(items: list[dict], query: dict, key: str):
    try:
        size = int(query.get("page_size") or PAGE_SIZE)
        start = int(query.get("page_token") or 0)
    except ValueError:
        return 400, _error("INVALID_PARAMETER_VALUE", "page_size or page_token is not valid")
    size = size if size > 0 else PAGE_SIZE
    body: dict = {key: [dict(i) for i in items[start : start + size]]}
    if start + size < len(items):
        body["next_page_token"] = str(start + size)
    return 200, body
