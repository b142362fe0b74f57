-- One row per post publish timestamp: its parts in UTC and in the reporting time zone
-- (:reporting_time_zone, an IANA name such as 'Europe/Paris'; default UTC).
WITH stamps AS (
  SELECT DISTINCT post_publish_timestamp AS timestamp_utc
  FROM silver.linkedin.posts
  WHERE post_publish_timestamp IS NOT NULL
),
localised AS (
  SELECT timestamp_utc, from_utc_timestamp(timestamp_utc, :reporting_time_zone) AS timestamp_local
  FROM stamps
)
SELECT
  timestamp_utc,
  to_date(timestamp_utc) AS date_utc,
  hour(timestamp_utc) AS hour_utc,
  minute(timestamp_utc) AS minute_utc,
  date_format(timestamp_utc, 'EEEE') AS weekday_name_utc,
  :reporting_time_zone AS reporting_time_zone,
  CAST(timestamp_local AS TIMESTAMP_NTZ) AS timestamp_local,
  to_date(timestamp_local) AS date_local,
  hour(timestamp_local) AS hour_local,
  minute(timestamp_local) AS minute_local,
  date_format(timestamp_local, 'EEEE') AS weekday_name_local
FROM localised
