"""Posting time vs performance: posts grouped by publish weekday and hour (reporting time zone).

Only posts whose publish time and lifetime figures are known (both come from a
single-post export) are counted, so every bucket compares like with like: lifetime
impressions and engagements as of each post's export.
"""

from __future__ import annotations

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _bucket(label: str, posts: list[dict]) -> dict:
    impressions = sum(p["lifetime"]["impressions"] for p in posts)
    engaged = [p for p in posts if p["lifetime"]["engagements"] is not None]
    engagements = sum(p["lifetime"]["engagements"] for p in engaged)
    engaged_impressions = sum(p["lifetime"]["impressions"] for p in engaged)
    return {
        "label": label,
        "posts": len(posts),
        "avg_impressions": impressions / len(posts) if posts else None,
        "avg_engagements": engagements / len(engaged) if engaged else None,
        # Engagements over the impressions of the same posts, not a mean of ratios.
        "engagement_rate": engagements / engaged_impressions if engaged_impressions else None,
    }


def posting_time(posts: list[dict]) -> dict:
    """Buckets by weekday (Monday first) and by hour 0-23, and how many posts they cover."""
    timed = [
        p for p in posts if p.get("publish_time") and p.get("lifetime") and p["lifetime"].get("impressions") is not None
    ]
    zones = sorted({p["publish_time"]["time_zone"] for p in timed})
    return {
        "posts_counted": len(timed),
        "posts_total": len(posts),
        "time_zone": zones[0] if len(zones) == 1 else ", ".join(zones) or None,
        "weekdays": [_bucket(d, [p for p in timed if p["publish_time"]["weekday"] == d]) for d in WEEKDAYS],
        "hours": [_bucket(f"{h:02d}:00", [p for p in timed if p["publish_time"]["hour"] == h]) for h in range(24)],
    }
