-- Videos an account reposted (user/reposted_videos endpoint), per account snapshot day.
-- Grain: one row per (account, snapshot day, video), the latest observation.
with observations as (
    select
        "account"                 as account_username,
        cast("snapshot" as date)  as snapshot_date,
        {{ video_columns() }}
    from {{ lake_source('research', 'reposted_videos') }}
)

select *
from observations
qualify row_number() over (
    partition by account_username, snapshot_date, video_id order by observed_at desc
) = 1
