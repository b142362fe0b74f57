-- One row per calendar day from the first to the last day the lake knows of
-- (analytics dates and post publish dates). weekday is ISO: Monday = 1 ... Sunday = 7.
WITH bounds AS (
  SELECT MIN(d) AS first_day, MAX(d) AS last_day
  FROM (
    SELECT analytics_date AS d FROM silver.linkedin.totals
    UNION ALL
    SELECT post_publish_date FROM silver.linkedin.posts
  )
),
days AS (
  -- Cast: a sequence of dates is dates in Spark, timestamps in DuckDB (core/engine/translate.py).
  SELECT CAST(day AS DATE) AS date
  FROM (
    SELECT explode(sequence(first_day, last_day, INTERVAL 1 DAY)) AS day
    FROM bounds
    WHERE first_day IS NOT NULL
  )
)
SELECT
  date,
  dayofmonth(date) AS day,
  month(date) AS month,
  year(date) AS year,
  weekofyear(date) AS week,
  ((dayofweek(date) + 5) % 7) + 1 AS weekday,
  date_format(date, 'EEEE') AS weekday_name,
  dayofweek(date) IN (1, 7) AS is_weekend
FROM days
