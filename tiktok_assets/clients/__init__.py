"""API clients: plain Python over httpx (no Dagster). See docs/architecture.md for the contracts.

- ``ResearchClient`` (TikTok Research API), ``EnsembleDataClient``, ``VceClient`` (+ ``make_rqs``), and the
  ``Protocol``s the rest of the code location calls them through (``ResearchApi``, ``EnsembleDataApi``,
  ``VceApi``)
- ``QuotaLedger`` (shared quota counters), ``planner`` (windows, IN packing, forecasts)
- errors: ``ApiError`` and its typed subclasses

Modules: ``research`` (client) over ``research_session`` (token, one request, quota), ``research_search``
(video search, resume), ``research_query`` (query vocabulary), ``research_endpoints`` (endpoints, fields),
``research_errors`` (responses → typed errors); ``ensembledata`` (client) over ``ensembledata_endpoints``
(endpoints, responses); ``vce``; shared: ``transport`` (HTTP, retries), ``responses`` (JSON, headers),
``redaction`` (secrets), ``errors``, ``pages``, ``quota``, ``planner``, ``protocols``.
"""

from tiktok_assets.clients.ensembledata import EnsembleDataClient
from tiktok_assets.clients.errors import (
    ApiError,
    AuthError,
    BudgetExceededError,
    InvalidInputError,
    QuotaExhaustedError,
    RateLimitedError,
    RetryableError,
    UserUnavailableError,
)
from tiktok_assets.clients.pages import Page, ResumeState, UserInfoResult, VideoPage
from tiktok_assets.clients.protocols import EnsembleDataApi, ResearchApi, VceApi
from tiktok_assets.clients.quota import Budget, QuotaLedger
from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.clients.transport import RetryPolicy
from tiktok_assets.clients.vce import RQSClientProtocol, VceClient, make_rqs

__all__ = [
    "ApiError",
    "AuthError",
    "Budget",
    "BudgetExceededError",
    "EnsembleDataApi",
    "EnsembleDataClient",
    "InvalidInputError",
    "Page",
    "QuotaExhaustedError",
    "QuotaLedger",
    "RQSClientProtocol",
    "RateLimitedError",
    "ResearchApi",
    "ResearchClient",
    "ResumeState",
    "RetryPolicy",
    "RetryableError",
    "UserInfoResult",
    "UserUnavailableError",
    "VceApi",
    "VceClient",
    "VideoPage",
    "make_rqs",
]
