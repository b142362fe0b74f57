-- One row per profile, post and analytics date for one metric (:metric = 'impressions' or
-- 'engagements'), from the per-day top-post lists, plus one 'others' row per day: the
-- day's total minus the listed posts, when not zero. It is negative on a day LinkedIn
-- corrected downwards (a -2 engagements day), so posts + others = total still holds.
-- Top posts of a multi-day file are range aggregates, not per-day figures, and are
-- left out. A post listed on one side only has no row on the other side (not a zero).
WITH listed AS (
  SELECT profile, profile_name, analytics_date, post_url, post_publish_date, value
  FROM bronze.linkedin.top_posts
  WHERE metric = :metric
    AND NOT is_range_aggregate
    AND analytics_date BETWEEN :start AND :end
),
day_totals AS (
  SELECT profile, profile_name, date AS analytics_date,
         CASE WHEN :metric = 'impressions' THEN impressions ELSE engagements END AS total
  FROM bronze.linkedin.totals
  WHERE date BETWEEN :start AND :end
),
others AS (
  SELECT d.profile, d.profile_name, d.analytics_date, d.total - COALESCE(SUM(l.value), 0) AS value
  FROM day_totals AS d
  LEFT JOIN listed AS l ON l.profile = d.profile AND l.analytics_date = d.analytics_date
  GROUP BY d.profile, d.profile_name, d.analytics_date, d.total
)
SELECT profile, profile_name, analytics_date, 'post' AS row_type, post_url, post_publish_date, value
FROM listed
UNION ALL
SELECT profile, profile_name, analytics_date, 'others' AS row_type, 'others' AS post_url, CAST(NULL AS DATE), value
FROM others
WHERE value <> 0
