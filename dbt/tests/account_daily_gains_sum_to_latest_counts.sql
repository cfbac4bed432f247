-- Summed over all days, an account's gained views equal the latest views of its videos: growth is
-- attributed to days without loss or double counting. Returns the accounts where that fails.
{{ config(meta={'dagster': {'ref': {'name': 'account_daily'}}}) }}

with gained as (
    select username, sum(views_gained) as views
    from {{ ref('account_daily') }}
    group by username
),

latest as (
    select username, sum(view_count) as views
    from {{ ref('fct_videos') }}
    group by username
)

select *
from gained
full outer join latest using (username)
where coalesce(gained.views, 0) <> coalesce(latest.views, 0)
