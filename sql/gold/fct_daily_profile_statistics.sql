-- One row per profile and analytics date. Changes compare with the profile's previous
-- calendar day and are NULL when that day is missing.
WITH days AS (
  SELECT
    t.profile,
    t.profile_name,
    t.analytics_date,
    t.impressions,
    t.engagements,
    f.new_followers,
    t.members_reached,
    f.total_followers
  FROM silver.linkedin.totals AS t
  LEFT JOIN silver.linkedin.followers AS f ON f.profile = t.profile AND f.analytics_date = t.analytics_date
)
SELECT
  d.profile,
  d.profile_name,
  d.analytics_date,
  d.impressions,
  d.engagements,
  d.new_followers,
  d.members_reached,
  d.total_followers,
  d.impressions - p.impressions AS change_in_impressions,
  d.engagements - p.engagements AS change_in_engagements
FROM days AS d
LEFT JOIN days AS p ON p.profile = d.profile AND p.analytics_date = date_sub(d.analytics_date, 1)
