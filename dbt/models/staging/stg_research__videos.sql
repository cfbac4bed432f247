-- Videos from the video query endpoint. Grain: one row per video and observation day (the latest
-- observation of that day across the queries that found it), so engagement growth between days survives.
-- Incremental by the `date` partition (the video's UTC creation day): a run replaces exactly its window.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_window('partition_date') }}",
) }}

with observations as (
    select
        {{ video_columns() }},
        cast(timezone('UTC', collected_at) as date) as observed_date,
        "query"                                     as query,
        cast("date" as date)                        as partition_date
    from {{ lake_source('research', 'videos') }}
    where {{ source_window('"date"') }}
),

latest as (
    select * exclude (query)
    from observations
    qualify row_number() over (
        partition by video_id, observed_date order by observed_at desc, query
    ) = 1
),

matched_queries as (
    select video_id, observed_date, list(distinct query order by query) as queries
    from observations
    group by video_id, observed_date
)

select latest.*, matched_queries.queries
from latest
join matched_queries using (video_id, observed_date)
