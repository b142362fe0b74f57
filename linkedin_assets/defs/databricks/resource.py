"""The `lakehouse` resource of the databricks compute target.

The `LakehouseResource` of defs/resources/lakehouse.py, run on a workspace:

    landing            the landing volumes, listed through the Files API (sensors)
    lake               UC tables: versions from the tables API, rows through the SQL warehouse
    bronze_step        notebooks/bronze on serverless compute (or a job cluster), via Pipes
    table_step         silver: notebooks/silver via Pipes; gold: a materialized view on the warehouse
    publish_dashboard  the Lakeview dashboard, published through the SDK
"""

from __future__ import annotations

import re

from linkedin_assets.core.bronze.ingest import EVERY_PENDING_FILE
from linkedin_assets.core.databricks.lakeview import BUNDLE_NOTEBOOKS_SUFFIX, DEV_BUNDLE_ROOT, publish_dashboard
from linkedin_assets.core.databricks.secrets import token_masked
from linkedin_assets.core.databricks.volumes import VolumeLanding
from linkedin_assets.core.reports import rejected_from_pipes
from linkedin_assets.core.settings import DatabricksSettings
from linkedin_assets.defs.compat import allow_skipped_outputs
from linkedin_assets.defs.databricks.gold import gold_step
from linkedin_assets.defs.databricks.pipes import notebook_client, notebook_task, run_notebook
from linkedin_assets.defs.databricks.warehouse import WarehouseResource, warehouse_resource
from linkedin_assets.defs.databricks.warehouse_lake import WarehouseLake
from linkedin_assets.defs.resources.lakehouse import LakehouseResource
from linkedin_assets.defs.results import dagster_results


def _dates(start, end) -> dict:
    """The run's dates as Pipes extras (JSON): ISO text, or None for an unpartitioned step."""
    return {"start": start.isoformat() if start else None, "end": end.isoformat() if end else None}


UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
BUNDLE_NOTEBOOKS = DEV_BUNDLE_ROOT + BUNDLE_NOTEBOOKS_SUFFIX  # the dev bundle's, for the current user


class DatabricksLakehouseResource(LakehouseResource):
    warehouse: WarehouseResource
    landing_root: str = "/Volumes/landing/linkedin"
    pipes_volume_path: str = "/Volumes/landing/linkedin/pipes"
    notebook_dir: str | None = None  # None: the dev bundle's notebooks folder of the current user
    job_cluster: str | None = None  # a new-cluster spec (JSON); None: serverless
    poll_interval_seconds: float = 5.0
    # A notebook run that takes longer is ended by Databricks (TIMEDOUT), not left to bill.
    run_timeout_seconds: int = 3600
    run_as: str | None = None  # a user name, or a service principal's application id; None: the caller
    dashboard_parent: str | None = None
    dashboard_id: str | None = None  # None: the bundle's dashboard in its resources folder, else the asset's own
    dashboard_subscriber: str | None = None

    @property
    def workspace(self):
        return self.warehouse.client()

    @property
    def landing(self):
        return VolumeLanding(self.workspace, self.landing_root)

    @property
    def lake(self) -> WarehouseLake:
        return WarehouseLake(self.warehouse)

    def rows_readable(self) -> str | None:
        # Rows come through the SQL warehouse; a stopped one is started, but not waited for.
        return self.warehouse.start_unless_running()

    def _extras(self) -> dict:
        names = self.warehouse.table_names()
        return {
            "landing_root": self.landing_root,
            "catalogs": {layer: name.split(".")[0] for layer, name in names.items()},
            "schema": self.warehouse.schema_name,
        }

    def _notebook(self, name: str) -> str:
        folder = self.notebook_dir or BUNDLE_NOTEBOOKS.format(user=self.workspace.current_user.me().user_name)
        return f"{folder.rstrip('/')}/{name}"

    def _run_notebook(self, context, name: str, extras: dict):
        client = notebook_client(self.workspace, self.pipes_volume_path, self.poll_interval_seconds, self.job_cluster)
        # The name is unique per Dagster run and step: a failed run is found again by it.
        run_name = f"linkedin {name} {extras.get('kind') or extras.get('table')} (dagster run {context.run.run_id})"
        with token_masked(self.workspace):
            return run_notebook(
                client,
                self.workspace,
                context,
                notebook_task(self._notebook(name), self.job_cluster),
                {**self._extras(), **extras},
                self._submit_args(run_name),
            )

    def _submit_args(self, run_name: str) -> dict:
        """What `jobs.submit` gets beside the task: a name, a time limit, a place in the queue,
        and who the run runs as."""
        from databricks.sdk.service import jobs

        args: dict = {
            "run_name": run_name,
            "timeout_seconds": self.run_timeout_seconds,
            # A workspace at its limit of concurrent runs (one small serverless cluster on
            # Free Edition) queues the run instead of skipping it; its time limit counts
            # from when it starts.
            "queue": jobs.QueueSettings(enabled=True),
        }
        if self.run_as:
            # A service principal is named by its application id (a UUID); anything else is a user.
            principal = UUID.fullmatch(self.run_as.strip())
            args["run_as"] = (
                jobs.JobRunAs(service_principal_name=self.run_as.strip())
                if principal
                else jobs.JobRunAs(user_name=self.run_as.strip())
            )
        return args

    def bronze_step(
        self, context, kind: str, start=None, end=None, reported=None, requested=EVERY_PENDING_FILE, recorded=None
    ) -> tuple[list, dict]:
        invocation = self._run_notebook(
            context,
            "bronze",
            {
                "kind": kind,
                **_dates(start, end),
                "reported": dict(reported or {}),
                "requested": requested.to_json(),
                "recorded": dict(recorded or {}),
                "profiles": self.profiles().to_json(),
            },
        )
        # Only what the notebook reported: an unchanged table stays unreported (see bronze/step.py).
        results = invocation.get_results(implicit_materializations=False)
        allow_skipped_outputs(context)
        return list(results), rejected_from_pipes(invocation.get_custom_messages())

    def table_step(self, context, table, start=None, end=None) -> list:
        if table.catalog == "silver":
            invocation = self._run_notebook(
                context,
                "silver",
                {"table": table.name, **_dates(start, end), "profiles": self.profiles().to_json()},
            )
            return list(invocation.get_results(implicit_materializations=False))
        return dagster_results(gold_step(self.warehouse, table))

    def publish_dashboard(self, context) -> dict:
        with token_masked(self.workspace):
            return self._publish_dashboard()

    def _publish_dashboard(self) -> dict:
        metadata = publish_dashboard(
            self.workspace,
            self.warehouse.warehouse_id,
            self.warehouse.table_names(),
            self.dashboard_parent,
            self.dashboard_subscriber,
            dashboard_id=self.dashboard_id,
            notebook_dir=self.notebook_dir,
        )
        return metadata


def lakehouse_resource(settings: DatabricksSettings, **overrides) -> DatabricksLakehouseResource:
    """The `lakehouse` resource that runs the assets on the workspace."""
    return DatabricksLakehouseResource(
        warehouse=warehouse_resource(settings),
        landing_root=settings.landing_root,
        pipes_volume_path=settings.pipes_volume_path,
        notebook_dir=settings.notebook_dir,
        job_cluster=settings.job_cluster,
        dashboard_parent=settings.dashboard_parent,
        dashboard_id=settings.dashboard_id,
        dashboard_subscriber=settings.dashboard_subscriber,
        poll_interval_seconds=settings.poll_interval_seconds,
        run_timeout_seconds=settings.run_timeout_seconds,
        run_as=settings.run_as,
        **overrides,
    )
