"""Local Spark: one warm engine shared by every run, and the project's SQL run over the local lake.

A local Spark costs seconds to start (a JVM), so runs do not start their own: they
connect to one long-lived local Spark Connect server (warm.py keeps it for as long as
`dagster dev` or a run needs it) in well under a second. Where that server cannot
start, a process falls back to its own in-process session, and says so once.

The SQL files name tables as Unity Catalog does (`silver.linkedin.totals`); locally
each such name is a temp view over the Delta table read with delta-rs, so the same
text runs on a Databricks warehouse. Temp views belong to the client's session, so two
runs on one server never see each other's.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from linkedin_assets.core.engine import warm
from linkedin_assets.core.engine.inputs import localised, read_inputs
from linkedin_assets.core.engine.java import ensure_java
from linkedin_assets.core.lake.protocol import ReadableLake
from linkedin_assets.core.settings import EngineSettings, load_engine_settings, set_environment
from linkedin_assets.core.signals import children_stop_on_sigterm

LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
MASTER = "local[2]"

# Read by the JVM when it starts: a warm server keeps those it was started with.
SERVER_CONFIG = {
    "spark.driver.memory": "2g",
    "spark.ui.enabled": "false",
    "spark.default.parallelism": "2",
    # Quiet: no progress bars, no start-up warnings in the terminal (errors still show).
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}",
}
# Set on each session.
SESSION_CONFIG = {
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
SPARK_CONFIG = {**SERVER_CONFIG, **SESSION_CONFIG}

SparkProvider = Callable[[], Any]


@dataclass(frozen=True)
class LocalSession:
    session: Any  # a pyspark SparkSession (Connect or classic)
    warm: bool
    note: str | None = None  # why this process is not on the warm engine


_lock = threading.Lock()
_local: LocalSession | None = None
_unsaid: list[str] = []  # the fallback's note, until someone has said it


def local_session(config: dict[str, str] | None = None, engine: EngineSettings | None = None) -> LocalSession:
    """The process's Spark, opened on first use: the warm engine, else an in-process session."""
    global _local
    with _lock:
        if _local is None:
            engine = engine or load_engine_settings()
            config = config or SPARK_CONFIG
            ensure_java()
            # A local engine: bind to loopback, whatever the host name resolves to.
            set_environment("SPARK_LOCAL_IP", "127.0.0.1", overwrite=False)
            _quiet()
            note = None
            if engine.mode == "warm":
                try:
                    _local = LocalSession(_warm(config, engine), warm=True)
                except Exception as exc:  # whatever kept the server from starting, the run goes on
                    note = (
                        f"the warm Spark engine could not start ({exc}); this process runs its own "
                        f"in-process Spark (slower to start). Its logs: {engine.directory}"
                    )
            if _local is None:
                _local = LocalSession(_in_process(config), warm=False, note=note)
                _unsaid.extend([note] if note else [])
        return _local


def engine_note() -> str | None:
    """Why this process is not on the warm engine, the first time it is asked; then None."""
    with _lock:
        return _unsaid.pop() if _unsaid else None


def close_session() -> None:
    """End this process's session (the server keeps running for others)."""
    global _local
    with _lock:
        if _local is not None:
            _local.session.stop()
            _local = None


def spark_session():
    """The process's local SparkSession, as the settings say (warm by default)."""
    return local_session().session


def _quiet() -> None:
    # Spark checks the pandas version on each Arrow conversion and warns about pandas 3,
    # which the Arrow path used here does not depend on.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    # A warm server keeps the JVM settings it started with; a new session cannot change them.
    warnings.filterwarnings("ignore", message=r"Failed to set spark\.", category=UserWarning)


def _builder(config: dict[str, str]):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("linkedin-analytics")
    for key, value in config.items():
        builder = builder.config(key, value)
    return builder


def _warm(config: dict[str, str], engine: EngineSettings):
    directory = warm.prepare(engine.directory)
    set_environment("SPARK_LOCAL_CONNECT_DISCOVERY", str(warm.discovery_file(directory)))
    warm.take_lease(directory, engine.linger_seconds)
    builder = _builder(config).remote(MASTER).config("spark.local.connect.reuse", "true")
    # A port of its own if it starts a server: Spark's default (15002) may belong to
    # another engine (another user's, or another LINKEDIN_ENGINE_DIR's).
    try:
        with children_stop_on_sigterm():  # a server it starts must stop on warm's SIGTERM
            session = builder.config("spark.local.connect.server.port", str(warm.free_port())).getOrCreate()
    finally:
        # Even when the session failed: a server it started must not outlive its owners.
        warm.ensure_warden(directory)
    session.client.set_retry_policies([_local_retries()])
    return session


def _local_retries():
    """pyspark's client retries an unreachable server for ten minutes, made for a remote
    cluster that restarts; a local server that stopped (`engine --stop`, its warden, a
    crash) is gone for good, and a process left on it, even only its exit, would hang
    that long. A few seconds of retries cover a busy moment, then the error is raised."""
    from pyspark.sql.connect.client.retries import DefaultPolicy

    return DefaultPolicy(max_retries=6, initial_backoff=50, backoff_multiplier=4.0, max_backoff=2000)


# Set by pyspark once a process has used Spark Connect (or inherited from a parent that
# did); any of them would send an in-process session to Spark Connect too.
CONNECT_ENVIRONMENT = ("SPARK_CONNECT_MODE_ENABLED", "SPARK_REMOTE", "SPARK_LOCAL_REMOTE")


def _in_process(config: dict[str, str]):
    for name in CONNECT_ENVIRONMENT:
        set_environment(name, None)
    session = _builder(config).master(MASTER).getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _frame(session, rows: pa.Table):
    """A DataFrame of Arrow rows; an empty one needs its schema spelled out (Spark Connect infers none),
    typed as Spark types a non-empty one (a zone-less timestamp reads as TIMESTAMP either way)."""
    if rows.num_rows:
        return session.createDataFrame(rows)
    from pyspark.sql.pandas.types import from_arrow_schema

    return session.createDataFrame([], schema=from_arrow_schema(rows.schema, prefer_timestamp_ntz=False))


def run_sql(
    lake: ReadableLake,
    sql: str,
    params: dict | None = None,
    empty: dict | None = None,
    spark: SparkProvider | None = None,
) -> pa.Table:
    """Run one SELECT over the local lake and return its rows as Arrow.

    `empty` maps (catalog, table) to the schema a missing table reads as; `spark` gives
    the session (the run's Spark resource), by default the process's.
    """
    session = (spark or spark_session)()
    for name, rows in read_inputs(lake, sql, empty).items():
        _frame(session, rows).createOrReplaceTempView(name)
    return session.sql(localised(sql), args=params or {}).toArrow()
