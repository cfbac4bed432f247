-- One row per video: its attributes and counts as of the latest observation in any dataset of either source,
-- when it was first and last observed (how often, by which datasets), and which sources saw it.
with observations as (
    select * from {{ ref('int_video_observations') }}
),

latest as (
    select * exclude (dataset, source)
    from observations
    qualify row_number() over (partition by video_id order by observed_at desc, dataset) = 1
),

spans as (
    select
        video_id,
        min(observed_at)                               as first_observed_at,
        max(observed_at)                               as last_observed_at,
        count(*)                                       as n_observations,
        list(distinct dataset order by dataset)        as seen_in,
        list(distinct source order by source)          as sources
    from observations
    group by video_id
)

select
    latest.video_id,
    latest.username,
    latest.created_at,
    latest.created_date,
    hour(latest.created_at)                            as created_hour_utc,
    isodow(latest.created_at)                          as created_isodow_utc,
    latest.region_code,
    latest.description,
    latest.music_id,
    latest.playlist_id,
    latest.hashtags,
    latest.duration_s,
    latest.view_count,
    latest.like_count,
    latest.comment_count,
    latest.share_count,
    latest.favorite_count,
    coalesce(latest.like_count, 0) + coalesce(latest.comment_count, 0)
        + coalesce(latest.share_count, 0)              as engagement,
    latest.observed_at                                 as counts_observed_at,
    spans.first_observed_at,
    spans.last_observed_at,
    spans.n_observations,
    spans.seen_in,
    spans.sources,
    list_contains(spans.sources, 'research')           as seen_by_research,
    list_contains(spans.sources, 'ensembledata')       as seen_by_ensembledata
from latest
join spans using (video_id)
