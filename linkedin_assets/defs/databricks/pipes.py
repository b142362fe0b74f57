"""Notebook runs on Databricks through dagster-databricks Pipes.

Serverless compute by default (`PipesDatabricksServerlessClient`); with a job cluster
spec configured, the classic `PipesDatabricksClient` on a new job cluster. Both carry
the Pipes context and messages through the same Unity Catalog volume (DBFS root,
the job-cluster client's default, is disabled in new workspaces); the serverless
run passes the bootstrap as notebook widgets, the job cluster as its environment.
A run that fails becomes a `dg.Failure` carrying the task's error and the run's page.
"""

from __future__ import annotations

import json

import dagster as dg
from dagster._core.errors import DagsterPipesExecutionError
from dagster_databricks.pipes import (
    PipesDatabricksClient,
    PipesDatabricksServerlessClient,
    PipesUnityCatalogVolumesContextInjector,
    PipesUnityCatalogVolumesMessageReader,
)


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


class _Reporting:
    """Mixed into the Pipes clients: a failed run's error and page instead of the bare state."""

    def _poll_til_success(self, context, run_id: int) -> None:
        try:
            super()._poll_til_success(context, run_id)
        except DagsterPipesExecutionError:
            description, url = describe_failed_run(self.client, run_id)
            metadata = {"databricks_run_id": str(run_id)}
            if url:
                metadata["databricks_run_url"] = dg.MetadataValue.url(url)
            raise dg.Failure(description=description, metadata=metadata) from None


class ServerlessClient(_Reporting, PipesDatabricksServerlessClient):
    pass


class JobClusterClient(_Reporting, PipesDatabricksClient):
    pass


def notebook_client(workspace, pipes_volume_path: str, poll_interval_seconds: float, job_cluster: str | None):
    # Read messages every second, not every 10: a step's results arrive when its run ends.
    reader = PipesUnityCatalogVolumesMessageReader(
        client=workspace, volume_path=pipes_volume_path, interval=1, include_stdio_in_messages=False
    )
    if job_cluster:
        return JobClusterClient(
            client=workspace,
            context_injector=PipesUnityCatalogVolumesContextInjector(client=workspace, volume_path=pipes_volume_path),
            message_reader=reader,
            poll_interval_seconds=poll_interval_seconds,
        )
    return ServerlessClient(
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
