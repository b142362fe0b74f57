# Databricks notebook source
# The bronze task of LinkedIn Analytics on Dagster: parse the export files of one
# landing volume for the run's dates and write the bronze Unity Catalog tables.
# Started by Dagster (dagster-databricks Pipes), which passes the step's arguments
# and reads back materializations, row counts and check results.

# COMMAND ----------

# MAGIC %pip install -q "dagster-pipes>=1.13,<1.14" "python-calamine>=0.5,<1" "openpyxl>=3.1,<4" "deltalake>=1.2,<2"

# COMMAND ----------

import os
import sys

# The bundle syncs the repository next to this notebook's folder: import the package from there.
project_root = os.path.dirname(os.getcwd())
if os.path.isdir(os.path.join(project_root, "linkedin_assets")) and project_root not in sys.path:
    sys.path.insert(0, project_root)

from linkedin_assets.core.databricks.notebook import run_bronze

run_bronze(spark, dbutils)  # noqa: F821 (notebook globals)
