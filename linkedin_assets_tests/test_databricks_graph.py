"""The whole graph with LINKEDIN_COMPUTE=databricks, against the loopback stand-in of a workspace.

Files are uploaded to the landing volume with the SDK's Files API, as a user would
(`databricks fs cp`); the same `linkedin-analytics run` then ticks the arrival
sensors (listing the volumes through the Files API), submits the bronze and silver
notebooks as runs that report back through Pipes, refreshes gold as materialized
views on the warehouse and publishes the Lakeview dashboard. Gold must equal what
the local path builds from the same files.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys

import dagster as dg
import pytest

from linkedin_assets.cli import run_pending
from linkedin_assets.core.gold.tables import GOLD_TABLES
from linkedin_assets.core.landing import VOLUMES
from linkedin_assets.core.settings import DatabricksSettings, load_settings
from linkedin_assets.samples.landing import write_sample_landing
from linkedin_assets_tests.databricks_standin import DatabricksStandIn
from linkedin_assets_tests.homes import use_home

pytestmark = pytest.mark.slow  # the Databricks stand-in runs the notebooks (on local Spark)

END = dt.date(2026, 10, 31)
DAYS = 8
SEED = 12
CREATED_VIEW = re.compile(r"CREATE MATERIALIZED VIEW IF NOT EXISTS (\S+)")
MERGED = re.compile(r"MERGE INTO (\S+) t USING ")
NOTEBOOKS = "/Workspace/Users/me@example.com/.bundle/linkedin-analytics/dev/files/notebooks"


@pytest.fixture(scope="module")
def local_gold(tmp_path_factory):
    """Gold built by the local path from the sample files (and those files, to upload)."""
    home = tmp_path_factory.mktemp("local") / "home"
    with pytest.MonkeyPatch.context() as mp:
        settings = use_home(mp, home)
        write_sample_landing(settings.landing, end=END, days=DAYS, seed=SEED)
        files = sorted(
            (p for v in VOLUMES for p in (settings.landing / v / "pending").iterdir()),
            key=lambda p: p.stat().st_mtime_ns,
        )
        uploads = [(p.parent.parent.name, p.name, p.read_bytes()) for p in files]
        assert run_pending(settings).ok
        from linkedin_assets.core.lake.delta import DeltaLake

        lake = DeltaLake(settings.lake)
        return {t.name: lake.read("gold", t.name) for t in GOLD_TABLES}, uploads


@pytest.fixture
def on_databricks(settings, databricks_standin: DatabricksStandIn, monkeypatch):
    monkeypatch.setenv("LINKEDIN_COMPUTE", "databricks")
    monkeypatch.setenv("LINKEDIN_NOTEBOOK_DIR", NOTEBOOKS)
    monkeypatch.setenv("LINKEDIN_DATABRICKS_POLL_SECONDS", "0.2")
    monkeypatch.setenv("LINKEDIN_DASHBOARD_SUBSCRIBER", "me@example.com")
    return databricks_standin


def sorted_rows(table) -> list[tuple]:
    rows = [tuple(r[c] for c in sorted(table.column_names)) for r in table.to_pylist()]
    return sorted(rows, key=lambda r: tuple((v is None, str(v)) for v in r))


def upload(workspace, uploads) -> None:
    root = DatabricksSettings.from_env()
    for volume, name, data in uploads:
        workspace.files.upload(f"{root.volume_path(volume, 'pending')}/{name}", io.BytesIO(data), overwrite=True)


def test_whole_graph_on_databricks_equals_local_gold(settings, on_databricks: DatabricksStandIn, local_gold):
    from databricks.sdk import WorkspaceClient

    expected, uploads = local_gold
    workspace = WorkspaceClient()
    upload(workspace, uploads)

    summary = run_pending(load_settings())

    assert summary.ok, (summary.errors, summary.failed_runs)
    # Every uploaded file was processed and moved to processed/ in its volume.
    moved = {(v, n) for v, names in summary.processed.items() for n in names}
    assert moved == {(v, n) for v, n, _ in uploads}
    dbx = DatabricksSettings.from_env()
    for volume in VOLUMES:
        assert [e.name for e in workspace.files.list_directory_contents(dbx.volume_path(volume, "pending"))] == []

    # Bronze and silver ran as notebook runs on "Databricks", all successful, nothing local.
    runs = on_databricks.runs
    assert {r["notebook"] for r in runs} == {"bronze", "silver"}
    assert all(r["state"] == "SUCCESS" for r in runs), [(r["notebook"], r["state"]) for r in runs]
    assert {r["base_parameters"].get("DAGSTER_PIPES_CONTEXT") is not None for r in runs} == {True}
    # Each asks to wait in the queue when the workspace is at its limit of concurrent runs.
    assert all(r["queue"] == {"enabled": True} for r in runs), [r["queue"] for r in runs]
    # The notebooks wrote through UnityCatalogLake: Databricks SQL MERGEs on the UC tables,
    # parsed with sqlglot and carried out with delta-rs by the stand-in (standin_unity.py).
    assert any(v == "patch" for v, _, _ in uploads)
    merged = {m.group(1) for s in on_databricks.uc_statements if (m := MERGED.match(s))}
    assert {"bronze.linkedin.totals", "bronze.linkedin.post_patch"} <= merged, merged
    assert any(t.startswith("bronze.") for t in merged) and any(t.startswith("silver.") for t in merged), merged
    # Gold was refreshed as materialized views on the warehouse, and equals local gold.
    views = {m.group(1) for s in on_databricks.statements_run() if (m := CREATED_VIEW.match(s))}
    assert views == {f"gold.linkedin.{t.name}" for t in GOLD_TABLES}
    for table in GOLD_TABLES:
        assert sorted_rows(settings_lake(settings).read("gold", table.name)) == sorted_rows(expected[table.name]), (
            table.name
        )

    # The Lakeview dashboard was published, its datasets ran on gold, the subscriber is subscribed.
    [(dashboard_id, published)] = on_databricks.published.items()
    datasets = published["row_counts"]
    assert datasets and all(rows > 0 for rows in datasets.values()), datasets
    instance = dg.DagsterInstance.get()
    dashboard = instance.get_latest_materialization_event(dg.AssetKey(["dashboard", "linkedin_statistics"]))
    metadata = dashboard.asset_materialization.metadata
    assert metadata["dashboard_id"].value == dashboard_id and metadata["subscriber"].value == "me@example.com"
    # Bronze materializations carry the notebooks' row counts and checks came back through Pipes.
    totals = instance.get_latest_materialization_event(dg.AssetKey(["bronze", "linkedin", "totals"]))
    assert totals.asset_materialization.metadata["rows_inserted"].value > 0
    check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey(["bronze", "linkedin", "totals"]), "rows_in_equal_rows_out")]
    )
    assert next(iter(check.values())).status.value == "SUCCEEDED"

    # Nothing new: a second run submits no notebook.
    before = len(on_databricks.runs)
    again = run_pending(load_settings())
    assert again.ok and again.runs == 0 and len(on_databricks.runs) == before


def settings_lake(settings):
    from linkedin_assets.core.lake.delta import DeltaLake

    return DeltaLake(settings.lake)


def test_failed_notebook_run_fails_the_asset_with_its_error_and_page(
    settings, on_databricks: DatabricksStandIn, local_gold, monkeypatch
):
    from dagster._core.pipes import utils as pipes_utils
    from databricks.sdk import WorkspaceClient

    # A run failed before its notebook started never writes Pipes' "closed" message, and the
    # message reader then waits 10 s more for one, after each of the three tries: 1 s is
    # as good a wait here (the stand-in's volume is local). Raises if Dagster renames it.
    monkeypatch.setattr(pipes_utils, "WAIT_FOR_LOGS_AFTER_EXECUTION_INTERVAL", 1)
    _, uploads = local_gold
    daily = [u for u in uploads if u[0] == "content_daily"][:1]
    upload(WorkspaceClient(), daily)
    for _ in range(3):  # the first try and both retries of the bronze retry policy
        on_databricks.fail_next_run("OutOfMemoryError: Java heap space")

    summary = run_pending(load_settings(), downstream=False)

    assert summary.failed_runs and not summary.processed
    instance = dg.DagsterInstance.get()
    [run] = instance.get_runs()
    retried = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY)
    failures = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
    assert len(retried) == 2 and len(failures) == 1
    text = str(failures[0].dagster_event.event_specific_data.error)
    assert "OutOfMemoryError: Java heap space" in text
    assert "Run page: " + on_databricks.host in text
    assert on_databricks.token not in text
    # The file stays pending for the next try.
    dbx = DatabricksSettings.from_env()
    pending = [
        e.name for e in WorkspaceClient().files.list_directory_contents(dbx.volume_path("content_daily", "pending"))
    ]
    assert pending == [daily[0][1]]


def test_notebook_code_imports_without_dagster():
    """The cluster has dagster-pipes, not Dagster: the notebooks' imports must not need it."""
    code = (
        "import sys; sys.modules['dagster'] = None\n"
        "import linkedin_assets.core.databricks.notebook as n, linkedin_assets.core.bronze.step, linkedin_assets.core.sql.step\n"
        "import linkedin_assets.core.lake.unity\n"
        "print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ})
    assert out.stdout.strip() == "ok", out.stderr
