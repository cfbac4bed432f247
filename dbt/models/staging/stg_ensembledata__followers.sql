-- Who follows a monitored account (tt/user/followers: the latest 5,000), per snapshot day.
-- Grain: one row per (account, snapshot day, follower).
{{ ed_follow_edges('followers', 'follower') }}
