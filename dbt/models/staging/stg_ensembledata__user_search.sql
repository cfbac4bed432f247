-- User Search (tt/user/search): the accounts matching a keyword, per snapshot day, in the API's order.
-- Grain: one row per (keyword, snapshot day, account).
{% call ed_snapshot('user_search', 'keyword', 'keyword', 'uid') -%}
        uid,
        rank,
        unique_id                      as username,
        nickname                       as display_name,
        verified                       as is_verified,
        follower_count,
        video_count,
        timezone('UTC', collected_at)  as observed_at
{%- endcall %}
