"""What collecting EnsembleData for a monitoring.yaml over ``start``..``end`` will cost, in units, per asset.

The model follows how the assets spend (``defs/ensembledata``) and the assumed prices of the endpoint
declarations (``endpoints.ensembledata.PRICES``: a unit a call, a unit per 10 posts of user-posts depth, two
units per started block of 20 posts for the full searches; EnsembleData does not publish per-endpoint prices, so
check the ``units_charged`` the lake records against these after a first run):

- posted-day assets (user posts, comments) are backfilled 30 days per run (their BackfillPolicy): each account is
  walked once per run, ``posts_per_day`` x days / 10 chunks plus the last chunk that overshoots the window;
- collection-day assets (profiles, sound details, post statistics) run once a day on their schedule;
- the "about X" snapshots run weekly (their schedules), one snapshot per entity and week.
What the API holds for a search is not known before asking: the search lines use the volumes below (the
API's caps where it has them) and say so in their ``basis``; the user-posts and post-statistics lines follow
``ensembledata.posts_per_day``.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from tiktok_assets.config import Monitoring
from tiktok_assets.endpoints import ensembledata as ed
from tiktok_assets.endpoints.spec import Endpoint
from tiktok_assets.forecast.line import ForecastLine

API = "ensembledata"
# The posted-day assets backfill a range in one run (BackfillPolicy.single_run): one walk per account.
# Volumes assumed where the API's answer cannot be known in advance (posts or items a snapshot returns).
HASHTAG_POSTS = 5_000  # Hashtag Search stops at ~4-5k posts (reference): an upper bound
RECENT_POSTS_PER_DAY = 100  # posts a day carrying a monitored hashtag, for Full Hashtag Search
KEYWORD_POSTS = 1_000  # posts a keyword matches in its period
SEARCH_RESULTS = 100  # accounts or sounds a user or music search returns
LIST_ITEMS = 500  # liked posts, followers or followings of an account (followers stop at 5,000)
MUSIC_POSTS = 1_000  # posts using a monitored sound
COMMENT_PAGES = 3  # pages (of ≤30) per most-commented post; each replied-to comment adds a page with replies
REPLY_PAGES = 10
PAGE = {ed.HASHTAG_POSTS.path: 20, ed.KEYWORD_POSTS.path: 20, ed.USER_SEARCH.path: 10, ed.MUSIC_SEARCH.path: 20,
        ed.LIKED_POSTS.path: 30, ed.FOLLOWERS.path: 100, ed.FOLLOWINGS.path: 100, ed.MUSIC_POSTS.path: 20}  # fmt: skip


def _pages(items: int, per_page: int) -> int:
    return max(1, math.ceil(items / per_page))


def _full_search(posts: int) -> int:
    return max(1, math.ceil(posts / ed.FULL_SEARCH_BLOCK))


def _line(endpoint: Endpoint, amount: float, basis: str) -> ForecastLine:
    return ForecastLine(f"{API}/{endpoint.asset_name}", API, "units", int(math.ceil(amount)), basis)


def _weeks(start: date, end: date) -> int:
    """Weekly snapshot runs (Mondays) in the window; at least one."""
    first_monday = start + timedelta(days=(7 - start.weekday()) % 7)
    return max(1, (end - first_monday).days // 7 + 1) if first_monday <= end else 1


def forecast(monitoring: Monitoring, start: date, end: date) -> list[ForecastLine]:
    """Units per EnsembleData asset to collect ``start``..``end`` (inclusive) for ``monitoring``."""
    s = monitoring.ensembledata
    days = (end - start).days + 1
    runs = [days]  # one run per backfill
    weeks = _weeks(start, end)
    accounts, hashtags, keywords = (
        len(monitoring.accounts),
        len(monitoring.hashtags),
        len(monitoring.keywords),
    )
    price = ed.PRICES
    chunks = sum(math.ceil(s.posts_per_day * n / 10) + 1 for n in runs)
    comments = (COMMENT_PAGES + (REPLY_PAGES if s.comments.replies else 0)) * s.comments.max_videos_per_day
    refreshed = (
        accounts * s.posts_per_day * s.refresh_days
    )  # posts in the lake a post_stats partition re-reads
    recent = RECENT_POSTS_PER_DAY * s.hashtag_recent_days

    def weekly(endpoint: Endpoint, per_run: int, what: str, entities: int) -> ForecastLine:
        return _line(endpoint, per_run * price[endpoint.path] * entities * weeks,
                     f"{entities} x {weeks} weekly snapshot(s) x {per_run * price[endpoint.path]} unit(s): {what}")  # fmt: skip

    lines = [
        _line(ed.USER_POSTS, accounts * chunks * price[ed.USER_POSTS.path],
              f"{accounts} accounts x one walk of {days} days: {s.posts_per_day:g} posts/day / 10 "
              "a chunk, +1 overshooting chunk per walk"),
        _line(ed.COMMENTS, days * comments * price[ed.COMMENTS.path] if s.comments.enabled else 0,
              f"{days} days x {s.comments.max_videos_per_day} most-commented posts x "
              f"{COMMENT_PAGES}{f' + {REPLY_PAGES} reply' if s.comments.replies else ''} pages (assumed)"),
        _line(ed.USER_INFO, days * accounts * price[ed.USER_INFO.path], f"{days} days x {accounts} accounts x 1 call"),
        _line(ed.MUSIC_DETAILS, days * len(s.music) * price[ed.MUSIC_DETAILS.path],
              f"{days} days x {len(s.music)} sounds x 1 call"),
        _line(ed.POST_STATS, days * (math.ceil(refreshed / 100) + len(s.post_urls)) * price[ed.POST_STATS.path],
              f"{days} days x (~{refreshed:g} posts of the last {s.refresh_days} days / 100 a call + "
              f"{len(s.post_urls)} tracked URLs)"),
        _line(ed.UNITS, 0, "free: /customer endpoints cost no units"),
        weekly(ed.HASHTAG_POSTS, _pages(HASHTAG_POSTS, PAGE[ed.HASHTAG_POSTS.path]),
               f"≤{HASHTAG_POSTS:,} posts (the API's cap) / 20 a page", hashtags),
        weekly(ed.HASHTAG_RECENT_POSTS, _full_search(recent),
               f"~{recent:,} posts ({RECENT_POSTS_PER_DAY}/day assumed x {s.hashtag_recent_days} days) / 20 a block",
               hashtags),
        weekly(ed.KEYWORD_POSTS, _pages(KEYWORD_POSTS, PAGE[ed.KEYWORD_POSTS.path]),
               f"~{KEYWORD_POSTS:,} matching posts (assumed) / 20 a page", keywords),
        weekly(ed.KEYWORD_FULL_POSTS, _full_search(KEYWORD_POSTS), f"~{KEYWORD_POSTS:,} posts (assumed) / 20 a block",
               keywords),
        weekly(ed.USER_SEARCH, _pages(SEARCH_RESULTS, PAGE[ed.USER_SEARCH.path]),
               f"~{SEARCH_RESULTS} accounts (assumed) / 10 a page", keywords),
        weekly(ed.MUSIC_SEARCH, _pages(SEARCH_RESULTS, PAGE[ed.MUSIC_SEARCH.path]),
               f"~{SEARCH_RESULTS} sounds (assumed) / 20 a page", keywords),
        weekly(ed.MUSIC_POSTS, _pages(MUSIC_POSTS, PAGE[ed.MUSIC_POSTS.path]),
               f"~{MUSIC_POSTS:,} posts a sound (assumed) / 20 a page", len(s.music)),
    ]  # fmt: skip
    lookups = accounts - len(
        s.sec_uids
    )  # accounts without a secUid in monitoring.yaml: one tt/user/info each
    for endpoint in (ed.LIKED_POSTS, ed.FOLLOWERS, ed.FOLLOWINGS):
        pages = _pages(LIST_ITEMS, PAGE[endpoint.path])
        lines.append(_line(endpoint, (pages * accounts + lookups) * weeks * price[endpoint.path],
                           f"{accounts} accounts x {weeks} weekly snapshot(s) x {pages} page(s) of ~{LIST_ITEMS} "
                           f"items (assumed), + {lookups} secUid lookup(s) a week"))  # fmt: skip
    return lines
