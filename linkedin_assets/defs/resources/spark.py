"""The `spark` resource: the local Spark the assets' SQL runs on.

Built on dagster-pyspark's `LazyPySparkResource` (its `spark_config` and a session opened
only when an asset first asks), with the start left to core/engine/spark.py: a run
connects to the warm local Spark Connect server instead of starting a JVM, and falls
back to an in-process session where that server cannot start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dagster_pyspark import LazyPySparkResource
from pydantic import Field

from linkedin_assets.core.engine.spark import SPARK_CONFIG, engine_note, local_session
from linkedin_assets.core.settings import EngineSettings, load_engine_settings


class LocalSparkResource(LazyPySparkResource):
    spark_config: dict[str, Any] = Field(
        default_factory=lambda: dict(SPARK_CONFIG),
        description="Spark settings; those the JVM reads at start apply when the warm server starts.",
    )
    mode: str = Field(default="warm", description="LINKEDIN_ENGINE: warm (shared server) or in-process.")
    linger_seconds: float = Field(default=300, description="LINKEDIN_ENGINE_LINGER_SECONDS (CLI runs only).")
    directory: str = Field(description="LINKEDIN_ENGINE_DIR: the warm server's address, token, leases and logs.")

    @classmethod
    def from_settings(cls, engine: EngineSettings | None = None) -> LocalSparkResource:
        engine = engine or load_engine_settings()
        return cls(mode=engine.mode, linger_seconds=engine.linger_seconds, directory=str(engine.directory))

    def _init_session(self) -> None:
        if self._spark_session is None:
            engine = EngineSettings(self.mode, self.linger_seconds, Path(self.directory))
            config = {key: str(value) for key, value in self.spark_config.items()}
            self._spark_session = local_session(config, engine).session

    def session(self, log=None) -> Any:
        """The session; says on `log`, once per process, when it is not on the warm engine."""
        session = self.spark_session
        note = engine_note()
        if note and log is not None:
            log.warning(note)
        return session
