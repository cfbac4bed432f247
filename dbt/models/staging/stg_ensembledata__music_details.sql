-- Details of the monitored sounds (tt/music/details) per collection day: a sound's reach over time.
-- Grain: one row per (sound, collection day), the latest observation.
with observations as (
    select
        music_id,
        cast("date" as date)           as snapshot_date,
        title,
        author,
        duration                       as duration_s,
        original                       as is_original,
        user_count                     as videos_using,
        timezone('UTC', collected_at)  as observed_at
    from {{ lake_source('ensembledata', 'music_details') }}
)

select *
from observations
qualify row_number() over (partition by music_id, snapshot_date order by observed_at desc) = 1
