"""The `databricks` compute target: Unity Catalog, volumes, Pipes notebooks, a SQL warehouse, Lakeview.

Everything here reaches Databricks through `databricks-sdk` with its standard
authentication (DATABRICKS_HOST + DATABRICKS_TOKEN, a config profile, OAuth, ...);
credentials are never stored, logged or repeated in errors by this package.
Nothing is imported here: the notebooks import `notebook` with no Dagster installed.
"""
