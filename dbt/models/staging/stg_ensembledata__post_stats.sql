-- Posts already in the lake observed again (tt/post/multi-info, tt/post/info): the engagement time series.
-- Grain: one row per video and observation day (the `date` partition), the latest observation of that day.
with observations as (
    select
        {{ ed_video_columns() }},
        author.uid                                  as author_uid,
        download_count,
        forward_count,
        desc_language                               as language,
        cast("date" as date)                        as observed_date
    from {{ lake_source('ensembledata', 'post_stats') }}
)

select *
from observations
qualify row_number() over (partition by video_id, observed_date order by observed_at desc) = 1
