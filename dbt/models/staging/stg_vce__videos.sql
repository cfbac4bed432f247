-- Videos the named VCE queries returned (lake: vce/videos/query=<name>/date=<day>). Grain: one row per query
-- and video, its latest collection: two queries matching one video keep a row each, because the VCE marts
-- count per query. Fields a query did not select are null. Rebuilt from the lake on every run (small).
with results as (
    select
        "query"                                    as query,
        cast("date" as date)                       as partition_date,
        id                                         as video_id,
        username,
        timezone('UTC', create_time)               as created_at,
        cast(timezone('UTC', create_time) as date) as created_date,
        region_code,
        video_description                          as description,
        list_distinct(list_transform(coalesce(hashtag_names, []), lambda h: lower(trim(h)))) as hashtags,
        duration_type,
        view_count,
        like_count,
        comment_count,
        share_count,
        favorites_count                            as favorite_count,
        timezone('UTC', collected_at)              as observed_at
    from {{ lake_source('vce', 'videos') }}
)

select *
from results
qualify row_number() over (partition by query, video_id order by observed_at desc) = 1
