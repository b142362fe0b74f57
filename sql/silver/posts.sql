-- One row per profile and post (a post is one profile's): when it was published, where it lives and what it is called.
-- A post_patch value wins over every other source; an empty patch cell (NULL) means
-- no correction. Without a patched title, the title is the words of the post's URL,
-- where it has words (legacy feed URLs and some 2026 ones have none: no title).
WITH listed AS (
  SELECT profile, post_url, MIN(post_publish_date) AS post_publish_date, MAX(profile_name) AS profile_name
  FROM bronze.linkedin.top_posts
  GROUP BY profile, post_url
),
details AS (
  SELECT profile, profile_name, post_url, post_publish_date, post_publish_timestamp
  FROM (
    SELECT *, ROW_NUMBER() OVER (
      PARTITION BY profile, post_url ORDER BY as_of_date DESC, source_file_timestamp DESC
    ) AS newest
    FROM bronze.linkedin.post_details
  )
  WHERE newest = 1
),
urls AS (
  SELECT profile, post_url FROM listed
  UNION
  SELECT profile, post_url FROM details
),
named AS (
  SELECT
    u.profile,
    COALESCE(d.profile_name, l.profile_name) AS profile_name,
    u.post_url,
    -- Every URL form names the post's numeric id: legacy .../feed/update/urn:li:activity:<id>,
    -- 2026 .../posts/<slug>_<words>-(activity|share|ugcPost)-<id>-<4 chars> (words optional).
    regexp_extract(u.post_url, '(activity|share|ugcPost)[-:]([0-9]+)', 2) AS activity_id,
    COALESCE(d.post_publish_date, l.post_publish_date) AS post_publish_date,
    d.post_publish_timestamp,
    replace(regexp_extract(u.post_url, '/posts/[^_/]+_(.+?)-(activity|share|ugcPost)-', 1), '-', ' ')
      AS url_words
  FROM urls AS u
  LEFT JOIN listed AS l ON l.profile = u.profile AND l.post_url = u.post_url
  LEFT JOIN details AS d ON d.profile = u.profile AND d.post_url = u.post_url
)
SELECT
  n.profile,
  n.profile_name,
  n.post_url,
  concat(date_format(n.post_publish_date, 'yyyy-MM-dd'), '-', n.activity_id) AS post_id,
  n.activity_id,
  n.post_publish_date,
  n.post_publish_timestamp,
  COALESCE(p.true_url, n.post_url) AS link,
  COALESCE(p.title, CASE WHEN n.url_words <> '' THEN concat(upper(substr(n.url_words, 1, 1)), substr(n.url_words, 2)) END)
    AS title,
  p.content,
  p.post_url IS NOT NULL AS patched
FROM named AS n
LEFT JOIN bronze.linkedin.post_patch AS p ON p.post_url = n.post_url
