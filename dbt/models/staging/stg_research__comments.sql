-- Comments and replies. Grain: one row per comment id, the latest observation.
-- A top-level comment's parent in the API is the video itself; here parent_comment_id is null for it.
-- Incremental by the `date` partition (the commented video's creation day).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_window('partition_date') }}",
) }}

with observations as (
    select
        id                                               as comment_id,
        video_id,
        nullif(parent_comment_id, video_id)              as parent_comment_id,
        parent_comment_id is not null
            and parent_comment_id <> video_id            as is_reply,
        text,
        display_name,
        like_count,
        reply_count,
        timezone('UTC', create_time)                     as created_at,
        timezone('UTC', collected_at)                    as observed_at,
        cast("date" as date)                             as partition_date
    from {{ lake_source('research', 'comments') }}
    where {{ source_window('"date"') }}
)

select *
from observations
qualify row_number() over (partition by comment_id order by observed_at desc) = 1
