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
    {%- set daily_root = lake_dir() ~ '/' ~ source_name ~ '/' ~ table_name ~ '/' -%}
    {%- set pattern = daily_root ~ '**/*.parquet' -%}
    {%- set marker = '/_compacted/' ~ source_name ~ '/' ~ table_name ~ '/' -%}
    {%- set options = "hive_partitioning=true, union_by_name=true, hive_types_autocast=false" -%}
    {#- One query: the daily files, the monthly copies (tiktok_assets/lake/compaction.py) and the daily files no
        copy covers. Both sides are paths as glob() writes them, each cut to "…/<s>/<t>/<dims>/date=YYYY-MM-":
        …/_compacted/s/t/query=x/month=2026-05/part-0.parquet covers …/s/t/query=x/date=2026-05-*/…. -#}
    {%- set listing -%}
        with daily as (
            select file, regexp_replace(file, '/date=(\d{4}-\d{2})-\d{2}/[^/]*$', '/date=\1-') as month_prefix
            from glob('{{ pattern }}')
        ),
        copies as (select file from glob('{{ lake_dir() ~ marker }}**/*.parquet')),
        covered as (
            select regexp_replace(replace(file, '{{ marker }}', '/{{ source_name }}/{{ table_name }}/'),
                                  '/month=(\d{4}-\d{2})/[^/]*$', '/date=\1-') as month_prefix
            from copies
        )
        select
            (select count(*) from daily),
            (select coalesce(string_agg(file, '|' order by file), '') from copies),
            (select coalesce(string_agg(file, '|' order by file), '') from daily
             where month_prefix not in (select month_prefix from covered))
    {%- endset -%}
    {%- set row = run_query(listing).rows[0] -%}
    {%- if row[0] > 0 and not row[1] -%}
        {{ return("read_parquet('" ~ pattern ~ "', " ~ options ~ ")") }}
    {%- elif row[0] > 0 -%}
        {%- set copies = "select * exclude (month) from read_parquet(['" ~ row[1].split('|') | join("', '") ~ "'], "
            ~ options ~ ")" -%}
        {%- if not row[2] -%}
            {{ return("(" ~ copies ~ ")") }}
        {%- endif -%}
        {{ return("(select * from read_parquet(['" ~ row[2].split('|') | join("', '") ~ "'], " ~ options
            ~ ") union all by name " ~ copies ~ ")") }}
    {%- endif -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] -%}
    {%- set columns = [] -%}
    {%- for name, column in node.columns.items() -%}
        {%- do columns.append('cast(null as ' ~ column.data_type ~ ') as ' ~ adapter.quote(name)) -%}
    {%- endfor -%}
    {{ return('(select ' ~ columns | join(', ') ~ ' where false)') }}
{%- endmacro %}

