-- One row per (profile, post, analytics date), plus per profile and day an 'others' row
-- (what no listed post accounts for) and a 'total' row (the profile's figure). Per day and metric:
-- sum over posts + others = total. A post listed on one side only has NULL on the
-- other. Changes compare with the same row on the previous calendar day.
WITH metrics AS (
  SELECT
    COALESCE(i.profile, e.profile) AS profile,
    COALESCE(i.profile_name, e.profile_name) AS profile_name,
    COALESCE(i.analytics_date, e.analytics_date) AS analytics_date,
    COALESCE(i.row_type, e.row_type) AS row_type,
    COALESCE(i.post_url, e.post_url) AS post_url,
    i.impressions,
    e.engagements
  FROM silver.linkedin.impressions AS i
  FULL OUTER JOIN silver.linkedin.engagements AS e
    ON e.profile = i.profile AND e.analytics_date = i.analytics_date AND e.post_url = i.post_url
),
all_rows AS (
  SELECT * FROM metrics
  UNION ALL
  SELECT profile, profile_name, analytics_date, 'total', 'total', impressions, engagements FROM silver.linkedin.totals
)
SELECT
  r.profile,
  r.profile_name,
  CASE WHEN r.row_type = 'post' THEN p.post_id ELSE r.row_type END AS post_id,
  r.row_type,
  CASE WHEN r.row_type = 'post' THEN r.post_url END AS post_url,
  p.link,
  r.analytics_date,
  p.post_publish_date,
  p.post_publish_timestamp,
  r.impressions,
  r.engagements,
  datediff(r.analytics_date, p.post_publish_date) AS days_since_post,
  r.impressions - prev.impressions AS change_in_impressions,
  r.engagements - prev.engagements AS change_in_engagements,
  CASE r.row_type WHEN 'others' THEN 'Others' WHEN 'total' THEN 'Total' ELSE p.title END AS title,
  p.content
FROM all_rows AS r
LEFT JOIN silver.linkedin.posts AS p
  ON r.row_type = 'post' AND p.profile = r.profile AND p.post_url = r.post_url
LEFT JOIN all_rows AS prev
  ON prev.profile = r.profile AND prev.post_url = r.post_url AND prev.analytics_date = date_sub(r.analytics_date, 1)
