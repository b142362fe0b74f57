"""Settings of the `databricks` compute target, read once from the environment.

Authentication is the databricks-sdk's own: `Config()` / `WorkspaceClient()` built
from the environment (DATABRICKS_HOST with DATABRICKS_TOKEN, or DATABRICKS_CONFIG_PROFILE,
OAuth M2M, Azure CLI, ...). These settings never hold a credential, so their repr,
logs and errors cannot leak one.

    LINKEDIN_WAREHOUSE_ID            SQL warehouse running gold and the dashboard (required)
    LINKEDIN_NOTEBOOK_DIR            workspace folder of the notebooks (default: the dev bundle's,
                                     /Workspace/Users/<you>/.bundle/linkedin-analytics/dev/files/notebooks)
    LINKEDIN_JOB_CLUSTER             a new-cluster spec (JSON) to run notebooks on a job cluster
                                     instead of serverless compute (optional)
    LINKEDIN_PIPES_VOLUME            landing volume for Pipes context and messages (default pipes)
    LINKEDIN_VOLUMES_ROOT            where volumes are mounted (default /Volumes; the tests' stand-in
                                     mounts them in a temporary folder)
    LINKEDIN_DATABRICKS_POLL_SECONDS how often a notebook run's state is polled (default 5)
    LINKEDIN_DASHBOARD_PARENT        workspace folder to create the dashboard in when the bundle
                                     has not (default your home folder; created if missing)
    LINKEDIN_DASHBOARD_ID            the dashboard to publish, by id (e.g. the bundle-deployed one's);
                                     default: the bundle's in its resources folder, else the asset's own
    LINKEDIN_{LANDING,BRONZE,SILVER,GOLD}_CATALOG   catalog names (default: the layer name)
    LINKEDIN_SCHEMA                  schema in every catalog (default linkedin)
    LINKEDIN_PIPELINE_RUNNER         who the notebook runs run as: a user name, or a service principal's
                                     application id (optional; default the caller)
    LINKEDIN_DATABRICKS_RUN_TIMEOUT_SECONDS  a notebook run's time limit (default 3600)
    LINKEDIN_SUPPORT_EMAIL           gets failure notifications (optional)
    LINKEDIN_DASHBOARD_SUBSCRIBER    gets dashboard refresh summaries (optional)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from linkedin_assets.core.landing import VOLUMES
from linkedin_assets.core.settings import SCHEMA

LAYERS = ("landing", "bronze", "silver", "gold")


@dataclass(frozen=True)
class DatabricksSettings:
    warehouse_id: str | None = None
    notebook_dir: str | None = None
    job_cluster: str | None = None
    pipes_volume: str = "pipes"
    volumes_root: str = "/Volumes"
    dashboard_parent: str | None = None
    dashboard_id: str | None = None
    poll_interval_seconds: float = 5.0
    run_timeout_seconds: int = 3600
    catalogs: dict[str, str] = field(default_factory=lambda: {layer: layer for layer in LAYERS})
    schema: str = SCHEMA
    volumes: tuple[str, ...] = VOLUMES
    pipeline_runner: str | None = None
    support_email: str | None = None
    dashboard_subscriber: str | None = None

    @classmethod
    def from_env(cls, environ: dict | None = None) -> DatabricksSettings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = (env.get(name) or "").strip()
            return value or None

        return cls(
            warehouse_id=get("LINKEDIN_WAREHOUSE_ID"),
            notebook_dir=get("LINKEDIN_NOTEBOOK_DIR"),
            job_cluster=get("LINKEDIN_JOB_CLUSTER"),
            pipes_volume=get("LINKEDIN_PIPES_VOLUME") or "pipes",
            volumes_root=(get("LINKEDIN_VOLUMES_ROOT") or "/Volumes").rstrip("/"),
            dashboard_parent=get("LINKEDIN_DASHBOARD_PARENT"),
            dashboard_id=get("LINKEDIN_DASHBOARD_ID"),
            poll_interval_seconds=float(get("LINKEDIN_DATABRICKS_POLL_SECONDS") or 5),
            run_timeout_seconds=int(get("LINKEDIN_DATABRICKS_RUN_TIMEOUT_SECONDS") or 3600),
            catalogs={layer: get(f"LINKEDIN_{layer.upper()}_CATALOG") or layer for layer in LAYERS},
            schema=get("LINKEDIN_SCHEMA") or SCHEMA,
            pipeline_runner=get("LINKEDIN_PIPELINE_RUNNER"),
            support_email=get("LINKEDIN_SUPPORT_EMAIL"),
            dashboard_subscriber=get("LINKEDIN_DASHBOARD_SUBSCRIBER"),
        )

    def catalog(self, layer: str) -> str:
        return self.catalogs[layer]

    def table_name(self, layer: str, table: str) -> str:
        """`silver.linkedin.totals` under the configured catalog and schema names."""
        return f"{self.catalog(layer)}.{self.schema}.{table}"

    @property
    def landing_root(self) -> str:
        """`/Volumes/landing/linkedin`: the volumes are its folders."""
        return f"{self.volumes_root}/{self.catalog('landing')}/{self.schema}"

    def volume_path(self, volume: str, state: str | None = None) -> str:
        """`/Volumes/landing/linkedin/<volume>[/<state>]`."""
        if volume not in self.volumes:
            raise ValueError(f"unknown landing volume {volume!r}; expected one of {self.volumes}")
        path = f"{self.landing_root}/{volume}"
        return f"{path}/{state}" if state else path

    def sdk_config(self):
        """The SDK's `Config` from the environment (standard Databricks unified auth)."""
        from databricks.sdk.core import Config

        return Config()

    def workspace_client(self):
        from databricks.sdk import WorkspaceClient

        return WorkspaceClient()

    def warehouse_resource(self, **overrides):
        """The `WarehouseResource` these settings describe (needs LINKEDIN_WAREHOUSE_ID); `overrides`: other fields."""
        from linkedin_assets.defs.databricks.warehouse import WarehouseResource

        if not self.warehouse_id:
            raise ValueError("LINKEDIN_WAREHOUSE_ID is not set: the SQL warehouse that refreshes gold")
        return WarehouseResource(
            warehouse_id=self.warehouse_id,
            bronze_catalog=self.catalog("bronze"),
            silver_catalog=self.catalog("silver"),
            gold_catalog=self.catalog("gold"),
            schema_name=self.schema,
            **overrides,
        )

    def lakehouse_resource(self, **overrides):
        """The `lakehouse` resource that runs the assets on this workspace."""
        from linkedin_assets.defs.databricks.resource import DatabricksLakehouseResource

        return DatabricksLakehouseResource(
            warehouse=self.warehouse_resource(),
            landing_root=self.landing_root,
            pipes_volume_path=f"{self.landing_root}/{self.pipes_volume}",
            notebook_dir=self.notebook_dir,
            job_cluster=self.job_cluster,
            dashboard_parent=self.dashboard_parent,
            dashboard_id=self.dashboard_id,
            dashboard_subscriber=self.dashboard_subscriber,
            poll_interval_seconds=self.poll_interval_seconds,
            run_timeout_seconds=self.run_timeout_seconds,
            run_as=self.pipeline_runner,
            **overrides,
        )
