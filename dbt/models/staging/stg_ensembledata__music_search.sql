-- Music Search (tt/music/info): the sounds matching a keyword, per snapshot day, in the API's order.
-- Grain: one row per (keyword, snapshot day, sound).
{% call ed_snapshot('music_search', 'keyword', 'keyword', 'music_id') -%}
        music_id,
        rank,
        title,
        author,
        duration                       as duration_s,
        original                       as is_original,
        user_count                     as videos_using,
        timezone('UTC', collected_at)  as observed_at
{%- endcall %}
