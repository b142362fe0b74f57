"""What a stretch of work materialized, read back from the Dagster event log."""

from __future__ import annotations

from collections import Counter

import dagster as dg


def last_storage_id(instance: dg.DagsterInstance, keys) -> int:
    """The event-log position of the newest materialization of any of `keys`."""
    newest = [0]
    for key in keys:
        newest += [r.storage_id for r in instance.fetch_materializations(key, limit=1, ascending=False).records]
    return max(newest)


def materialized_after(instance: dg.DagsterInstance, keys, storage_id: int) -> Counter:
    """(asset key, partition) -> times materialized after `storage_id`."""
    seen: Counter = Counter()
    for key in keys:
        cursor = None
        while True:
            page = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=key, after_storage_id=storage_id), limit=10_000, cursor=cursor
            )
            for record in page.records:
                seen[(key.to_user_string(), record.partition_key)] += 1
            if not page.has_more:
                break
            cursor = page.cursor
    return seen
