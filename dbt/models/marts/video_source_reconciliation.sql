-- Cross-source reconciliation: the Research API against EnsembleData, video by video.
--
-- Rows: every video both sources saw (anywhere), and every video of a comparable account and window that only
-- one of them saw. A comparable (account, day) is one both sources collected completely: an account
-- EnsembleData could read (its user posts, or a public profile with status ok) on a UTC day inside a window of
-- an EnsembleData user-posts run and of a Research video-query run (the rows' window_start/window_end), so a
-- video missing on one side there is a video that source did not return. Put the accounts in a Research query
-- (`from: accounts`) for the comparison to cover them.
--
-- Counts: the Research API's latest observation against EnsembleData's observation nearest to it in time
-- (`observation_gap_s`); `*_delta` = Research − EnsembleData (negative: the Research API reports less). The
-- Research API's statistics lag by up to 10 days, so at equal observation times its counts are at most
-- EnsembleData's. `attributes_match`: author, creation time, description, hashtags and sound agree.
with observations as (
    select * from {{ ref('int_video_observations') }}
),

research as (
    select *
    from observations
    where source = 'research'
    qualify row_number() over (partition by video_id order by observed_at desc, dataset) = 1
),

ensembledata_nearest as (
    -- for a video the Research API saw: EnsembleData's observation nearest to Research's (ties: the later)
    select
        ed.*,
        abs(date_diff('second', ed.observed_at, research.observed_at)) as gap_s
    from observations as ed
    join research using (video_id)
    where ed.source = 'ensembledata'
    qualify row_number() over (
        partition by ed.video_id order by gap_s, ed.observed_at desc, ed.dataset
    ) = 1
),

ensembledata_latest as (
    select *
    from observations
    where source = 'ensembledata'
    qualify row_number() over (partition by video_id order by observed_at desc, dataset) = 1
),

ensembledata as (
    -- nearest to Research's observation where Research saw the video, else EnsembleData's latest
    select * exclude (gap_s) from ensembledata_nearest
    union all
    select * from ensembledata_latest
    where video_id not in (select video_id from ensembledata_nearest)
),

research_windows as (
    select distinct timezone('UTC', window_start) as window_start, timezone('UTC', window_end) as window_end
    from {{ lake_source('research', 'videos') }}
    where window_start is not null and window_end is not null
),

ensembledata_windows as (
    select distinct timezone('UTC', window_start) as window_start, timezone('UTC', window_end) as window_end
    from {{ lake_source('ensembledata', 'user_posts') }}
    where window_start is not null and window_end is not null
),

comparable_accounts as (
    select distinct username from {{ ref('stg_ensembledata__user_posts') }}
    union
    select distinct username from {{ ref('stg_ensembledata__user_info') }}
    where status = 'ok' and not coalesce(is_private, false)
),

videos as (
    select
        video_id,
        username,
        created_at,
        created_date,
        seen_by_research,
        seen_by_ensembledata,
        username in (select username from comparable_accounts)
            and exists (
                select 1 from research_windows as w
                where fct.created_at >= w.window_start and fct.created_at < w.window_end
            )
            and exists (
                select 1 from ensembledata_windows as w
                where fct.created_at >= w.window_start and fct.created_at < w.window_end
            ) as comparable
    from {{ ref('fct_videos') }} as fct
)

select
    videos.video_id,
    videos.username,
    videos.created_at,
    videos.created_date,
    videos.comparable,
    case
        when videos.seen_by_research and videos.seen_by_ensembledata then 'both'
        when videos.seen_by_research then 'research_only'
        else 'ensembledata_only'
    end                                                              as coverage,
    research.observed_at                                             as research_observed_at,
    ensembledata.observed_at                                         as ensembledata_observed_at,
    abs(date_diff('second', research.observed_at, ensembledata.observed_at)) as observation_gap_s,
    {%- for count in ['view_count', 'like_count', 'comment_count', 'share_count', 'favorite_count'] %}
    research.{{ count }}                                         as research_{{ count }},
    ensembledata.{{ count }}                                     as ensembledata_{{ count }},
    research.{{ count }} - ensembledata.{{ count }}              as {{ count }}_delta,
    {%- endfor %}
    case
        when research.video_id is null or ensembledata.video_id is null then null
        else research.username = ensembledata.username
            and research.created_at = ensembledata.created_at
            and coalesce(research.description, '') = coalesce(ensembledata.description, '')
            and research.hashtags = ensembledata.hashtags
            and research.music_id is not distinct from ensembledata.music_id
    end                                                              as attributes_match
from videos
left join research using (video_id)
left join ensembledata using (video_id)
where (videos.seen_by_research and videos.seen_by_ensembledata) or videos.comparable
