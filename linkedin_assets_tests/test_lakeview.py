"""The dashboard asset's Lakeview calls, against the stand-in answering as real Lakeview does.

The stand-in (standin_lakeview) returns its own re-serialisation of a definition, gives
every create/update a new etag, counts updates, hides parent_path from list, and refuses
to create a dashboard in a folder that does not exist. The dataset queries are not what
these tests are about: publishing here counts one row per dataset without running SQL
(test_databricks_graph publishes the real dashboard on real gold).
"""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from linkedin_assets.core.databricks.lakeview import DASHBOARD_FILE, DISPLAY_NAME, publish_dashboard
from linkedin_assets.core.settings import DatabricksSettings
from linkedin_assets_tests.databricks_standin import DatabricksStandIn

pytestmark = pytest.mark.slow  # the Databricks stand-in's warehouse runs the datasets (local Spark)

NAMES = {"bronze": "bronze.linkedin", "silver": "silver.linkedin", "gold": "gold.linkedin"}
ME, BOB = "me@example.com", "bob@example.com"
OUR_BUNDLE = f"/Workspace/Users/{ME}/.bundle/linkedin-analytics/dev/resources"
BOBS_BUNDLE = f"/Workspace/Users/{BOB}/.bundle/linkedin-analytics/dev/resources"


@pytest.fixture
def standin(databricks_standin: DatabricksStandIn, monkeypatch) -> DatabricksStandIn:
    for name in ("LINKEDIN_DASHBOARD_ID", "LINKEDIN_NOTEBOOK_DIR", "LINKEDIN_DASHBOARD_PARENT"):
        monkeypatch.delenv(name, raising=False)
    databricks_standin.users[BOB] = "1002"
    databricks_standin.lakeview._execute = lambda sql: pa.table({"x": [1]})
    return databricks_standin


@pytest.fixture
def client(standin):
    from databricks.sdk import WorkspaceClient

    return WorkspaceClient()


def publish(client, standin, names=NAMES, parent=None) -> dict:
    """As the resource publishes: with the dashboard id and notebook folder of the settings."""
    env = DatabricksSettings.from_env()
    return publish_dashboard(
        client, standin.warehouse_id, names, parent, None, dashboard_id=env.dashboard_id, notebook_dir=env.notebook_dir
    )


def bundle_deployed(client, standin, folder: str, name: str) -> str:
    """A dashboard as `databricks bundle deploy` creates it: the file as it is, in the bundle's
    folder, its datasets' catalog and schema the resource's dataset_catalog/dataset_schema
    (query parameters of the create call, which databricks-sdk 0.60 does not expose)."""
    client.workspace.mkdirs(folder)
    created = client.api_client.do(
        "POST",
        "/api/2.0/lakeview/dashboards",
        query={"dataset_catalog": "gold", "dataset_schema": "linkedin"},
        body={
            "display_name": name,
            "serialized_dashboard": DASHBOARD_FILE.read_text(),
            "warehouse_id": standin.warehouse_id,
            "parent_path": folder,
        },
    )
    return created["dashboard_id"]


def etag(client, dashboard_id: str) -> str:
    return client.lakeview.get(dashboard_id).etag


# -- the stand-in answers as Lakeview does ---------------------------------------------


def test_standin_reserialises_renews_etags_and_needs_the_folder(client, standin):
    from databricks.sdk.errors import NotFound
    from databricks.sdk.service import dashboards

    text = json.dumps({"pages": [{"name": "p", "displayName": "P"}], "datasets": []}, indent=2)
    with pytest.raises(NotFound, match="doesn't exist"):
        client.lakeview.create(
            dashboards.Dashboard(display_name="X", serialized_dashboard=text, parent_path="/Shared/nowhere")
        )
    client.workspace.mkdirs("/Workspace/Shared/nowhere/deeper")
    assert client.workspace.get_status("/Shared/nowhere").object_type.value == "DIRECTORY"
    created = client.lakeview.create(
        dashboards.Dashboard(
            display_name="X", serialized_dashboard=text, parent_path="/Workspace/Shared/nowhere/deeper"
        )
    )
    assert (created.parent_path, created.path) == ("/Shared/nowhere/deeper", "/Shared/nowhere/deeper/X.lvdash.json")
    stored = client.lakeview.get(created.dashboard_id)
    assert stored.serialized_dashboard != text
    assert json.loads(stored.serialized_dashboard) == {
        "datasets": [],
        "pages": [{"displayName": "P", "name": "p", "pageType": "PAGE_TYPE_CANVAS"}],
    }
    updated = client.lakeview.update(created.dashboard_id, dashboards.Dashboard(serialized_dashboard=text))
    assert updated.etag not in (None, created.etag) and standin.lakeview.updates(created.dashboard_id) == 1
    [listed] = client.lakeview.list()
    assert listed.parent_path is None and listed.etag is None and listed.serialized_dashboard is None
    client.lakeview.publish(created.dashboard_id, warehouse_id=standin.warehouse_id, embed_credentials=True)
    assert etag(client, created.dashboard_id) == updated.etag  # publishing leaves the draft's etag


