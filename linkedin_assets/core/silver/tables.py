"""The silver tables: clean per-day tables and one row per post, each one SQL file under sql/silver/."""

from __future__ import annotations

from linkedin_assets.core.sql.table import SqlTable


def post_metric(metric: str) -> SqlTable:
    return SqlTable(
        "silver",
        metric,
        "silver/post_metric",
        keys=["profile", "analytics_date", "post_url"],
        deps=[("bronze", "top_posts"), ("bronze", "totals")],
        description=f"Daily {metric} per post from the per-day top-post lists, plus an 'others' "
        f"row per day (day total minus listed posts, when not zero; negative on a correction day).",
        partitioned=True,
        params={"metric": metric},
        rename={"value": metric},
        negative_days=[metric],
    )


SILVER_TABLES = [
    SqlTable(
        "silver",
        "totals",
        "silver/totals",
        ["profile", "analytics_date"],
        [("bronze", "totals"), ("bronze", "discovery")],
        "One row per date: impressions, engagements, members reached (one-day files).",
        partitioned=True,
        same_days_as=("bronze", "totals", "date"),  # per profile
        negative_days=["impressions", "engagements"],
    ),
    SqlTable(
        "silver",
        "followers",
        "silver/followers",
        ["profile", "analytics_date"],
        [("bronze", "followers"), ("bronze", "follower_totals")],
        "One row per date: new followers and the stated total followers.",
        partitioned=True,
        non_negative=["total_followers"],
        negative_days=["new_followers"],
    ),
    post_metric("impressions"),
    post_metric("engagements"),
    SqlTable(
        "silver",
        "posts",
        "silver/posts",
        ["profile", "post_url"],
        [("bronze", "top_posts"), ("bronze", "post_details"), ("bronze", "post_patch")],
        "One row per post: publish date and time, link, title, content; post_patch wins.",
    ),
    SqlTable(
        "silver",
        "post_lifetime",
        "silver/post_lifetime",
        ["profile", "post_url", "as_of_date"],
        [("bronze", "post_details")],
        "One row per post per as-of date: single-post exports' lifetime-to-date figures; is_latest marks "
        "each post's newest.",
        non_negative=["impressions", "members_reached", "reactions", "comments", "reposts", "saves"],
    ),
    SqlTable(
        "silver",
        "demographics",
        "silver/demographics",
        ["profile", "period_start", "period_end", "demographic_type", "category", "value"],
        [("bronze", "demographics")],
        "Every export's top demographics (audience, content); is_latest marks the latest export's, per type.",
    ),
]

SILVER_BY_NAME = {t.name: t for t in SILVER_TABLES}
