-- Full Hashtag Search (tt/hashtag/recent-posts), per hashtag and snapshot day, in the video vocabulary.
-- Grain: one row per (hashtag, snapshot day, video), the latest observation of that day.
{{ ed_post_snapshot('hashtag_recent_posts', 'hashtag', 'hashtag') }}
