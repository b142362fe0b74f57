-- One clean row per profile and analytics date: its impressions and engagements, and
-- members reached when a one-day Content export stated it (a longer period's figure
-- is not a per-day number, so it is not spread over days).
SELECT
  t.profile,
  t.profile_name,
  t.date AS analytics_date,
  t.impressions,
  t.engagements,
  d.members_reached,
  t.source_file,
  t.source_file_timestamp
FROM bronze.linkedin.totals AS t
LEFT JOIN bronze.linkedin.discovery AS d
  ON d.profile = t.profile AND d.period_start = t.date AND d.period_end = t.date
WHERE t.date BETWEEN :start AND :end
