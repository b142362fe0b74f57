"""Daily partitions by analytics date (UTC), shared by every date-keyed asset."""

from __future__ import annotations

import datetime as dt

import dagster as dg


def daily_partitions(start_date: dt.date) -> dg.DailyPartitionsDefinition:
    # end_offset=1: today's partition exists, so a file for today is not refused.
    return dg.DailyPartitionsDefinition(start_date=start_date.isoformat(), end_offset=1, timezone="UTC")


def date_range(context: dg.AssetExecutionContext) -> tuple[dt.date, dt.date]:
    """The analytics dates a (possibly multi-partition) run owns."""
    keys = context.partition_key_range
    return dt.date.fromisoformat(keys.start), dt.date.fromisoformat(keys.end)


def partition_bounds(partitions: dg.DailyPartitionsDefinition) -> tuple[dt.date, dt.date]:
    keys = partitions.get_partition_keys()
    return dt.date.fromisoformat(keys[0]), dt.date.fromisoformat(keys[-1])
