"""What one asset step did, in a form both compute targets can carry back to Dagster.

A step (a bronze ingest, a silver or gold refresh) returns a `StepReport`: the tables
it materialized with their metadata, its check outcomes and the files it rejected.
Locally the asset turns it into Dagster results (defs/results.py); in a Databricks
notebook it is sent back through dagster-pipes, where the same results arrive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

# Metadata keys with a richer type than their raw value says.
TYPED_METADATA = {
    "path": "path",
    "files_processed": "json",
    "rejected": "json",
    "url": "url",
    "dagster/column_schema": "table_schema",
}
REJECTED_MESSAGE = "linkedin/rejected"
# Checks whose failure is a warning: they never block what is downstream. Negative
# days are LinkedIn's own corrections; stale data is still data.
WARNING_CHECKS = frozenset({"negative_days", "fresh"})


def run_dates(start, end) -> dict:
    """For a run over several days: which, since Dagster gives each day's event the run's figures
    (rows_inserted 28 on a one-row day read as wrong)."""
    if start is None or end is None or start == end:
        return {}
    days = (end - start).days + 1
    return {
        "run_dates": f"{start.isoformat()}..{end.isoformat()} ({days} days): the figures are the run's, for them all"
    }


def table_metadata(stored: pa.Table | None, schema: pa.Schema) -> dict:
    """What every table's materialization shows: its row count and its columns (with their docs)."""
    columns = [
        {"name": f.name, "type": str(f.type), "description": (f.metadata or {}).get(b"doc", b"").decode() or None}
        for f in schema
    ]
    return {
        "dagster/row_count": stored.num_rows if stored is not None else 0,
        "dagster/column_schema": {"columns": columns},
    }


def key_parts(catalog: str, table: str) -> list[str]:
    """A table's asset key, as parts: `bronze.linkedin.totals` is ["bronze", "linkedin", "totals"]."""
    return [catalog, "linkedin", table]


@dataclass
class TableReport:
    key: list[str]  # asset key parts, e.g. ["bronze", "linkedin", "totals"]
    metadata: dict


@dataclass
class CheckReport:
    key: list[str]
    name: str
    passed: bool
    metadata: dict

    @property
    def severity(self) -> str:
        return "WARN" if self.name in WARNING_CHECKS else "ERROR"


@dataclass
class StepReport:
    materialized: list[TableReport] = field(default_factory=list)
    checks: list[CheckReport] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)  # file -> reason
    log: list[str] = field(default_factory=list)

    # -- through dagster-pipes, in a notebook ----------------------------------

    def send(self, pipes) -> None:
        """Report through an open `PipesContext`; rejects go as a custom message."""
        for line in self.log:
            pipes.log.info(line)
        for t in self.materialized:
            pipes.report_asset_materialization(asset_key="/".join(t.key), metadata=pipes_metadata(t.metadata))
        for c in self.checks:
            pipes.report_asset_check(
                check_name=c.name,
                passed=c.passed,
                severity=c.severity,
                asset_key="/".join(c.key),
                metadata=pipes_metadata(c.metadata),
            )
        pipes.report_custom_message({REJECTED_MESSAGE: self.rejected})


def pipes_metadata(metadata: dict) -> dict:
    """Raw values, typed where a plain value would lose its meaning (a path, a list as JSON)."""
    out = {}
    for key, value in metadata.items():
        kind = TYPED_METADATA.get(key)
        if kind is None and isinstance(value, (dict, list)):
            kind = "json"
        out[key] = {"raw_value": value, "type": kind} if kind else value
    return out


def rejected_from_pipes(custom_messages: list) -> dict[str, str]:
    """The rejects a notebook reported (see `StepReport.send`)."""
    rejected: dict[str, str] = {}
    for message in custom_messages:
        if isinstance(message, dict):
            rejected.update(message.get(REJECTED_MESSAGE) or {})
    return rejected
