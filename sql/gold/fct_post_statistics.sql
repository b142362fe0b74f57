-- One row per profile and post: when it was published (UTC and, from dim_timestamp, in the
-- reporting time zone) and its latest lifetime figures from single-post exports,
-- as of lifetime_as_of_date. A post no single-post export covers has NULL figures.
-- engagements = reactions + comments + reposts + saves + sends, the engagement counts
-- every file generation states (clicks are not in legacy files); NULL when none is
-- stated. engagement_rate = engagements / impressions, NULL without impressions.
WITH latest AS (
  SELECT * FROM silver.linkedin.post_lifetime WHERE is_latest
),
counted AS (
  SELECT
    l.*,
    CASE
      WHEN COALESCE(reactions, comments, reposts, saves, sends_on_linkedin) IS NOT NULL
      THEN COALESCE(reactions, 0) + COALESCE(comments, 0) + COALESCE(reposts, 0) + COALESCE(saves, 0)
        + COALESCE(sends_on_linkedin, 0)
    END AS engagements
  FROM latest AS l
)
SELECT
  p.profile,
  p.profile_name,
  p.post_id,
  p.post_url,
  p.link,
  p.title,
  p.post_publish_date,
  p.post_publish_timestamp,
  t.reporting_time_zone,
  t.weekday_name_local AS publish_weekday_local,
  t.hour_local AS publish_hour_local,
  c.as_of_date AS lifetime_as_of_date,
  c.impressions,
  c.members_reached,
  c.reactions,
  c.comments,
  c.reposts,
  c.saves,
  c.sends_on_linkedin,
  c.profile_viewers,
  c.followers_gained,
  c.social_engagements,
  c.link_engagements,
  c.premium_custom_button_engagements,
  c.engagements,
  CASE WHEN c.impressions > 0 THEN c.engagements / c.impressions END AS engagement_rate
FROM silver.linkedin.posts AS p
LEFT JOIN counted AS c ON c.profile = p.profile AND c.post_url = p.post_url
LEFT JOIN gold.linkedin.dim_timestamp AS t ON t.timestamp_utc = p.post_publish_timestamp
