"""Notebook runs on a new job cluster (LINKEDIN_JOB_CLUSTER), against the stand-in.

The job-cluster Pipes client's defaults (a DBFS context and messages, bootstrap in the
cluster's environment while the notebook read widgets) could not work: DBFS root is
disabled in new workspaces, and the stand-in serves no DBFS either. Now the context
and messages go through the Pipes volume, as on serverless, and the notebook reads
the bootstrap from the cluster's environment.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from linkedin_assets.cli import run_pending
from linkedin_assets.core.lake.delta import DeltaLake
from linkedin_assets.core.settings import DatabricksSettings, load_settings
from linkedin_assets.defs.databricks.resource import lakehouse_resource
from linkedin_assets.samples.profile import build_profile
from linkedin_assets.samples.writer import write_content_export, write_patch_file
from linkedin_assets_tests.databricks_standin import DatabricksStandIn

pytestmark = pytest.mark.slow  # the Databricks stand-in runs the notebooks (on local Spark)

DAY = dt.date(2026, 10, 31)
RUNNER = "7f0c2a3e-1b4d-4e5f-9a8b-0c1d2e3f4a5b"  # a service principal's application id
CLUSTER = {"spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge", "num_workers": 0}


@pytest.fixture
def on_a_job_cluster(settings, databricks_standin: DatabricksStandIn, monkeypatch):
    monkeypatch.setenv("LINKEDIN_COMPUTE", "databricks")
    monkeypatch.setenv("LINKEDIN_NOTEBOOK_DIR", "/Workspace/Shared/.bundle/linkedin-analytics/prod/files/notebooks")
    monkeypatch.setenv("LINKEDIN_DATABRICKS_POLL_SECONDS", "0.2")
    monkeypatch.setenv("LINKEDIN_JOB_CLUSTER", json.dumps(CLUSTER))
    monkeypatch.setenv("LINKEDIN_PIPELINE_RUNNER", RUNNER)
    monkeypatch.setenv("LINKEDIN_DATABRICKS_RUN_TIMEOUT_SECONDS", "1800")
    return databricks_standin


def test_bronze_runs_on_a_job_cluster_through_the_pipes_volume(settings, on_a_job_cluster: DatabricksStandIn, tmp_path):
    from databricks.sdk import WorkspaceClient

    profile = build_profile(end=DAY, days=3, seed=21)
    daily = write_content_export(profile, tmp_path, DAY, DAY)
    url = profile.top_posts(DAY, DAY, "impressions")[0][0]
    patch = write_patch_file([{"post_url": url, "title": "On a cluster"}], tmp_path / "fix.csv")
    workspace = WorkspaceClient()
    dbx = DatabricksSettings.from_env()
    for volume, path in (("content_daily", daily), ("patch", patch)):
        workspace.files.upload(f"{dbx.volume_path(volume, 'pending')}/{path.name}", io.BytesIO(path.read_bytes()))

    summary = run_pending(load_settings(), downstream=False)

    assert summary.ok, (summary.errors, summary.failed_runs)
    runs = on_a_job_cluster.runs
    assert {r["notebook"] for r in runs} == {"bronze"} and all(r["state"] == "SUCCESS" for r in runs), runs
    for run in runs:
        assert run["new_cluster"]["spark_version"] == CLUSTER["spark_version"]
        bootstrap = run["new_cluster"]["spark_env_vars"]
        assert {"DAGSTER_PIPES_CONTEXT", "DAGSTER_PIPES_MESSAGES"} <= set(bootstrap)
        assert "DAGSTER_PIPES_CONTEXT" not in run["base_parameters"]
        # LINKEDIN_PIPELINE_RUNNER and the time limit reach the submitted run.
        assert run["run_as"] == {"service_principal_name": RUNNER} and run["timeout_seconds"] == 1800
        assert run["queue"] == {"enabled": True}  # queued, not skipped, at the workspace's run limit
    lake = DeltaLake(settings.lake)
    assert [r["date"] for r in lake.read("bronze", "totals").to_pylist()] == [DAY]
    [patched] = lake.read("bronze", "post_patch").to_pylist()
    assert (patched["post_url"], patched["title"]) == (url, "On a cluster")


def test_pipeline_runner_is_a_user_or_a_service_principal():
    from databricks.sdk.service import jobs

    def run_as(runner: str | None):
        env = {"LINKEDIN_WAREHOUSE_ID": "abc123", **({"LINKEDIN_PIPELINE_RUNNER": runner} if runner else {})}
        resource = lakehouse_resource(DatabricksSettings.from_env(env))
        return resource._submit_args("linkedin bronze content").get("run_as")

    assert run_as(None) is None
    assert run_as("analytics@example.com") == jobs.JobRunAs(user_name="analytics@example.com")
    assert run_as(RUNNER) == jobs.JobRunAs(service_principal_name=RUNNER)
