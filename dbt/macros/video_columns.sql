{#- The one vocabulary for a video seen in any video-shaped dataset (videos, liked/pinned/reposted lists):
    API names become model names here, and only here. Times are naive UTC timestamps. -#}
{% macro video_columns() -%}
    id                                         as video_id,
    username,
    timezone('UTC', create_time)               as created_at,
    cast(timezone('UTC', create_time) as date) as created_date,
    region_code,
    video_description                          as description,
    music_id,
    playlist_id,
    list_transform(coalesce(hashtag_names, []), lambda h: lower(trim(h))) as hashtags,
    video_duration                             as duration_s,
    view_count,
    like_count,
    comment_count,
    share_count,
    favorites_count                            as favorite_count,
    timezone('UTC', collected_at)              as observed_at
{%- endmacro %}
