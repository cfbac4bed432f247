-- Per video with collected comments: top-level comments, replies, thread depth (1 = only top-level
-- comments; each reply level adds one), response latencies (first comment after posting, first reply
-- after its parent comment), and what the API says exists (the video's comment_count, each comment's
-- reply_count), so the coverage of the collection can be measured.
with recursive comments as (
    select * from {{ ref('stg_research__comments') }}
),

depths as (
    select comment_id, video_id, 1 as depth
    from comments
    where parent_comment_id is null
    union all
    select child.comment_id, child.video_id, depths.depth + 1
    from comments as child
    join depths on child.parent_comment_id = depths.comment_id
    where depths.depth < 50  -- guards against a cycle in malformed data
),

reply_latency as (
    select
        child.video_id,
        min(date_diff('second', parent.created_at, child.created_at)) as first_reply_latency_s
    from comments as child
    join comments as parent on child.parent_comment_id = parent.comment_id
    group by child.video_id
),

thread_depth as (
    select video_id, max(depth) as max_depth
    from depths
    group by video_id
),

per_video as (
    select
        video_id,
        count(*) filter (where not is_reply)  as top_level_comments,
        count(*) filter (where is_reply)      as replies,
        coalesce(sum(reply_count), 0)::bigint  as replies_reported,  -- each comment reports its direct replies
        min(created_at)                       as first_comment_at,
        max(created_at)                       as last_comment_at,
        sum(like_count)::bigint               as comment_likes
    from comments
    group by video_id
)

select
    per_video.video_id,
    videos.username,
    per_video.top_level_comments,
    per_video.replies,
    videos.comment_count                                           as comments_reported,
    per_video.replies_reported,
    coalesce(thread_depth.max_depth, 0)                            as max_depth,
    per_video.comment_likes,
    per_video.first_comment_at,
    per_video.last_comment_at,
    date_diff('second', videos.created_at, per_video.first_comment_at) as first_response_latency_s,
    reply_latency.first_reply_latency_s
from per_video
left join {{ ref('fct_videos') }} as videos using (video_id)
left join reply_latency using (video_id)
left join thread_depth using (video_id)
