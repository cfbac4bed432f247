{#- EnsembleData in the project's vocabulary. `ed_video_columns()` maps a post of any EnsembleData post dataset
    (TikTok's aweme shape: author and music structs, statistics named play/digg/collect) to the columns every
    video-shaped model shares (macros/video_columns.sql): one video_id, username, view_count, like_count, … .
    Durations come in milliseconds (video.duration); the vocabulary has seconds. -#}
{% macro ed_video_columns() -%}
    aweme_id                                   as video_id,
    author.unique_id                           as username,
    timezone('UTC', create_time)               as created_at,
    cast(timezone('UTC', create_time) as date) as created_date,
    region                                     as region_code,
    description,
    music.id                                   as music_id,
    cast(null as bigint)                       as playlist_id,
    list_transform(coalesce(hashtags, []), lambda h: lower(trim(h))) as hashtags,
    duration_ms // 1000                        as duration_s,
    play_count                                 as view_count,
    digg_count                                 as like_count,
    comment_count,
    share_count,
    collect_count                              as favorite_count,
    timezone('UTC', collected_at)              as observed_at
{%- endmacro %}


{#- A per-entity snapshot of an EnsembleData dataset (`<dim>=<entity>/snapshot=<day>`): the entity as
    `entity_as`, the snapshot day, then the caller's columns (which must include observed_at); one row per
    (entity, snapshot day, `key`), the latest observation. -#}
{% macro ed_snapshot(table_name, dim, entity_as, key) -%}
with observations as (
    select
        src."{{ dim }}"               as {{ entity_as }},
        cast(src."snapshot" as date)  as snapshot_date,
        {{ caller() }}
    from {{ lake_source('ensembledata', table_name) }} as src  -- qualified: a dim may share a column's alias
)

select *
from observations
qualify row_number() over (
    partition by {{ entity_as }}, snapshot_date, {{ key }} order by observed_at desc
) = 1
{%- endmacro %}


{#- A post dataset snapshotted per entity, in the video vocabulary, plus what only EnsembleData says. -#}
{% macro ed_post_snapshot(table_name, dim, entity_as) -%}
{% call ed_snapshot(table_name, dim, entity_as, 'video_id') -%}
        {{ ed_video_columns() }},
        author.uid                                 as author_uid,
        coalesce(is_top, false)                    as is_pinned,
        download_count,
        forward_count,
        desc_language                              as language
{%- endcall %}
{%- endmacro %}


{#- A follow list of a monitored account (followers or followings), one row per (account, snapshot day, other
    account); `role` names the other account (follower, followee). -#}
{% macro ed_follow_edges(table_name, role) -%}
{% call ed_snapshot(table_name, 'account', 'account_username', role ~ '_uid') -%}
        uid                            as {{ role }}_uid,
        unique_id                      as {{ role }}_username,
        nickname                       as {{ role }}_display_name,
        timezone('UTC', collected_at)  as observed_at
{%- endcall %}
{%- endmacro %}
