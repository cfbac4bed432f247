-- Posts of the monitored accounts (tt/user/posts, tt/user/posts-from-secuid), in the video vocabulary.
-- Grain: one row per video and observation day (the latest observation of that day), as stg_research__videos.
with observations as (
    select
        {{ ed_video_columns() }},
        author.uid                                  as author_uid,
        coalesce(is_top, false)                     as is_pinned,
        download_count,
        forward_count,
        desc_language                               as language,
        cast(timezone('UTC', collected_at) as date) as observed_date,
        cast("date" as date)                        as partition_date
    from {{ lake_source('ensembledata', 'user_posts') }}
)

select *
from observations
qualify row_number() over (partition by video_id, observed_date order by observed_at desc) = 1
