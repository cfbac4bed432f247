-- Full Keyword Search (tt/keyword/full-search), per keyword and snapshot day, in the video vocabulary.
-- Grain: one row per (keyword, snapshot day, video), the latest observation of that day.
{{ ed_post_snapshot('keyword_full_posts', 'keyword', 'keyword') }}
