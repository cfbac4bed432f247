"""What collecting EnsembleData for a monitoring.yaml over ``start``..``end`` will cost, in units, per asset.

Three grounds, each line saying which it used:
- **the probe** (``plan --probe-posts``, ``forecast.ensembledata_probe``): the range's user posts walked as the
  asset walks them, so the user posts line is what the probe spent and the comments line (without replies)
  counts the pages of the posts each day will choose;
- **history** (``forecast.history``): what the instance recorded each partition spent. Posted-day assets (user
  posts, comments) cost the mean of their recorded days per day, ± the range the recorded days' variation
  gives (``ForecastLine.spread``); a live asset (profiles, sound details) its last run per run, post
  statistics the recorded posts a day (EnsembleData's or the Research videos', the larger) over
  ``refresh_days``; an "about X" asset each entity's last snapshot per snapshot. The days are averaged as
  recorded: a backfill walks each account once for its whole range, a daily run once a day, so a history of
  daily runs forecasts a backfill's user posts high (and the other way round). The pinned-post calls an old
  window's user posts make (one per account) are recorded apart and added only where the window needs them. What a search returns cannot be known before asking; what the same search cost last time can.
- **the model**, where there is no history, following how the assets spend (``defs/ensembledata``) and the
  assumed prices (``endpoints.ensembledata.PRICES``: a unit a call, a unit per 10 posts of user-posts depth,
  two units per started block of 20 posts for the full searches; EnsembleData does not publish per-endpoint
  prices): posted-day assets walk each account once per backfill (``posts_per_day`` x days / 10 chunks, plus
  the chunk that overshoots the window); searches return the volumes below (the API's caps where it has
  them), each line saying it assumed them.
Live data cannot be backfilled: ``snapshots`` is how many runs of each live and "about X" asset the period
holds (default 1, what a backfill plus one snapshot costs — as the Research forecast counts its live
endpoints; the shipped schedules run the live assets daily and the "about X" ones weekly).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime

from tiktok_assets.clock import clock_now
from tiktok_assets.config import Monitoring, dynamic_keys
from tiktok_assets.config.ensembledata import EnsembleDataSettings
from tiktok_assets.defs.ensembledata.days import reads_from_top
from tiktok_assets.endpoints import ensembledata as ed
from tiktok_assets.endpoints.spec import Endpoint, PartitionKind
from tiktok_assets.forecast.ensembledata_probe import PostsProbe
from tiktok_assets.forecast.history import History, mean_of, spread_of
from tiktok_assets.forecast.line import ForecastLine

API = "ensembledata"
# Volumes assumed where the API's answer cannot be known in advance (posts or items a snapshot returns).
HASHTAG_POSTS = 5_000  # Hashtag Search stops at ~4-5k posts (reference): an upper bound
RECENT_POSTS_PER_DAY = 100  # posts a day carrying a monitored hashtag, for Full Hashtag Search
KEYWORD_POSTS = 1_000  # posts a keyword matches in its period
SEARCH_RESULTS = 100  # accounts or sounds a user or music search returns
LIST_ITEMS = 500  # liked posts, followers or followings of an account (followers stop at 5,000)
MUSIC_POSTS = 1_000  # posts using a monitored sound
COMMENT_PAGE = 30  # comments a page (reference: "≤30 a page")
COMMENT_PAGES = 3  # pages (of ≤30) per most-commented post; each replied-to comment adds a page with replies
REPLY_PAGES = 10
PAGE = {ed.HASHTAG_POSTS.path: 20, ed.KEYWORD_POSTS.path: 20, ed.USER_SEARCH.path: 10, ed.MUSIC_SEARCH.path: 20,
        ed.LIKED_POSTS.path: 30, ed.FOLLOWERS.path: 100, ed.FOLLOWINGS.path: 100, ed.MUSIC_POSTS.path: 20}  # fmt: skip
ENTITIES = {PartitionKind.HASHTAG: "hashtags", PartitionKind.KEYWORD: "keywords",
            PartitionKind.ACCOUNT: "accounts", PartitionKind.MUSIC: "music"}  # fmt: skip
SPENT = "units_spent"  # the partition figures the history keeps
PINNED = "pinned_units"  # the part of a user-posts day's units that paid for the pinned-post calls
ROWS = "dagster/row_count"


def asset_name(endpoint: Endpoint) -> str:
    return f"{API}/{endpoint.asset_name}"


def research_videos(monitoring: Monitoring) -> list[str]:
    """The Research video assets: post statistics re-read their videos too."""
    return [f"research/videos_{q.name}" for q in monitoring.queries]


def history_assets(monitoring: Monitoring) -> list[str]:
    """The assets whose recorded figures this forecast reads (``forecast.history``)."""
    return [asset_name(e) for e in ed.ENDPOINTS] + research_videos(monitoring)


def _pages(items: int, per_page: int) -> int:
    return max(1, math.ceil(items / per_page))


def _full_search(posts: int) -> int:
    return max(1, math.ceil(posts / ed.FULL_SEARCH_BLOCK))


def _line(endpoint: Endpoint, amount: float, basis: str) -> ForecastLine:
    return ForecastLine(asset_name(endpoint), API, "units", int(math.ceil(amount)), basis)


def _posted_day_model(
    endpoint: Endpoint, s: EnsembleDataSettings, accounts: int, days: int
) -> tuple[int, str]:
    if endpoint is ed.USER_POSTS:
        chunks = math.ceil(s.posts_per_day * days / 10) + 1
        return accounts * chunks * ed.PRICES[endpoint.path], (
            f"{accounts} accounts x one walk of {days} days: {s.posts_per_day:g} posts/day (assumed) / 10 a "
            "chunk, +1 overshooting chunk per walk"
        )
    if not s.comments.enabled:
        return 0, "comments are disabled in monitoring.yaml"
    pages = COMMENT_PAGES + (REPLY_PAGES if s.comments.replies else 0)
    return days * s.comments.max_videos_per_day * pages * ed.PRICES[endpoint.path], (
        f"{days} days x {s.comments.max_videos_per_day} most-commented posts x {COMMENT_PAGES}"
        f"{f' + {REPLY_PAGES} reply' if s.comments.replies else ''} pages (assumed)"
    )


def _live_model(endpoint: Endpoint, m: Monitoring, history: History) -> tuple[int, str]:
    """Units of one run of a collection-day asset."""
    s, accounts = m.ensembledata, len(m.accounts)
    if endpoint is ed.USER_INFO:
        return accounts, f"{accounts} accounts x 1 call"
    if endpoint is ed.MUSIC_DETAILS:
        return len(s.music), f"{len(s.music)} sounds x 1 call"
    # post_stats re-reads the posts of the last refresh_days either source stored (they overlap: the larger of
    # the two sources' recorded posts a day), else assumed
    ed_posts = history.mean(asset_name(ed.USER_POSTS), ROWS)
    research = [history.mean(a, ROWS) for a in research_videos(m)]
    recorded = max((ed_posts or (0.0, 0))[0], sum(r[0] for r in research if r))
    per_day, grounds = (recorded, "recorded") if recorded else (accounts * s.posts_per_day, "assumed")
    refreshed = per_day * s.refresh_days
    return math.ceil(refreshed / 100) + len(s.post_urls), (
        f"~{refreshed:.0f} posts of the last {s.refresh_days} days ({per_day:.1f} a day, {grounds}) / 100 a call "
        f"+ {len(s.post_urls)} tracked URLs"
    )


def _snapshot_model(endpoint: Endpoint, s: EnsembleDataSettings, entity: str) -> tuple[int, str]:
    """Units of one snapshot of one entity (an account, hashtag, keyword or sound)."""
    price = ed.PRICES[endpoint.path]
    if endpoint.partition is PartitionKind.ACCOUNT:
        lookup = 0 if entity in s.sec_uids else 1  # no secUid in monitoring.yaml: one tt/user/info first
        pages = _pages(LIST_ITEMS, PAGE[endpoint.path])
        return pages * price + lookup, f"{pages} page(s) of ~{LIST_ITEMS} items (assumed) + secUid lookups"
    if endpoint is ed.HASHTAG_RECENT_POSTS:
        recent = RECENT_POSTS_PER_DAY * s.hashtag_recent_days
        return _full_search(
            recent
        ) * price, f"~{recent:,} posts ({RECENT_POSTS_PER_DAY}/day assumed) / 20 a block"
    if endpoint is ed.KEYWORD_FULL_POSTS:
        return _full_search(KEYWORD_POSTS) * price, f"~{KEYWORD_POSTS:,} posts (assumed) / 20 a block"
    volume = {ed.HASHTAG_POSTS.path: (HASHTAG_POSTS, "posts (the API's cap)"),
              ed.KEYWORD_POSTS.path: (KEYWORD_POSTS, "matching posts (assumed)"),
              ed.USER_SEARCH.path: (SEARCH_RESULTS, "accounts (assumed)"),
              ed.MUSIC_SEARCH.path: (SEARCH_RESULTS, "sounds (assumed)"),
              ed.MUSIC_POSTS.path: (MUSIC_POSTS, "posts a sound (assumed)")}[endpoint.path]  # fmt: skip
    pages = _pages(volume[0], PAGE[endpoint.path])
    return pages * price, f"~{volume[0]:,} {volume[1]} / {PAGE[endpoint.path]} a page"


def _pinned_calls(endpoint: Endpoint, m: Monitoring, end: date, now: datetime) -> tuple[int, str]:
    """Units of the calls from the top a user-posts window needs for its pinned posts: one a monitored account
    when the window ends too long before ``now`` for its walk to start at the top (``defs/ensembledata/days``),
    as one backfill run asks them."""
    if endpoint is not ed.USER_POSTS or reads_from_top(end, now):
        return 0, ""
    units = len(m.accounts) * ed.PRICES[endpoint.path]
    return units, (
        f" + {units} units: one call from the top an account for its pinned posts (an old window; an account "
        "the API refuses is charged nothing)"
    )


def _walk_units(history: History, asset: str) -> dict[str, int]:
    """Each recorded day's units without its share of the pinned-post calls (recorded apart: they follow the
    window's age, not the day's posts)."""
    pinned = history.partitions(asset, PINNED)
    return {key: units - pinned.get(key, 0) for key, units in history.partitions(asset, SPENT).items()}


def _probed(endpoint: Endpoint, m: Monitoring, start: date, end: date, found: PostsProbe) -> ForecastLine | None:  # fmt: skip
    """A posted-day line from the probe of the range's posts: user posts cost what the probe spent (the same
    walks); comments without replies the pages of the posts each day will choose (≤30 comments a page). None
    for comments with replies: how many replies a comment has is not in its post."""
    if endpoint is ed.USER_POSTS:
        return _line(
            endpoint, found.units, f"what --probe-posts spent walking the range: {found.requests} calls"
        )
    s = m.ensembledata.comments
    if not s.enabled:
        return _line(endpoint, 0, "comments are disabled in monitoring.yaml")
    if s.replies:
        return None
    chosen = [(vid, counts) for counts in found.posts.values() for vid in s.choose(counts)]
    pages = sum(_pages(counts[vid], COMMENT_PAGE) for vid, counts in chosen)
    return _line(endpoint, pages * ed.PRICES[endpoint.path],
                 f"{len(chosen)} most-commented posts of {start}..{end} (--probe-posts) x their comments "
                 f"/ {COMMENT_PAGE} a page")  # fmt: skip


def _posted_day(endpoint: Endpoint, m: Monitoring, end: date, days: int, history: History, now: datetime) -> ForecastLine:  # fmt: skip
    asset = asset_name(endpoint)
    pinned, pinned_basis = _pinned_calls(endpoint, m, end, now)
    walked = _walk_units(history, asset)
    recorded = mean_of(walked.values())
    if recorded:
        per_day, n = recorded
        return ForecastLine(asset, API, "units", math.ceil(per_day * days) + pinned,
                            f"{days} days x {per_day:.2f} units a day, the mean of {n} recorded day(s){pinned_basis}",
                            spread=spread_of(walked.values(), days))  # fmt: skip
    amount, basis = _posted_day_model(endpoint, m.ensembledata, len(m.accounts), days)
    return _line(endpoint, amount + pinned, basis + pinned_basis)


def _live(endpoint: Endpoint, m: Monitoring, snapshots: int, history: History) -> ForecastLine:
    recorded = history.latest(asset_name(endpoint), SPENT)
    if recorded and endpoint is not ed.POST_STATS:  # post_stats follows the lake's recent posts instead
        key, units = recorded
        return _line(
            endpoint,
            units * snapshots,
            f"{snapshots} run(s) x {units} units, what its last run ({key}) spent",
        )
    units, basis = _live_model(endpoint, m, history)
    return _line(endpoint, units * snapshots, f"{snapshots} run(s) x {units} units: {basis}")


def _snapshots(
    endpoint: Endpoint, m: Monitoring, snapshots: int, history: History, keys: Mapping[str, tuple[str, ...]]
) -> ForecastLine:
    entities = keys[ENTITIES[endpoint.partition]]
    recorded = history.partitions(asset_name(endpoint), SPENT)
    per_snapshot, modelled, basis = 0, 0, ""
    for entity in entities:
        if entity in recorded:
            per_snapshot += recorded[entity]
        else:
            units, basis = _snapshot_model(endpoint, m.ensembledata, entity)
            per_snapshot, modelled = per_snapshot + units, modelled + 1
    known = len(entities) - modelled
    grounds = ", ".join(
        part for part in (f"{known} from their last snapshot" if known else "",
                          f"{modelled} modelled: {basis}" if modelled else "") if part
    )  # fmt: skip
    what = ENTITIES[endpoint.partition]
    return _line(endpoint, per_snapshot * snapshots,
                 f"{snapshots} snapshot(s) x {len(entities)} {what} = {per_snapshot} units each time ({grounds})")  # fmt: skip


def forecast(
    monitoring: Monitoring, start: date, end: date, *, snapshots: int = 1, history: History | None = None,
    now: datetime | None = None, probe: PostsProbe | None = None,
) -> list[ForecastLine]:  # fmt: skip
    """Units per EnsembleData asset to collect ``start``..``end`` (inclusive) for ``monitoring``, from ``now``
    (default: the backend clock); ``probe``: the range's posts, asked (``ensembledata_probe``)."""
    days = (end - start).days + 1
    history = history or History()
    now = now or clock_now()
    keys = dynamic_keys(monitoring)
    lines = []
    for endpoint in ed.ENDPOINTS:
        if endpoint is ed.UNITS:
            lines.append(_line(endpoint, 0, "free: /customer endpoints cost no units"))
        elif endpoint.partition is PartitionKind.DAY:
            probed = _probed(endpoint, monitoring, start, end, probe) if probe else None
            lines.append(probed or _posted_day(endpoint, monitoring, end, days, history, now))
        elif endpoint.partition is PartitionKind.COLLECTION_DAY:
            lines.append(_live(endpoint, monitoring, snapshots, history))
        else:
            lines.append(_snapshots(endpoint, monitoring, snapshots, history, keys))
    return lines
