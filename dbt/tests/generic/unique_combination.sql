{#- A composite key: no two rows share the same values in all `columns` (dbt_utils has this; no packages
    can be fetched offline, so it lives here). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
