-- One row per profile, post and as-of date: a single-post export's lifetime-to-date figures
-- (bronze already keeps only the newest download of each post and as-of date).
-- is_latest marks each post's newest as-of date: its latest known state. Figures a
-- file generation does not carry (legacy files: no link or social engagements) stay
-- NULL, never 0.
SELECT
  profile,
  profile_name,
  post_url,
  as_of_date,
  as_of_date = MAX(as_of_date) OVER (PARTITION BY profile, post_url) AS is_latest,
  post_publish_date,
  post_publish_timestamp,
  impressions,
  members_reached,
  reactions,
  comments,
  reposts,
  saves,
  sends_on_linkedin,
  profile_viewers,
  followers_gained,
  social_engagements,
  link_engagements,
  premium_custom_button_engagements,
  source_file,
  source_file_timestamp
FROM bronze.linkedin.post_details