# -- (2) an unchanged definition is never rewritten; a bundle's dashboard never ------------


def test_unchanged_file_never_updates_the_dashboard(client, standin):
    first = publish(client, standin)
    assert first["definition"] == "created"
    dashboard_id = first["dashboard_id"]
    before = etag(client, dashboard_id)

    again = publish(client, standin)
    twice = publish(client, standin)

    assert again["dashboard_id"] == twice["dashboard_id"] == dashboard_id
    assert again["definition"] == twice["definition"] == "unchanged"
    assert standin.lakeview.updates() == 0
    assert etag(client, dashboard_id) == before
    assert standin.published[dashboard_id]["embed_credentials"] is True


def test_changed_definition_updates_the_own_dashboard_once(client, standin):
    dashboard_id = publish(client, standin)["dashboard_id"]
    renamed = {"bronze": "bronze_dev.linkedin", "silver": "silver_dev.linkedin", "gold": "gold_dev.linkedin"}

    assert publish(client, standin, renamed)["definition"] == "updated"
    assert "gold_dev.linkedin." in client.lakeview.get(dashboard_id).serialized_dashboard
    assert publish(client, standin, renamed)["definition"] == "unchanged"
    assert standin.lakeview.updates(dashboard_id) == 1


def test_bundle_dashboard_is_published_never_rewritten(client, standin):
    ours = bundle_deployed(client, standin, OUR_BUNDLE, f"[dev me] {DISPLAY_NAME}")
    deployed_etag = etag(client, ours)
    renamed = {**NAMES, "gold": "gold_dev.linkedin"}  # even a definition that differs stays the bundle's

    for names in (NAMES, NAMES, renamed):
        metadata = publish(client, standin, names)
        assert (metadata["dashboard_id"], metadata["definition"]) == (ours, "bundle-managed")

    assert standin.lakeview.updates() == 0
    assert etag(client, ours) == deployed_etag  # so `databricks bundle deploy` sees no remote change
    assert [kind for kind, _ in standin.lakeview.writes] == ["create"]  # the bundle's; the asset created none
    assert standin.published[ours]["embed_credentials"] is True


def test_prod_bundle_dashboard_found_from_the_notebook_dir(client, standin, monkeypatch):
    prod = "/Workspace/Shared/.bundle/linkedin-analytics/prod"
    ours = bundle_deployed(client, standin, f"{prod}/resources", DISPLAY_NAME)  # production mode: no prefix
    monkeypatch.setenv("LINKEDIN_NOTEBOOK_DIR", f"{prod}/files/notebooks")  # as README says for -t prod

    metadata = publish(client, standin)

    assert (metadata["dashboard_id"], metadata["definition"]) == (ours, "bundle-managed")
    assert standin.lakeview.updates() == 0 and len(standin.lakeview.dashboards) == 1


# -- (7) only our dashboard, never a same-named one elsewhere ------------------------------


def test_publishes_ours_not_another_users_same_named_dashboard(client, standin):
    bobs = bundle_deployed(client, standin, BOBS_BUNDLE, f"[dev bob] {DISPLAY_NAME}")  # listed first
    ours = bundle_deployed(client, standin, OUR_BUNDLE, f"[dev me] {DISPLAY_NAME}")
    bobs_etag = etag(client, bobs)

    metadata = publish(client, standin)

    assert metadata["dashboard_id"] == ours
    assert set(standin.published) == {ours}
    assert etag(client, bobs) == bobs_etag and standin.lakeview.updates() == 0


