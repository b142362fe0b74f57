"""The `databricks` compute target: Unity Catalog names, a SQL warehouse, the SDK.

Everything here reaches Databricks through `databricks-sdk` with its standard
authentication (DATABRICKS_HOST + DATABRICKS_TOKEN, a config profile, OAuth, ...);
credentials are never stored, logged or repeated in errors by this package.
"""

from .gold import refresh_gold
from .settings import DatabricksSettings
from .warehouse import (
    AuthenticationError,
    StatementResult,
    TransientWarehouseError,
    WarehouseError,
    WarehouseResource,
    inline_parameters,
    sql_literal,
)

__all__ = [
    "AuthenticationError",
    "DatabricksSettings",
    "StatementResult",
    "TransientWarehouseError",
    "WarehouseError",
    "WarehouseResource",
    "inline_parameters",
    "refresh_gold",
    "sql_literal",
]
