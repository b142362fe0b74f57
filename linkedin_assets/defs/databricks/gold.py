"""Gold on Databricks: the body an asset runs when LINKEDIN_COMPUTE=databricks.

A retry policy retries every exception, so this is where the error kinds get their
meaning: a busy warehouse (`TransientWarehouseError`) propagates and is retried; a
SQL error, a name clash or rejected credentials become `dg.Failure(allow_retries=False)`
and fail the step at once, with the warehouse's message.
"""

from __future__ import annotations

import dagster as dg

from linkedin_assets.core.sql.table import SqlTable
from linkedin_assets.defs.databricks.warehouse import TransientWarehouseError, WarehouseError, WarehouseResource


def refresh_gold(warehouse: WarehouseResource, table: SqlTable) -> dict:
    """Create or refresh `gold.linkedin.<table>` as a materialized view; its metadata."""
    try:
        metadata = warehouse.refresh_gold_view(table)
    except TransientWarehouseError:
        raise
    except WarehouseError as e:
        raise dg.Failure(
            description=str(e),
            metadata={"error_code": e.error_code or "", "statement_id": e.statement_id or ""},
            allow_retries=False,
        ) from None
    return metadata
