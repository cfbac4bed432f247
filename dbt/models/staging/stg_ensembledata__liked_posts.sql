-- Posts an account liked (tt/user/liked-posts), per account and snapshot day, in the video vocabulary.
-- Grain: one row per (account_username, snapshot day, video), the latest observation of that day.
{{ ed_post_snapshot('liked_posts', 'account', 'account_username') }}
