-- Followers of an account (user/followers endpoint), per snapshot day.
-- Grain: one row per (account, snapshot day, follower).
with observations as (
    select
        "account"                      as account_username,
        cast("snapshot" as date)       as snapshot_date,
        username                       as follower_username,
        display_name                   as follower_display_name,
        timezone('UTC', collected_at)  as observed_at
    from {{ lake_source('research', 'followers') }}
)

select *
from observations
qualify row_number() over (
    partition by account_username, snapshot_date, follower_username order by observed_at desc
) = 1
