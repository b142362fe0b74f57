-- One clean row per profile and analytics date: new followers, and the total when LinkedIn stated
-- it for that date (the figure the original pipeline threw away).
SELECT
  COALESCE(f.profile, ft.profile) AS profile,
  COALESCE(f.profile_name, ft.profile_name) AS profile_name,
  COALESCE(f.date, ft.as_of_date) AS analytics_date,
  f.new_followers,
  ft.total_followers,
  COALESCE(f.source_file, ft.source_file) AS source_file,
  COALESCE(f.source_file_timestamp, ft.source_file_timestamp) AS source_file_timestamp
FROM bronze.linkedin.followers AS f
FULL OUTER JOIN bronze.linkedin.follower_totals AS ft
  ON ft.profile = f.profile AND ft.as_of_date = f.date
WHERE COALESCE(f.date, ft.as_of_date) BETWEEN :start AND :end
