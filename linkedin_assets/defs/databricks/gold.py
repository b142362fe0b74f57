"""Gold on Databricks: the body an asset runs when LINKEDIN_COMPUTE=databricks.

A retry policy retries every exception, so this is where the error kinds get their
meaning: a busy warehouse (`TransientWarehouseError`) propagates and is retried; a
SQL error, a name clash or rejected credentials become `dg.Failure(allow_retries=False)`
and fail the step at once, with the warehouse's message.

The checks are those of the local path (core/sql/step.py `evaluate_checks`, core/checks.py),
with the same figures and outcomes, but computed as aggregates on the warehouse: fetching
the table to check it locally would outgrow the API's 25 MiB inline result cap as the facts
grow. Only the few offending rows a failed check shows as examples come back.
"""

from __future__ import annotations

import dagster as dg
import pyarrow as pa

from linkedin_assets.core import checks
from linkedin_assets.core.reports import CheckReport, StepReport, TableReport, key_parts, table_metadata
from linkedin_assets.core.sql.table import SqlTable
from linkedin_assets.defs.databricks.warehouse import (
    IDENTIFIER,
    TransientWarehouseError,
    WarehouseError,
    WarehouseResource,
    arrow_schema,
)

NEGATIVE_DAYS_SHOWN = 50  # as checks.negative_days
EXAMPLES_SHOWN = 5  # as checks.unique_keys and checks.reconciles
RECONCILED = ("impressions", "engagements")  # checks.reconciles' metrics


def refresh_gold(warehouse: WarehouseResource, table: SqlTable) -> dict:
    """Create or refresh `gold.linkedin.<table>` as a materialized view; its metadata."""
    return _failing_clearly(lambda: warehouse.refresh_gold_view(table))


def gold_step(warehouse: WarehouseResource, table: SqlTable) -> StepReport:
    """Refresh the view, then its checks on the warehouse: the report `checked` gives locally."""
    metadata = refresh_gold(warehouse, table)
    return _failing_clearly(lambda: checked_on_warehouse(warehouse, table, metadata))


def _failing_clearly(step):
    try:
        return step()
    except TransientWarehouseError:
        raise
    except WarehouseError as e:
        raise dg.Failure(
            description=str(e),
            metadata={"error_code": e.error_code or "", "statement_id": e.statement_id or ""},
            allow_retries=False,
        ) from None


def _q(column: str) -> str:
    if not IDENTIFIER.match(column):
        raise ValueError(f"column name {column!r} is not a plain SQL identifier")
    return f"`{column}`"


def checked_on_warehouse(warehouse: WarehouseResource, table: SqlTable, metadata: dict) -> StepReport:
    name = f"{warehouse.table_names()[table.catalog]}.{table.name}"
    empty = warehouse.execute(f"SELECT * FROM {name} LIMIT 0")
    schema = arrow_schema(empty.columns, empty.types)
    figures = warehouse.execute(_figures_sql(name, table)).as_dicts()[0]
    rows = int(figures["row_count"])
    outcomes: dict[str, checks.Outcome] = {}

    keys = ", ".join(_q(k) for k in table.keys)
    if rows == 0:
        outcomes["unique_keys"] = True, {"rows": 0, "duplicate_keys": 0}
    else:
        dupes = int(figures["duplicate_keys"])
        sample: list[dict] = []
        if dupes:
            found = warehouse.execute(
                f"SELECT {keys}, COUNT(*) AS count_all FROM {name} GROUP BY {keys} "
                f"HAVING COUNT(*) > 1 ORDER BY {keys} LIMIT {EXAMPLES_SHOWN}"
            )
            sample = [{k: str(v) for k, v in r.items()} for r in found.as_dicts()]
        outcomes["unique_keys"] = dupes == 0, {"rows": rows, "duplicate_keys": dupes, "examples": sample}

    if table.same_days_as:
        catalog, source, column = table.same_days_as
        outcomes["rows_match_source"] = checks.row_count_matches(
            _distinct_days(warehouse, f"{warehouse.table_names()[catalog]}.{source}", column),
            rows,
            f"{catalog}.linkedin.{source}",
        )

    if table.non_negative:
        bad = {c: int(figures[f"negative_{c}"]) for c in table.non_negative if int(figures[f"negative_{c}"])}
        outcomes["non_negative"] = not bad, {"negative_values": bad, "columns": table.non_negative}

    if table.negative_days:
        count = sum(int(figures[f"negative_{c}"]) for c in table.negative_days)
        days: list[dict] = []
        if count:
            union = " UNION ALL ".join(
                f"SELECT analytics_date, '{c}' AS column, {_q(c)} AS value FROM {name} WHERE {_q(c)} < 0"
                for c in table.negative_days
            )
            found = warehouse.execute(
                f"SELECT * FROM ({union}) ORDER BY analytics_date, column, value LIMIT {NEGATIVE_DAYS_SHOWN}"
            )
            days = [
                {"date": r["analytics_date"].isoformat(), "column": r["column"], "value": r["value"]}
                for r in found.as_dicts()
            ]
        outcomes["negative_days"] = not count, {"negative_days": count, "days": days, "columns": table.negative_days}

    if table.reconcile:
        broken = int(figures["days_not_reconciling"])
        examples: list[dict] = []
        if broken:
            found = warehouse.execute(
                f"SELECT * FROM ({_broken_days_sql(name)}) ORDER BY analytics_date, profile, metric_order "
                f"LIMIT {EXAMPLES_SHOWN}"
            )
            examples = [
                {
                    "profile": r["profile"],
                    "date": r["analytics_date"].isoformat(),
                    "metric": r["metric"],
                    "posts_plus_others": r["parts"],
                    "total": r["total"],
                }
                for r in found.as_dicts()
            ]
        outcomes["reconciles"] = (
            not broken,
            {
                "days": int(figures["reconciled_days"]),
                "days_not_reconciling": broken,
                "examples": examples,
            },
        )

    if table.fresh_column:
        # The newest day is all checks.fresh looks at: give it just that, so the rule is the same one.
        newest = figures["newest"]
        outcomes["fresh"] = checks.fresh(
            pa.table({table.fresh_column: pa.array([newest] if newest is not None else [], pa.date32())}),
            table.fresh_column,
        )

    key = key_parts(table.catalog, table.name)
    return StepReport(
        materialized=[TableReport(key, {**metadata, **table_metadata(None, schema), "dagster/row_count": rows})],
        checks=[CheckReport(key, check, passed, meta) for check, (passed, meta) in outcomes.items()],
    )


