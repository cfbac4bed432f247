-- Every observation of a video, from each video-shaped dataset (the video query and the liked, pinned and
-- reposted lists of accounts), in the shared video vocabulary. Grain: one row per (video, dataset,
-- observation); the input of fct_videos (latest state) and account_daily (growth between observations).
{% set lists = ['liked_videos', 'pinned_videos', 'reposted_videos'] %}

select
    'videos' as dataset,
    video_id, username, created_at, created_date, region_code, description, music_id, playlist_id,
    hashtags, duration_s, view_count, like_count, comment_count, share_count, favorite_count, observed_at
from {{ ref('stg_research__videos') }}
{% for name in lists %}
union all
select
    '{{ name }}' as dataset,
    video_id, username, created_at, created_date, region_code, description, music_id, playlist_id,
    hashtags, duration_s, view_count, like_count, comment_count, share_count, favorite_count, observed_at
from {{ ref('stg_research__' ~ name) }}
{% endfor %}
