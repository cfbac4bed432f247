-- Accounts an account follows (user/following endpoint), per snapshot day.
-- Grain: one row per (account, snapshot day, followed account).
with observations as (
    select
        "account"                      as account_username,
        cast("snapshot" as date)       as snapshot_date,
        username                       as followee_username,
        display_name                   as followee_display_name,
        timezone('UTC', collected_at)  as observed_at
    from {{ lake_source('research', 'following') }}
)

select *
from observations
qualify row_number() over (
    partition by account_username, snapshot_date, followee_username order by observed_at desc
) = 1
