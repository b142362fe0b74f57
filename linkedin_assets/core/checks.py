"""Data checks over Arrow tables, shared by the bronze, silver and gold assets.

Each returns (passed, metadata). The assets declare them as Dagster asset checks;
blocking ones stop the automation from carrying bad data downstream.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc

from linkedin_assets.core.settings import freshness_days

Outcome = tuple[bool, dict]


def row_count_matches(expected: int, actual: int, what: str) -> Outcome:
    return expected == actual, {"expected_rows": expected, "actual_rows": actual, "compared_with": what}


def unique_keys(rows: pa.Table, keys: list[str]) -> Outcome:
    if rows.num_rows == 0:
        return True, {"rows": 0, "duplicate_keys": 0}
    counts = rows.group_by(keys).aggregate([([], "count_all")])
    dupes = counts.filter(pc.greater(counts["count_all"], 1))
    sample = [{k: str(v) for k, v in r.items()} for r in dupes.slice(0, 5).to_pylist()]
    return dupes.num_rows == 0, {"rows": rows.num_rows, "duplicate_keys": dupes.num_rows, "examples": sample}


def non_negative(rows: pa.Table, columns: list[str]) -> Outcome:
    bad = {}
    for column in columns:
        values = rows[column]
        negatives = pc.sum(pc.less(values, 0)).as_py() or 0
        if negatives:
            bad[column] = negatives
    return not bad, {"negative_values": bad, "columns": columns}


def negative_days(rows: pa.Table, date_column: str, columns: list[str], limit: int = 50) -> Outcome:
    """Each day a daily count is negative, with its value: LinkedIn's corrections, stored as stated.

    Not a reason to stop (the numbers are LinkedIn's), but worth a look: passing means none.
    """
    found = []
    for column in columns:
        negative = rows.filter(pc.less(rows[column], 0)).select([date_column, column]).to_pylist()
        found += [{"date": r[date_column].isoformat(), "column": column, "value": r[column]} for r in negative]
    found.sort(key=lambda f: (f["date"], f["column"]))
    return not found, {"negative_days": len(found), "days": found[:limit], "columns": columns}


def no_missing_days(rows: pa.Table, column: str, start: dt.date, end: dt.date, expected_days: set) -> Outcome:
    """Every day some file covers in [start, end] has a row."""
    present = {d for d in rows[column].to_pylist()} if rows.num_rows else set()
    missing = sorted(d.isoformat() for d in expected_days if start <= d <= end and d not in present)
    return not missing, {"missing_days": missing[:20], "missing_count": len(missing)}


def reconciles(rows: pa.Table, metrics=("impressions", "engagements")) -> Outcome:
    """Per profile, day and metric: the sum over post rows plus `others` equals the `total` row."""
    by_day: dict = {}
    for r in rows.select(["profile", "analytics_date", "row_type", *metrics]).to_pylist():
        day = by_day.setdefault((r["profile"], r["analytics_date"]), {m: [0, None] for m in metrics})
        for m in metrics:
            if r["row_type"] == "total":
                day[m][1] = r[m]
            elif r[m] is not None:
                day[m][0] += r[m]
    broken = [
        {"profile": p, "date": d.isoformat(), "metric": m, "posts_plus_others": parts, "total": total}
        for (p, d), sums in sorted(by_day.items(), key=lambda item: (str(item[0][1]), str(item[0][0])))
        for m, (parts, total) in sums.items()
        if total is not None and parts != total
    ]
    return not broken, {"days": len(by_day), "days_not_reconciling": len(broken), "examples": broken[:5]}


def fresh(rows: pa.Table, column: str, today: dt.date | None = None, days: int | None = None) -> Outcome:
    days = freshness_days() if days is None else days
    today = today or dt.datetime.now(dt.timezone.utc).date()
    newest = pc.max(rows[column]).as_py() if rows.num_rows else None
    age = (today - newest).days if newest else None
    return age is not None and age <= days, {
        "newest": newest.isoformat() if newest else "none",
        "age_days": age if age is not None else -1,
        "allowed_days": days,
    }
