"""Local Spark: one session per process, and the project's SQL run over the local lake.

A local session costs seconds to start, so every asset in a process shares one
(the CLI runs everything in-process). The SQL files name tables as Unity Catalog
does (`silver.linkedin.totals`); locally each such name is a temp view over the
Delta table read with delta-rs, so the same text runs on a Databricks warehouse.
"""

from __future__ import annotations

import threading
import warnings
from pathlib import Path

import pyarrow as pa

from linkedin_assets.core.engine.java import ensure_java
from linkedin_assets.core.lake.protocol import ReadableLake
from linkedin_assets.core.settings import set_environment
from linkedin_assets.core.sql.text import TABLE_NAME

LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
_lock = threading.Lock()
_session = None


def spark_session():
    """The process's local SparkSession, started on first use."""
    global _session
    with _lock:
        if _session is None:
            ensure_java()
            # A local engine: bind to loopback, whatever the host name resolves to.
            set_environment("SPARK_LOCAL_IP", "127.0.0.1", overwrite=False)
            from pyspark.sql import SparkSession

            # Spark checks the pandas version on each Arrow conversion and warns about pandas 3,
            # which the Arrow path used here does not depend on.
            warnings.filterwarnings(
                "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
            )

            _session = (
                SparkSession.builder.master("local[2]")
                .appName("linkedin-analytics")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.default.parallelism", "2")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                .config("spark.driver.memory", "2g")
                # Quiet: no progress bars, no start-up warnings in the terminal (errors still show).
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}")
                .getOrCreate()
            )
            _session.sparkContext.setLogLevel("ERROR")
        return _session


def _view_name(catalog: str, table: str) -> str:
    return f"{catalog}__{table}"


def run_sql(lake: ReadableLake, sql: str, params: dict | None = None, empty: dict | None = None) -> pa.Table:
    """Run one SELECT over the local lake and return its rows as Arrow.

    `empty` maps (catalog, table) to the schema a missing table reads as.
    """
    spark = spark_session()
    empty = empty or {}
    for catalog, table in set(TABLE_NAME.findall(sql)):
        rows = lake.read(catalog, table)
        if rows is None and (catalog, table) in empty:
            rows = empty[(catalog, table)].empty_table()
        if rows is None:
            where = lake.location(catalog, table)
            raise LookupError(f"table {catalog}.linkedin.{table} does not exist yet ({where})")
        spark.createDataFrame(rows).createOrReplaceTempView(_view_name(catalog, table))
    local_sql = TABLE_NAME.sub(lambda m: _view_name(m.group(1), m.group(2)), sql)
    return spark.sql(local_sql, args=params or {}).toArrow()
