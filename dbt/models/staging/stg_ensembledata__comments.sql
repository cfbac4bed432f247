-- Comments and replies (tt/post/comments, tt/post/comments-replies), in the vocabulary of
-- stg_research__comments. Grain: one row per comment id, the latest observation.
-- The API marks a top-level comment with reply_id 0; here its parent_comment_id is null.
with observations as (
    select
        cid                                     as comment_id,
        aweme_id                                as video_id,
        nullif(reply_id, 0)                     as parent_comment_id,
        coalesce(reply_id, 0) <> 0              as is_reply,
        text,
        struct_extract("user", 'unique_id') as username,
        struct_extract("user", 'nickname')  as display_name,
        digg_count                              as like_count,
        reply_comment_count                     as reply_count,
        timezone('UTC', create_time)            as created_at,
        timezone('UTC', collected_at)           as observed_at,
        cast("date" as date)                    as partition_date
    from {{ lake_source('ensembledata', 'comments') }}
)

select *
from observations
qualify row_number() over (partition by comment_id order by observed_at desc) = 1
