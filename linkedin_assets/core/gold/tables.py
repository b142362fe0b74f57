"""The gold tables: the calendar, post timestamps, the daily facts, per-post figures and demographics the
dashboard reads (sql/gold/)."""

from __future__ import annotations

from linkedin_assets.core.settings import reporting_time_zone
from linkedin_assets.core.sql.table import SqlTable

GOLD_TABLES = [
    SqlTable(
        "gold",
        "dim_date",
        "gold/dim_date",
        ["date"],
        [("silver", "totals"), ("silver", "posts")],
        "Calendar: one row per day the data spans.",
    ),
    SqlTable(
        "gold",
        "dim_timestamp",
        "gold/dim_timestamp",
        ["timestamp_utc"],
        [("silver", "posts")],
        "Post publish timestamps in UTC and in the reporting time zone.",
        params={"reporting_time_zone": reporting_time_zone},
    ),
    SqlTable(
        "gold",
        "fct_daily_profile_statistics",
        "gold/fct_daily_profile_statistics",
        ["profile", "analytics_date"],
        [("silver", "totals"), ("silver", "followers")],
        "One row per profile and day, with day-over-day changes.",
        same_days_as=("silver", "totals", "analytics_date"),
        negative_days=["impressions", "engagements", "new_followers"],
        fresh_column="analytics_date",
    ),
    SqlTable(
        "gold",
        "fct_daily_post_statistics",
        "gold/fct_daily_post_statistics",
        ["profile", "analytics_date", "post_id"],
        [("silver", "impressions"), ("silver", "engagements"), ("silver", "totals"), ("silver", "posts")],
        "One row per post per day, plus 'others' and 'total' rows per profile and day.",
        negative_days=["impressions", "engagements"],
        reconcile=True,
    ),
    SqlTable(
        "gold",
        "fct_post_statistics",
        "gold/fct_post_statistics",
        ["profile", "post_id"],
        [("silver", "posts"), ("silver", "post_lifetime"), ("gold", "dim_timestamp")],
        "One row per profile and post: publish time (UTC and local) and its latest lifetime figures from single-post "
        "exports, with engagements and engagement rate.",
        non_negative=["impressions", "members_reached", "engagements"],
        waits_for_upstream=True,
    ),
    SqlTable(
        "gold",
        "fct_latest_demographics",
        "gold/fct_latest_demographics",
        ["profile", "demographic_type", "category", "value"],
        [("silver", "demographics")],
        "Each profile's latest export's demographics per type (audience, content), ranked within each category.",
        waits_for_upstream=True,
    ),
]
