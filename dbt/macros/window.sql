{#- Incremental by partition. Dagster passes the partition's time window as vars min_date (inclusive) and
    max_date (exclusive), both YYYY-MM-DD; without them the window is "everything". An incremental model
    deletes its window and re-inserts it, so a re-materialized partition replaces exactly its own rows
    (the lake replaces partitions the same way), and a run without a window rebuilds the whole table. -#}
{% macro window_predicate(column) -%}
    {%- if var('min_date', '') and var('max_date', '') -%}
        {{ column }} >= '{{ var("min_date") }}' and {{ column }} < '{{ var("max_date") }}'
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#- pre_hook of an incremental model: remove the rows of the window about to be re-inserted. -#}
{% macro delete_window(column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ window_predicate(column) }}
    {%- endif -%}
{%- endmacro %}


{#- The source filter of an incremental model: the window on an incremental run, everything otherwise. -#}
{% macro source_window(column) -%}
    {%- if is_incremental() -%}
        {{ window_predicate(column) }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
