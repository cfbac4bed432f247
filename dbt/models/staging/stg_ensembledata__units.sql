-- EnsembleData units used per UTC day: as the API reports them, and as this project's quota ledger booked
-- them. Grain: one row per day, the latest observation (a day observed while it was still running is
-- superseded by a later observation).
with observations as (
    select
        cast(timezone('UTC', "day") as date)  as day,
        units,
        ledger_units,
        units - ledger_units                   as units_not_booked,
        timezone('UTC', collected_at)          as observed_at
    from {{ lake_source('ensembledata', 'units') }}
)

select *
from observations
qualify row_number() over (partition by day order by observed_at desc) = 1
