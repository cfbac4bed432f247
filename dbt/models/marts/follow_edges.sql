-- Who follows whom, as of each snapshot day, from both directions of the graph: an account's followers
-- list and its following list. Grain: one row per (follower, followee, snapshot day).
with edges as (
    select follower_username, account_username as followee_username, snapshot_date, 'followers' as seen_via
    from {{ ref('stg_research__followers') }}
    union all
    select account_username as follower_username, followee_username, snapshot_date, 'following' as seen_via
    from {{ ref('stg_research__following') }}
)

select
    follower_username,
    followee_username,
    snapshot_date,
    list(distinct seen_via order by seen_via) as seen_via
from edges
group by follower_username, followee_username, snapshot_date
