{#- The shape of every per-account snapshot dataset (followers, following, liked/pinned/reposted videos): the
    account and snapshot day from the lake's partition dims, then the caller's columns (which must include
    observed_at); one row per (account, snapshot day, `key`), the latest observation. Use it as
    {% call account_snapshot('followers', 'follower_username') %} columns {% endcall %}. -#}
{% macro account_snapshot(table_name, key) -%}
with observations as (
    select
        "account"                 as account_username,
        cast("snapshot" as date)  as snapshot_date,
        {{ caller() }}
    from {{ lake_source('research', table_name) }}
)

select *
from observations
qualify row_number() over (
    partition by account_username, snapshot_date, {{ key }} order by observed_at desc
) = 1
{%- endmacro %}
