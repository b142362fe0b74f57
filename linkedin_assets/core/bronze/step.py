"""One bronze step, wherever it runs: ingest under the lock, report what changed, check it.

The same function runs in the Dagster process (local compute) and in the bronze
notebook on Databricks; only the landing and the lake passed in differ.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence

from linkedin_assets.core import checks
from linkedin_assets.core.bronze import tables
from linkedin_assets.core.bronze.ingest import (
    EVERY_PENDING_FILE,
    IngestReport,
    Requested,
    ingest_content,
    ingest_patches,
    ingest_posts,
)
from linkedin_assets.core.lake.profile_upgrade import upgrade
from linkedin_assets.core.lake.protocol import DamagedTable, DateScope
from linkedin_assets.core.profiles import NO_ALIASES, Profiles
from linkedin_assets.core.reports import CheckReport, StepReport, TableReport, key_parts, run_dates, table_metadata

# kind -> (ingest function, tables it writes, dated)
STEPS: dict[str, tuple[Callable[..., IngestReport], Sequence[tables.BronzeTable], bool]] = {
    "content": (ingest_content, tables.CONTENT_TABLES, True),
    "post": (ingest_posts, [tables.POST_DETAILS], True),
    "patch": (ingest_patches, [tables.POST_PATCH], False),
}

# Counts LinkedIn never writes negative (a negative one is a misread cell)...
METRIC_COLUMNS = {
    "follower_totals": ["total_followers"],
    "discovery": ["impressions", "members_reached"],
    "top_posts": ["value"],
    "demographics": ["percentage"],
    "post_details": ["impressions", "members_reached", "reactions", "comments", "reposts", "saves"],
}
# ...and daily counts, which LinkedIn corrects with negative days (-2 engagements).
DAILY_COUNTS = {
    "totals": ["impressions", "engagements"],
    "followers": ["new_followers"],
}
DAILY_TABLES = tuple(DAILY_COUNTS)


def check_names(table: tables.BronzeTable) -> list[str]:
    names = ["unique_keys"]
    if table.scope_column:
        names.insert(0, "rows_in_equal_rows_out")
    if table.name in METRIC_COLUMNS:
        names.append("non_negative")
    if table.name in DAILY_TABLES:
        names += ["negative_days", "no_missing_days"]
    return names


def run_step(
    kind: str,
    landing,
    lake,
    start: dt.date | None = None,
    end: dt.date | None = None,
    reported: dict[str, int] | None = None,
    lock=None,
    requested: Requested = EVERY_PENDING_FILE,
    recorded: dict[str, int] | None = None,
    profiles: Profiles = NO_ALIASES,
) -> StepReport:
    """Ingest `kind` for [start, end]; `reported`: table -> the Delta version Dagster last
    recorded for it, for the tables Dagster already has for these dates.

    A table the run left as it was is not reported, so it does not wake what depends on
    it; unless Dagster has no record of it for these dates, or its version is not the one
    Dagster recorded last: then an earlier run committed it and was interrupted before
    Dagster heard (a kill, a full disk), and reporting it now lets downstream catch up.
    `requested`: the pending files this run may take. `recorded`: table -> the Delta version
    of Dagster's latest record of it, for any dates; a table behind it lost commits.
    `profiles`: the user's aliases, for the dated kinds (patch files name no profile).
    """
    reported = reported or {}
    ingest, table_list, dated = STEPS[kind]
    dates = (start, end) if dated else ()
    with lock if lock is not None else contextlib.nullcontext():
        _check_history(lake, table_list, recorded or {})
        upgraded = upgrade(lake, [("bronze", t.name) for t in table_list if t.profiled], profiles)
        ingested = ingest(landing, lake, *dates, requested=requested, **({"profiles": profiles} if dated else {}))
    out = StepReport(rejected=dict(ingested.rejected), log=upgraded)
    out.log.append(f"processed {ingested.processed}; re-read {len(ingested.reread)} file(s) from processed/")
    if ingested.left_pending:
        out.log.append(f"left pending for their own runs: {ingested.left_pending}")
    for written in ingested.written:
        table = written.table.split(".")[-1]
        if not written.changed and reported.get(table) == written.version:
            out.log.append(f"{written.table} unchanged: not reported")
            continue
        out.materialized.append(
            TableReport(
                key_parts("bronze", table),
                {
                    **written.metadata(),
                    "changed": written.changed,
                    **table_metadata(lake.read("bronze", table), tables.BY_NAME[table].schema),
                    **lake.location("bronze", table),  # a local path, or the UC table name
                    "files_processed": ingested.processed,
                    "files_reread": len(ingested.reread),
                    **run_dates(start, end),
                },
            )
        )
    out.checks = list(_checks(lake, ingested, table_list, *dates))
    return out


def _check_history(lake, table_list, recorded: dict[str, int]) -> None:
    """Every table of the step is whole (the lake raises DamagedTable when its log is not) and
    not behind the version Dagster recorded, before the first of them is written."""
    for table in table_list:
        current = lake.version("bronze", table.name)
        last = recorded.get(table.name)
        if current is not None and last is not None and current < last:
            raise DamagedTable(
                f"bronze.linkedin.{table.name}",
                f"it is at version {current}, but Dagster recorded version {last} for it (commit files lost)",
            )


def _checks(lake, report: IngestReport, table_list, start=None, end=None):
    """Every declared check on what the run owns (its dates; the whole table if unpartitioned)."""
    for table in table_list:
        scope = DateScope(table.scope_column, start, end) if table.scope_column else None
        stored = lake.read("bronze", table.name, scope.sql() if scope else None)
        stored = stored if stored is not None else table.schema.empty_table()
        outcomes = {"unique_keys": checks.unique_keys(stored, table.keys)}
        if scope:
            expected = report.expected_rows.get(table.name, 0)
            outcomes["rows_in_equal_rows_out"] = checks.row_count_matches(expected, stored.num_rows, "source files")
        if table.name in METRIC_COLUMNS:
            outcomes["non_negative"] = checks.non_negative(stored, METRIC_COLUMNS[table.name])
        if table.name in DAILY_TABLES:
            outcomes["negative_days"] = checks.negative_days(stored, table.scope_column, DAILY_COUNTS[table.name])
            outcomes["no_missing_days"] = checks.no_missing_days(
                stored, table.scope_column, start, end, report.covered_days
            )
        for name in check_names(table):
            passed, metadata = outcomes[name]
            yield CheckReport(key_parts("bronze", table.name), name, passed, metadata)
