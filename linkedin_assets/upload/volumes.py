"""The upload page's target on the databricks compute: Unity Catalog landing volumes through the
Files API, and the bronze tables through the SQL warehouse for the posts the lake knows.

Dagster-free, so the page can run as a Databricks App (databricks_app.py) with only the
SDK and the parsers installed. How far a file got is read from where the bronze
notebook moved it: pending/, processed/ or errors/ with its reason.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path, PurePosixPath

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import AlreadyExists
from databricks.sdk.service.sql import StatementState

from linkedin_assets.core.databricks.volumes import VolumeLanding
from linkedin_assets.core.settings import DatabricksSettings
from linkedin_assets.core.upload import MAX_NUMBERED, Verdict, numbered_names

KNOWN_POSTS_SQL = "SELECT post_url FROM {top_posts} UNION SELECT post_url FROM {post_details}"
TITLES_SQL = "SELECT post_url, title FROM {posts}"


class VolumeTarget:
    def __init__(self, workspace: WorkspaceClient, settings: DatabricksSettings):
        if not settings.warehouse_id:
            raise ValueError("LINKEDIN_WAREHOUSE_ID is not set: the SQL warehouse that reads the posts the lake knows")
        self.workspace, self.settings = workspace, settings
        self.warehouse_id: str = settings.warehouse_id
        self.landing = VolumeLanding(workspace, settings.landing_root)
        self.staging_root = Path(tempfile.gettempdir()) / "linkedin-upload"

    # -- the lake, through the warehouse ---------------------------------------------

    def _rows(self, sql: str) -> list[list]:
        response = self.workspace.statement_execution.execute_statement(
            statement=sql, warehouse_id=self.warehouse_id, wait_timeout="30s"
        )
        state = response.status.state if response.status else None
        if state != StatementState.SUCCEEDED:
            # A table not made yet (a fresh workspace) knows no posts; anything else is logged by the page.
            found = response.status.error.message if response.status and response.status.error else None
            error = found or str(state)
            if "TABLE_OR_VIEW_NOT_FOUND" in error or "cannot be found" in error:
                return []
            raise RuntimeError(f"warehouse {self.warehouse_id}: {error}")
        return list(response.result.data_array or []) if response.result else []

    def known_posts(self) -> set[str]:
        name = self.settings.table_name
        sql = KNOWN_POSTS_SQL.format(top_posts=name("bronze", "top_posts"), post_details=name("bronze", "post_details"))
        return {row[0] for row in self._rows(sql) if row and row[0]}

    def titles(self) -> dict[str, str | None]:
        return {
            row[0]: row[1] for row in self._rows(TITLES_SQL.format(posts=self.settings.table_name("silver", "posts")))
        }

    # -- the volumes, through the Files API ------------------------------------------

    def land(self, staged: Path, verdict: Verdict) -> str:
        """Upload into `<volume>/pending/`; a name taken gets ` (1)`, ` (2)`, ... (the API refuses to overwrite)."""
        if verdict.volume is None:
            raise ValueError(f"{verdict.name} was refused: {verdict.reason}")
        folder = PurePosixPath(self.settings.volume_path(verdict.volume, "pending"))
        content = staged.read_bytes()
        for name in numbered_names(verdict.name):
            try:
                self.workspace.files.upload(str(folder / name), io.BytesIO(content), overwrite=False)
            except AlreadyExists:
                continue
            return f"{verdict.volume}/{name}"
        raise RuntimeError(f"{MAX_NUMBERED} files named like {verdict.name} are already pending")

    def progress(self, source_file: str) -> dict:
        volume, _, name = source_file.partition("/")
        reason = self.landing.error_reason(name, volume)
        if reason is not None:
            return {"state": "refused", "reason": reason, "stages": []}
        if self.landing.exists(PurePosixPath(self.settings.volume_path(volume, "processed")) / name):
            return {"state": "done", "stages": [{"layer": "bronze", "state": "success", "run_url": None}]}
        return {"state": "waiting for its sensor", "stages": []}
