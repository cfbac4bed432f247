-- Playlists referenced by collected videos (playlist/info endpoint).
-- Grain: one row per playlist id, the latest observation.
with observations as (
    select
        playlist_id,
        playlist_name,
        playlist_item_total                     as item_total,
        timezone('UTC', playlist_last_updated)  as last_updated_at,
        playlist_video_ids                      as video_ids,
        timezone('UTC', collected_at)           as observed_at
    from {{ lake_source('research', 'playlists') }}
)

select *
from observations
qualify row_number() over (partition by playlist_id order by observed_at desc) = 1
