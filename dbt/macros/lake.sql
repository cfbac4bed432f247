{#- Where the lake is, as dbt sees it: a folder or an s3:// URL (read through httpfs, see profiles.yml).
    Dagster passes it (`--vars lake_dir`, from the lake resource, the one place that knows); a hand run falls
    back to the environment variables the resource reads. -#}
{% macro lake_dir() -%}
    {{ return(var('lake_dir', env_var('TIKTOK_LAKE_URL', env_var('TIKTOK_LAKE_DIR', env_var('TIKTOK_DATA_DIR', '../data') ~ '/lake')))) }}
{%- endmacro %}


{#- A lake source as a relation: read_parquet over <lake>/<source>/<table>/**, hive dims as VARCHAR.
    `source()` is still called so dbt (and Dagster's lineage) see the dependency. A dataset with no files yet
    (never collected) would make read_parquet fail, so it becomes an empty relation typed from the columns
    declared in sources.yml (generated from the lake's dataset declarations): the build still succeeds and
    the downstream models are simply empty. -#}
{% macro lake_source(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set pattern = lake_dir() ~ '/' ~ source_name ~ '/' ~ table_name ~ '/**/*.parquet' -%}
    {%- set found = run_query("select count(*) from glob('" ~ pattern ~ "')").columns[0].values()[0] -%}
    {%- if found > 0 -%}
        {{ return("read_parquet('" ~ pattern ~ "', hive_partitioning=true, union_by_name=true, hive_types_autocast=false)") }}
    {%- endif -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] -%}
    {%- set columns = [] -%}
    {%- for name, column in node.columns.items() -%}
        {%- do columns.append('cast(null as ' ~ column.data_type ~ ') as ' ~ adapter.quote(name)) -%}
    {%- endfor -%}
    {{ return('(select ' ~ columns | join(', ') ~ ' where false)') }}
{%- endmacro %}
