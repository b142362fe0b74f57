# Databricks notebook source
# The silver task of LinkedIn Analytics on Dagster: refresh one silver table from
# sql/silver/*.sql for the run's dates, on the notebook's Spark over Unity Catalog.
# Started by Dagster (dagster-databricks Pipes), which passes the table and dates
# and reads back the materialization, row count and check results.

# COMMAND ----------

# MAGIC %pip install -q "dagster-pipes>=1.13,<1.14" "deltalake>=1.2,<2"

# COMMAND ----------

import os
import sys

# The bundle syncs the repository next to this notebook's folder: import the package from there.
project_root = os.path.dirname(os.getcwd())
if os.path.isdir(os.path.join(project_root, "linkedin_assets")) and project_root not in sys.path:
    sys.path.insert(0, project_root)

from linkedin_assets.core.databricks.notebook import run_silver

run_silver(spark, dbutils)  # noqa: F821 (notebook globals)
