-- Profile snapshots of the monitored accounts (user/info endpoint).
-- Grain: one row per (account, snapshot day), the latest observation of that day.
-- A full table, not incremental: it is small (accounts x days), and rebuilding it with the marts means a
-- snapshot is in account_daily whichever order the snapshot and the dbt runs happen in.
with observations as (
    select
        username,
        cast("date" as date)           as snapshot_date,
        status,
        display_name,
        is_verified,
        follower_count,
        following_count,
        likes_count,
        video_count,
        timezone('UTC', collected_at)  as observed_at
    from {{ lake_source('research', 'user_info') }}
)

select *
from observations
qualify row_number() over (partition by username, snapshot_date order by observed_at desc) = 1
