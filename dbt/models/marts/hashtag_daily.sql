-- Per hashtag and UTC posting day: videos, distinct creators and their engagement (latest counts), and the
-- hashtag's rank among that day's hashtags (by videos, then engagement; 1 = most used). Built from either source
-- (or both): the videos of fct_videos, whichever API saw them.
with tagged as (
    select
        unnest(hashtags) as hashtag,
        created_date     as day,
        video_id,
        username,
        view_count,
        engagement
    from {{ ref('fct_videos') }}
    where len(hashtags) > 0
),

daily as (
    select
        hashtag,
        day,
        count(distinct video_id)  as videos,
        count(distinct username)  as creators,
        sum(view_count)::bigint   as views,
        sum(engagement)::bigint   as engagement
    from (select distinct * from tagged)  -- a tag written twice in one description counts once
    where hashtag <> ''
    group by hashtag, day
)

select
    *,
    rank() over (partition by day order by videos desc, engagement desc) as rank_in_day
from daily
