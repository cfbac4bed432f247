"""The TikTok Research API emulator, served from the world.

Modules, one concern each:
- ``service``: ResearchService, the gateway (token endpoint, envelope, auth and scope, quotas, faults)
- ``tokens``: the documented sandbox apps, their scopes and the issued tokens
- ``endpoints``: the endpoint table and ``truth`` (the handlers paged to the end)
- ``context``: what a handler receives and returns (Ctx, Page, ApiError); ``params``: the parameters every
  handler parses the same way (body, integers, max_count, cursor, fields)
- ``search`` (video/query, ``run_search``), ``search_store`` (results per search_id), ``comments``,
  ``users``, ``playlists``: the endpoint handlers
- ``query``: the video query language; ``render``: object shapes, ``?fields=`` and the statistics lag
"""

from tiktok_assets.sandbox.research.context import ApiError
from tiktok_assets.sandbox.research.endpoints import ENDPOINTS, PAGED, truth
from tiktok_assets.sandbox.research.query import Query, QueryError, parse_query
from tiktok_assets.sandbox.research.render import (
    COMMENT_FIELDS,
    STATS_LAG_MAX,
    USER_FIELDS,
    VIDEO_FIELDS,
    stats_time,
)
from tiktok_assets.sandbox.research.search import run_search
from tiktok_assets.sandbox.research.service import ResearchService
from tiktok_assets.sandbox.research.tokens import (
    APPS,
    CLIENT_KEY,
    CLIENT_SECRET,
    MISSING_SCOPE_CLIENT_KEY,
    NOSCOPE_CLIENT_KEY,
    SCOPE,
)

__all__ = [
    "APPS",
    "CLIENT_KEY",
    "CLIENT_SECRET",
    "COMMENT_FIELDS",
    "ENDPOINTS",
    "MISSING_SCOPE_CLIENT_KEY",
    "NOSCOPE_CLIENT_KEY",
    "PAGED",
    "SCOPE",
    "STATS_LAG_MAX",
    "USER_FIELDS",
    "VIDEO_FIELDS",
    "ApiError",
    "Query",
    "QueryError",
    "ResearchService",
    "parse_query",
    "run_search",
    "stats_time",
    "truth",
]
