-- Every observation of a video, from each video-shaped dataset of both sources, in the shared video vocabulary:
-- the Research API's video query and the liked, pinned and reposted lists of accounts; EnsembleData's user
-- posts, searches, liked posts, sound posts and post statistics (macros/ensembledata.sql maps them).
-- Grain: one row per (video, dataset, observation); `source` says which API saw it. The input of fct_videos
-- (latest state), account_daily (growth between observations) and video_source_reconciliation.
{% set research_lists = ['liked_videos', 'pinned_videos', 'reposted_videos'] %}
{% set ensembledata_posts = ['user_posts', 'post_stats', 'hashtag_posts', 'hashtag_recent_posts', 'keyword_posts',
                             'keyword_full_posts', 'liked_posts', 'music_posts'] %}
{% set columns -%}
    video_id, username, created_at, created_date, region_code, description, music_id, playlist_id,
    hashtags, duration_s, view_count, like_count, comment_count, share_count, favorite_count, observed_at
{%- endset %}

select 'research' as source, 'videos' as dataset, {{ columns }}
from {{ ref('stg_research__videos') }}
{% for name in research_lists %}
union all
select 'research' as source, '{{ name }}' as dataset, {{ columns }}
from {{ ref('stg_research__' ~ name) }}
{% endfor %}
{% for name in ensembledata_posts %}
union all
-- EnsembleData dataset names carry an `ed_` prefix: at equal observation times they sort first, so the
-- marts' latest counts are EnsembleData's live ones rather than the Research API's (which lag up to 10 days).
select 'ensembledata' as source, 'ed_{{ name }}' as dataset, {{ columns }}
from {{ ref('stg_ensembledata__' ~ name) }}
{% endfor %}
