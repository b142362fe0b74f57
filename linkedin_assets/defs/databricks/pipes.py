"""Notebook runs on Databricks through dagster-databricks Pipes.

Serverless compute by default (`PipesDatabricksServerlessClient`); with a job cluster
spec configured, the classic `PipesDatabricksClient` on a new job cluster. Both carry
the Pipes context and messages through the same Unity Catalog volume (DBFS root,
the job-cluster client's default, is disabled in new workspaces); the serverless
run passes the bootstrap as notebook widgets, the job cluster as its environment.
A run that fails becomes a `dg.Failure` carrying the task's error and the run's page.
"""

from __future__ import annotations

import itertools
import json

import dagster as dg
from dagster_databricks.pipes import (
    PipesDatabricksClient,
    PipesDatabricksServerlessClient,
    PipesUnityCatalogVolumesContextInjector,
    PipesUnityCatalogVolumesMessageReader,
)

from linkedin_assets.defs.compat import DagsterPipesExecutionError

# How far back to look for the failed run among the workspace's one-time runs.
RUNS_SEARCHED = 100


def describe_failed_run(client, run_id: int) -> tuple[str, str | None]:
    """(what went wrong, the run's page) from the run and its tasks' output."""
    run = client.jobs.get_run(run_id)
    state = run.state.state_message if run.state else ""
    lines = [f"Databricks run {run_id} ({run.run_name or 'notebook'}) failed: {state}".rstrip(": ")]
    for task in run.tasks or []:
        try:
            output = client.jobs.get_run_output(task.run_id)
        except Exception as e:  # the page still tells; do not hide the failure behind this one
            lines.append(f"{task.task_key}: (run output unavailable: {type(e).__name__})")
            continue
        if output.error:
            lines.append(f"{task.task_key}: {output.error}")
        if output.error_trace:
            lines.append("\n".join(output.error_trace.strip().splitlines()[-12:]))
    if run.run_page_url:
        lines.append(f"Run page: {run.run_page_url}")
    return "\n".join(lines), run.run_page_url


def run_notebook(client, workspace, context: dg.AssetExecutionContext, task, extras: dict, submit_args: dict):
    """`client.run(...)`; a run that fails becomes a `dg.Failure` with the task's error and the run's page.

    dagster-databricks raises its Pipes error with the run's state message only. The
    run is found again by its name (unique per Dagster run and step; the newest one
    is this attempt's) through the public Jobs API.
    """
    try:
        return client.run(context=context, task=task, extras=extras, submit_args=submit_args)
    except DagsterPipesExecutionError as e:
        run_id = _submitted_run_id(workspace, submit_args["run_name"])
        if run_id is None:
            raise dg.Failure(description=f"Databricks run {submit_args['run_name']!r} failed: {e}") from None
        description, url = describe_failed_run(workspace, run_id)
        metadata: dict = {"databricks_run_id": str(run_id)}
        if url:
            metadata["databricks_run_url"] = dg.MetadataValue.url(url)
        raise dg.Failure(description=description, metadata=metadata) from None


def _submitted_run_id(workspace, run_name: str) -> int | None:
    from databricks.sdk.service import jobs

    runs = workspace.jobs.list_runs(run_type=jobs.RunType.SUBMIT_RUN, completed_only=True, limit=25)
    for run in itertools.islice(runs, RUNS_SEARCHED):
        if run.run_name == run_name:
            return run.run_id
    return None


def notebook_client(workspace, pipes_volume_path: str, poll_interval_seconds: float, job_cluster: str | None):
    # Read messages every second, not every 10: a step's results arrive when its run ends.
    reader = PipesUnityCatalogVolumesMessageReader(
        client=workspace, volume_path=pipes_volume_path, interval=1, include_stdio_in_messages=False
    )
    if job_cluster:
        return PipesDatabricksClient(
            client=workspace,
            context_injector=PipesUnityCatalogVolumesContextInjector(client=workspace, volume_path=pipes_volume_path),
            message_reader=reader,
            poll_interval_seconds=poll_interval_seconds,
        )
    return PipesDatabricksServerlessClient(
        client=workspace,
        volume_path=pipes_volume_path,
        message_reader=reader,
        poll_interval_seconds=poll_interval_seconds,
    )


def notebook_task(notebook_path: str, job_cluster: str | None):
    from databricks.sdk.service import compute, jobs

    task = jobs.SubmitTask(
        task_key=notebook_path.rstrip("/").rsplit("/", 1)[-1],
        notebook_task=jobs.NotebookTask(notebook_path=notebook_path, source=jobs.Source.WORKSPACE),
    )
    if job_cluster:
        task.new_cluster = compute.ClusterSpec.from_dict(json.loads(job_cluster))
    return task
