-- Whom a monitored account follows (tt/user/followings), per snapshot day.
-- Grain: one row per (account, snapshot day, followee).
{{ ed_follow_edges('followings', 'followee') }}
