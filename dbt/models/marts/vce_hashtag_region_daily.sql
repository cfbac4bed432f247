-- VCE results the way the VCE lets them leave: aggregates only (record-level rows stay in the lake).
-- Grain: named query × UTC posting day × region × hashtag: videos, distinct creators and summed engagement
-- (the counts as the query's task saw them). A video counts once under each of its distinct hashtags, and
-- under '(none)' when it has none, so summing `videos` over hashtags overcounts; over regions it does not.
with tagged as (
    select
        query,
        created_date                                         as day,
        coalesce(region_code, '(unknown)')                   as region_code,
        unnest(if(len(hashtags) = 0, ['(none)'], hashtags))  as hashtag,
        video_id,
        username,
        view_count,
        like_count,
        comment_count,
        share_count
    from {{ ref('stg_vce__videos') }}
)

select
    query,
    day,
    region_code,
    hashtag,
    count(distinct video_id)          as videos,
    count(distinct username)          as creators,
    coalesce(sum(view_count), 0)::bigint    as views,
    coalesce(sum(like_count), 0)::bigint    as likes,
    coalesce(sum(comment_count), 0)::bigint as comments,
    coalesce(sum(share_count), 0)::bigint   as shares
from tagged
where hashtag <> ''
group by query, day, region_code, hashtag
