-- Per account and UTC day: videos posted that day, engagement gained that day, and the profile snapshot.
-- Built from either source (or both): videos and their counts from every video-shaped dataset of the Research
-- API and EnsembleData (int_video_observations), profiles from either's user info.
-- "Gained on day d" is the growth between a video's previous observation and its last observation on d,
-- summed over the account's videos; a video's first observation counts from zero (counts start at zero
-- when a video is posted), so summing gains over all days gives the latest totals.
with daily_video_counts as (
    -- the last observation of each video on each day
    select
        username,
        video_id,
        cast(observed_at as date) as day,
        view_count, like_count, comment_count, share_count
    from {{ ref('int_video_observations') }}
    qualify row_number() over (
        partition by video_id, cast(observed_at as date) order by observed_at desc, dataset
    ) = 1
),

video_gains as (
    select
        username,
        day,
        view_count    - coalesce(lag(view_count)    over w, 0) as views_gained,
        like_count    - coalesce(lag(like_count)    over w, 0) as likes_gained,
        comment_count - coalesce(lag(comment_count) over w, 0) as comments_gained,
        share_count   - coalesce(lag(share_count)   over w, 0) as shares_gained
    from daily_video_counts
    window w as (partition by video_id order by day)
),

gained as (
    select
        username,
        day,
        sum(views_gained)::bigint    as views_gained,
        sum(likes_gained)::bigint    as likes_gained,
        sum(comments_gained)::bigint as comments_gained,
        sum(shares_gained)::bigint   as shares_gained
    from video_gains
    group by username, day
),

posted as (
    select
        username,
        created_date     as day,
        count(*)         as videos_posted,
        sum(view_count)::bigint  as views_of_videos_posted,
        sum(engagement)::bigint  as engagement_of_videos_posted
    from {{ ref('fct_videos') }}
    group by username, created_date
),

profile_snapshots as (
    -- A profile from either source; where both observed the account that day, the Research API's.
    select username, snapshot_date, follower_count, following_count, likes_count, video_count,
           'research' as profile_source, 1 as preference
    from {{ ref('stg_research__user_info') }}
    where status = 'ok'
    union all
    select username, snapshot_date, follower_count, following_count, likes_count, video_count,
           'ensembledata' as profile_source, 2 as preference
    from {{ ref('stg_ensembledata__user_info') }}
    where status = 'ok'
),

chosen_profiles as (
    select *
    from profile_snapshots
    qualify row_number() over (partition by username, snapshot_date order by preference) = 1
),

profiles as (
    select
        username,
        snapshot_date    as day,
        follower_count   as followers,
        following_count  as following,
        likes_count      as profile_likes,
        video_count      as profile_videos,
        profile_source,
        follower_count - lag(follower_count) over (partition by username order by snapshot_date)
                         as followers_gained
    from chosen_profiles
),

keys as (
    select username, day from gained
    union
    select username, day from posted
    union
    select username, day from profiles
)

select
    keys.username,
    keys.day,
    coalesce(posted.videos_posted, 0)                  as videos_posted,
    coalesce(posted.views_of_videos_posted, 0)         as views_of_videos_posted,
    coalesce(posted.engagement_of_videos_posted, 0)    as engagement_of_videos_posted,
    coalesce(gained.views_gained, 0)                   as views_gained,
    coalesce(gained.likes_gained, 0)                   as likes_gained,
    coalesce(gained.comments_gained, 0)                as comments_gained,
    coalesce(gained.shares_gained, 0)                  as shares_gained,
    profiles.followers,
    profiles.followers_gained,
    profiles.following,
    profiles.profile_likes,
    profiles.profile_videos,
    profiles.profile_source
from keys
left join posted   using (username, day)
left join gained   using (username, day)
left join profiles using (username, day)
where keys.username is not null
