-- Each profile's latest export's demographics, per demographic_type (audience: who follows and
-- views the profile; content: who viewed its posts, in files from August 2026), one
-- row per category and value, ranked within the category as LinkedIn listed them
-- (by share; values below 1% last, their share unknown).
SELECT
  profile,
  profile_name,
  demographic_type,
  category,
  value,
  percentage,
  below_one_percent,
  ROW_NUMBER() OVER (
    PARTITION BY profile, demographic_type, category
    ORDER BY below_one_percent, percentage DESC, value
  ) AS rank,
  period_start,
  period_end,
  source_file
FROM silver.linkedin.demographics
WHERE is_latest
