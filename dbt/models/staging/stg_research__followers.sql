-- Followers of an account (user/followers endpoint), per snapshot day.
-- Grain: one row per (account, snapshot day, follower).
{% call account_snapshot('followers', 'follower_username') -%}
        username                       as follower_username,
        display_name                   as follower_display_name,
        timezone('UTC', collected_at)  as observed_at
{%- endcall %}
