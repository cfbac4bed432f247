-- Videos an account liked (user/liked_videos endpoint), per account snapshot day.
-- Grain: one row per (account, snapshot day, video), the latest observation.
{% call account_snapshot('liked_videos', 'video_id') -%}
        {{ video_columns() }}
{%- endcall %}
