"""The upload page's target on the local compute: landing folders under LINKEDIN_HOME, the
local lake for the posts it knows, and the Dagster instance for how far a file got."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from linkedin_assets.core.bronze.ingest import known_post_urls
from linkedin_assets.core.lake.delta import DeltaLake
from linkedin_assets.core.landing import Landing
from linkedin_assets.core.settings import EmailSettings, Settings
from linkedin_assets.core.upload import Verdict, land
from linkedin_assets.dagster_home import open_instance
from linkedin_assets.definitions import build_definitions
from linkedin_assets.upload.progress import layer_keys, progress


class LocalTarget:
    def __init__(self, settings: Settings):
        self.landing = Landing(settings.landing)
        self.staging_root = settings.landing
        self.lake = DeltaLake(settings.lake)
        self.layers = layer_keys(build_definitions(settings))
        self.ui_url = EmailSettings.from_env().ui_url
        self.settings = settings
        self._instance: dg.DagsterInstance | None = None

    @property
    def instance(self) -> dg.DagsterInstance:
        # One instance for the server's life, opened on first use (a fresh DAGSTER_HOME is
        # created under the same lock as a run's).
        if self._instance is None:
            self._instance = open_instance(self.settings)
        return self._instance

    def known_posts(self) -> set[str]:
        return known_post_urls(self.lake)

    def titles(self) -> dict[str, str | None]:
        rows = self.lake.read("silver", "posts")
        return {r["post_url"]: r.get("title") for r in rows.to_pylist()} if rows is not None else {}

    def land(self, staged: Path, verdict: Verdict) -> str:
        landed = land(staged, verdict, self.landing)
        return f"{verdict.volume}/{landed.name}"

    def progress(self, source_file: str) -> dict:
        return progress(self.instance, self.landing, self.layers, source_file, self.ui_url)
