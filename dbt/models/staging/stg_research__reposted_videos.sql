-- Videos an account reposted (user/reposted_videos endpoint), per account snapshot day.
-- Grain: one row per (account, snapshot day, video), the latest observation.
{% call account_snapshot('reposted_videos', 'video_id') -%}
        {{ video_columns() }}
{%- endcall %}
