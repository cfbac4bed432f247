{#- The lake as dbt sees it. The path comes from the var Dagster passes (settings.lake_dir()), else the same
    environment variables settings.py reads, so a hand run and a Dagster run read the same files. -#}
{% macro lake_dir() -%}
    {{ return(var('lake_dir', env_var('TIKTOK_LAKE_DIR', env_var('TIKTOK_DATA_DIR', '../data') ~ '/lake'))) }}
{%- endmacro %}


{#- A lake source as a relation. A dataset with no files yet (never collected) would make read_parquet fail,
    so it becomes an empty relation typed from the columns declared in sources.yml: the build still succeeds
    and the downstream models are simply empty. -#}
{% macro lake_source(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set pattern = lake_dir() ~ '/' ~ source_name ~ '/' ~ table_name ~ '/**/*.parquet' -%}
    {%- set found = run_query("select count(*) from glob('" ~ pattern ~ "')").columns[0].values()[0] -%}
    {%- if found > 0 -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] -%}
    {%- set columns = [] -%}
    {%- for name, column in node.columns.items() -%}
        {%- do columns.append('cast(null as ' ~ column.data_type ~ ') as ' ~ adapter.quote(name)) -%}
    {%- endfor -%}
    {{ return('(select ' ~ columns | join(', ') ~ ' where false)') }}
{%- endmacro %}
