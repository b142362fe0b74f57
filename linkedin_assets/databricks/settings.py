"""Settings of the `databricks` compute target, read once from the environment.

Authentication is the databricks-sdk's own: `Config()` / `WorkspaceClient()` built
from the environment (DATABRICKS_HOST with DATABRICKS_TOKEN, or DATABRICKS_CONFIG_PROFILE,
OAuth M2M, Azure CLI, ...). These settings never hold a credential, so their repr,
logs and errors cannot leak one.

    LINKEDIN_WAREHOUSE_ID            SQL warehouse running gold (required for gold)
    LINKEDIN_{LANDING,BRONZE,SILVER,GOLD}_CATALOG   catalog names (default: the layer name)
    LINKEDIN_SCHEMA                  schema in every catalog (default linkedin)
    LINKEDIN_PIPELINE_RUNNER         principal the jobs/pipelines run as (optional)
    LINKEDIN_SUPPORT_EMAIL           gets failure notifications (optional)
    LINKEDIN_DASHBOARD_SUBSCRIBER    gets dashboard refresh summaries (optional)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..settings import SCHEMA, VOLUMES

LAYERS = ("landing", "bronze", "silver", "gold")


@dataclass(frozen=True)
class DatabricksSettings:
    warehouse_id: str | None = None
    catalogs: dict[str, str] = field(default_factory=lambda: {layer: layer for layer in LAYERS})
    schema: str = SCHEMA
    volumes: tuple[str, ...] = VOLUMES
    pipeline_runner: str | None = None
    support_email: str | None = None
    dashboard_subscriber: str | None = None

    @classmethod
    def from_env(cls, environ: dict | None = None) -> "DatabricksSettings":
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = (env.get(name) or "").strip()
            return value or None

        return cls(
            warehouse_id=get("LINKEDIN_WAREHOUSE_ID"),
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

    def volume_path(self, volume: str, state: str | None = None) -> str:
        """`/Volumes/landing/linkedin/<volume>[/<state>]`."""
        if volume not in self.volumes:
            raise ValueError(f"unknown landing volume {volume!r}; expected one of {self.volumes}")
        path = f"/Volumes/{self.catalog('landing')}/{self.schema}/{volume}"
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
        from .warehouse import WarehouseResource

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
