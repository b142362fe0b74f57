"""Concurrency pools: one writer per table on Databricks.

Locally each ingest and each Delta commit already runs alone under a file lock, which
dies with its process. The notebooks and the warehouse have no such lock: two runs
writing one table at once (two files landing together, a backfill beside an event) give
Delta concurrent-modification errors, and two bronze notebooks could move one file. A
Dagster pool per writing asset, limited to 1 by the instance (DAGSTER_YAML in
dagster_home.py), makes the second step wait for the first instead.
"""

from __future__ import annotations

from linkedin_assets.defs.compat import claim_pool_slots_atomically

# Every process that loads the definitions (a run, the daemon, a headless run) claims
# pool slots as a compare-and-swap: compat.py says why.
claim_pool_slots_atomically()


def writer_pool(compute: str, asset_name: str) -> str | None:
    """The pool of the asset that writes `asset_name`'s tables, on the target that needs one."""
    return f"linkedin_{asset_name}" if compute == "databricks" else None
