"""The Historical page's honesty: partial weeks and months, and total followers on every day.

A week or month the data covers only part of (the first and last ones, or one with
missing days) is marked partial with how many of its days it holds, so a chart never
shows it as if it were full. LinkedIn states total followers only on an export's last
day; between stated totals a day's total is derived from the daily new-follower counts
(a stated total is at the end of its day, so it includes that day's new followers),
marked derived.
"""

from __future__ import annotations

import calendar
import datetime as dt


def full_days(period: str, weekly: bool) -> int:
    """Days in a full week (7) or in the calendar month `period` ("YYYY-MM")."""
    if weekly:
        return 7
    year, month = (int(p) for p in period.split("-"))
    return calendar.monthrange(year, month)[1]


def mark_partial(buckets: list[dict], weekly: bool) -> list[dict]:
    for b in buckets:
        b["full_days"] = full_days(b["period"], weekly)
        b["partial"] = b["days"] < b["full_days"]
    return buckets


def followers_every_day(daily: list[dict]) -> list[dict]:
    """Total followers per day, stated or derived, wherever a stated total reaches.

    Forward from a stated total: the previous day's total plus the day's new
    followers. Back from one (before the first, or after a break): the next day's total
    minus that next day's new followers. A missing day or a day without a new-follower
    count breaks the chain: a total it cannot reach stays unknown, never guessed.
    """
    days = [dt.date.fromisoformat(p["date"]) for p in daily]
    new = [p.get("new_followers") for p in daily]
    totals: list[int | None] = [p.get("total_followers") for p in daily]
    stated = [t is not None for t in totals]

    def next_to(i: int, j: int) -> bool:
        return abs((days[j] - days[i]).days) == 1

    for i in range(1, len(daily)):
        before, gained = totals[i - 1], new[i]
        if totals[i] is None and before is not None and gained is not None and next_to(i - 1, i):
            totals[i] = before + gained
    for i in range(len(daily) - 2, -1, -1):
        after, gained = totals[i + 1], new[i + 1]
        if totals[i] is None and after is not None and gained is not None and next_to(i, i + 1):
            totals[i] = after - gained
    return [
        {"date": p["date"], "total_followers": total, "derived": not known}
        for p, total, known in zip(daily, totals, stated)
        if total is not None
    ]
