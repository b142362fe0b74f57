-- Every demographics row of every export, and which rows are the latest export's:
-- per profile and demographic_type (audience / content) the period ending last, and among
-- downloads of periods ending that day the most recently generated one (a 28-day and
-- a 365-day file can end on the same day; the newer download is the truth).
WITH periods AS (
  SELECT
    profile,
    demographic_type,
    period_start,
    period_end,
    ROW_NUMBER() OVER (
      PARTITION BY profile, demographic_type
      ORDER BY period_end DESC, MAX(source_file_timestamp) DESC, period_start DESC
    ) AS newest
  FROM bronze.linkedin.demographics
  GROUP BY profile, demographic_type, period_start, period_end
)
SELECT
  d.profile,
  d.profile_name,
  d.period_start,
  d.period_end,
  d.demographic_type,
  d.category,
  d.value,
  d.percentage,
  d.below_one_percent,
  p.newest = 1 AS is_latest,
  d.source_file,
  d.source_file_timestamp
FROM bronze.linkedin.demographics AS d
JOIN periods AS p
  ON p.profile = d.profile
  AND p.demographic_type = d.demographic_type
  AND p.period_start = d.period_start
  AND p.period_end = d.period_end
