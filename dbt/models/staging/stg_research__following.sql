-- Accounts an account follows (user/following endpoint), per snapshot day.
-- Grain: one row per (account, snapshot day, followed account).
{% call account_snapshot('following', 'followee_username') -%}
        username                       as followee_username,
        display_name                   as followee_display_name,
        timezone('UTC', collected_at)  as observed_at
{%- endcall %}