def _figures_sql(name: str, table: SqlTable) -> str:
    """One row: every figure the table's checks need, so one statement covers them."""
    keys = ", ".join(_q(k) for k in table.keys)
    figures = [
        "COUNT(*) AS row_count",
        f"(SELECT COUNT(*) FROM (SELECT 1 FROM {name} GROUP BY {keys} HAVING COUNT(*) > 1)) AS duplicate_keys",
    ]
    # pc.sum(pc.less(...)) in the local checks skips nulls, as SUM over CASE does here.
    figures += [
        f"COALESCE(SUM(CASE WHEN {_q(c)} < 0 THEN 1 ELSE 0 END), 0) AS negative_{c}"
        for c in dict.fromkeys([*table.non_negative, *table.negative_days])
    ]
    if table.reconcile:
        figures += [
            # Days per profile. The local check counts a null date as a day of its own, as
            # COUNT(DISTINCT) does not.
            "COUNT(DISTINCT profile, analytics_date) "
            "+ COUNT(DISTINCT CASE WHEN analytics_date IS NULL THEN profile END) AS reconciled_days",
            f"(SELECT COUNT(*) FROM ({_broken_days_sql(name)})) AS days_not_reconciling",
        ]
    if table.fresh_column:
        figures.append(f"MAX({_q(table.fresh_column)}) AS newest")
    return f"SELECT {', '.join(figures)} FROM {name}"


def _broken_days_sql(name: str) -> str:
    """Each (profile, day, metric) whose post rows plus `others` differ from its `total` row (checks.reconciles)."""
    sums = ", ".join(
        # Any row that is not the total, a null row_type included, adds to the parts; nulls add nothing.
        f"COALESCE(SUM(CASE WHEN row_type = 'total' THEN NULL ELSE {_q(m)} END), 0) AS parts_{i}, "
        f"MAX(CASE WHEN row_type = 'total' THEN {_q(m)} END) AS total_{i}"
        for i, m in enumerate(RECONCILED)
    )
    per_day = f"SELECT profile, analytics_date, {sums} FROM {name} GROUP BY profile, analytics_date"
    return " UNION ALL ".join(
        f"SELECT profile, analytics_date, {i} AS metric_order, '{m}' AS metric, parts_{i} AS parts, total_{i} AS total "
        f"FROM ({per_day}) WHERE total_{i} IS NOT NULL AND parts_{i} <> total_{i}"
        for i, m in enumerate(RECONCILED)
    )


def _distinct_days(warehouse: WarehouseResource, name: str, column: str) -> int:
    """The source's distinct (profile, day) pairs, as the local check counts them: a missing source has none."""
    try:
        return int(
            warehouse.execute(
                f"SELECT COUNT(DISTINCT profile, {_q(column)}) "
                f"+ COUNT(DISTINCT CASE WHEN {_q(column)} IS NULL THEN profile END) FROM {name}"
            ).scalar()
        )
    except WarehouseError as e:
        if "TABLE_OR_VIEW_NOT_FOUND" in str(e):
            return 0
        raise