def test_only_someone_elses_dashboard_means_creating_ours(client, standin):
    bobs = bundle_deployed(client, standin, BOBS_BUNDLE, f"[dev bob] {DISPLAY_NAME}")
    shared = bundle_deployed(client, standin, "/Workspace/Shared/marketing", DISPLAY_NAME)

    metadata = publish(client, standin)

    assert metadata["definition"] == "created" and metadata["dashboard_id"] not in (bobs, shared)
    assert metadata["dashboard_path"] == f"/Users/{ME}/{DISPLAY_NAME}.lvdash.json"
    assert set(standin.published) == {metadata["dashboard_id"]}
    assert standin.lakeview.updates() == 0


def test_dashboard_id_setting_names_the_dashboard(client, standin, monkeypatch):
    bundle_deployed(client, standin, OUR_BUNDLE, f"[dev me] {DISPLAY_NAME}")
    chosen = bundle_deployed(client, standin, "/Workspace/Shared/team", DISPLAY_NAME)
    chosen_etag = etag(client, chosen)
    monkeypatch.setenv("LINKEDIN_DASHBOARD_ID", chosen)
    assert DatabricksSettings.from_env().dashboard_id == chosen

    metadata = publish(client, standin)

    # Not the asset's own (outside LINKEDIN_DASHBOARD_PARENT): published as it is.
    assert (metadata["dashboard_id"], metadata["definition"]) == (chosen, "bundle-managed")
    assert set(standin.published) == {chosen} and etag(client, chosen) == chosen_etag

    monkeypatch.setenv("LINKEDIN_DASHBOARD_ID", "0" * 32)
    with pytest.raises(ValueError, match=f"LINKEDIN_DASHBOARD_ID={'0' * 32}"):
        publish(client, standin)


# -- (12) a fresh workspace: the folder is created first -----------------------------------


def test_publishing_into_a_fresh_workspace_creates_the_folder(client, standin):
    parent = "/Workspace/Shared/linkedin/dashboards"  # LINKEDIN_DASHBOARD_PARENT; nothing there yet

    metadata = publish(client, standin, parent=parent)

    assert metadata["definition"] == "created"
    assert metadata["dashboard_path"] == f"/Shared/linkedin/dashboards/{DISPLAY_NAME}.lvdash.json"
    assert client.workspace.get_status(parent).object_type.value == "DIRECTORY"
    assert set(standin.published) == {metadata["dashboard_id"]}
    # The next run finds it there and leaves it be.
    again = publish(client, standin, parent=parent)
    assert (again["dashboard_id"], again["definition"]) == (metadata["dashboard_id"], "unchanged")
    assert standin.lakeview.updates() == 0


def test_a_bundle_dashboards_datasets_read_the_catalog_it_was_deployed_with(settings, databricks_standin):
    """The file names its tables bare: deployed with the bundle's dataset_catalog and
    dataset_schema, every dataset runs on gold; deployed without them, publishing fails
    as a warehouse whose default catalog holds no such table fails it."""
    import datetime as dt

    from databricks.sdk import WorkspaceClient
    from databricks.sdk.errors import DatabricksError

    from linkedin_assets.cli import run_pending
    from linkedin_assets.samples.profile import build_profile
    from linkedin_assets.samples.writer import write_content_export

    day = dt.date(2026, 10, 31)
    write_content_export(build_profile(day, 3, seed=4), settings.volume("content_daily"), day, day)
    assert run_pending(settings).ok  # gold, locally, in the lake the stand-in serves
    client = WorkspaceClient()
    warehouse = databricks_standin.warehouse_id

    deployed = bundle_deployed(client, databricks_standin, OUR_BUNDLE, f"[dev me] {DISPLAY_NAME}")
    client.lakeview.publish(deployed, warehouse_id=warehouse, embed_credentials=True)
    counts = databricks_standin.published[deployed]["row_counts"]
    assert set(counts) == {d["name"] for d in json.loads(DASHBOARD_FILE.read_text())["datasets"]}
    assert counts["profile_daily"] == 1, counts

    client.workspace.mkdirs("/Workspace/Shared/elsewhere")
    bare = client.api_client.do(
        "POST",
        "/api/2.0/lakeview/dashboards",
        body={
            "display_name": "No catalog",
            "serialized_dashboard": DASHBOARD_FILE.read_text(),
            "warehouse_id": warehouse,
            "parent_path": "/Workspace/Shared/elsewhere",
        },
    )
    with pytest.raises(DatabricksError, match="TABLE_OR_VIEW_NOT_FOUND"):
        client.lakeview.publish(bare["dashboard_id"], warehouse_id=warehouse, embed_credentials=True)
