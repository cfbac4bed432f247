-- Profiles of the monitored accounts (tt/user/info, tt/user/info-from-secuid), in the vocabulary of
-- stg_research__user_info. Grain: one row per (account, collection day), the latest observation.
with observations as (
    select
        username,
        cast("date" as date)           as snapshot_date,
        status,
        uid,
        sec_uid,
        nickname                       as display_name,
        verified                       as is_verified,
        private_account                as is_private,
        follower_count,
        following_count,
        heart_count                    as likes_count,
        video_count,
        digg_count                     as liked_videos_count,
        timezone('UTC', collected_at)  as observed_at
    from {{ lake_source('ensembledata', 'user_info') }}
)

select *
from observations
qualify row_number() over (partition by username, snapshot_date order by observed_at desc) = 1
