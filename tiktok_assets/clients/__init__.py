"""API clients: plain Python over httpx (no Dagster). See docs/architecture.md for the contracts.

- ``ResearchClient`` (TikTok Research API), ``EnsembleDataClient``, ``VceClient`` (+ ``make_rqs``)
- ``QuotaLedger`` (shared quota counters), ``planner`` (windows, IN packing, forecasts)
- errors: ``ApiError`` and its typed subclasses
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
from tiktok_assets.clients.quota import Budget, QuotaLedger
from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.clients.transport import RetryPolicy
from tiktok_assets.clients.vce import RQSClientProtocol, VceClient, make_rqs

__all__ = [
    "ApiError",
    "AuthError",
    "Budget",
    "BudgetExceededError",
    "EnsembleDataClient",
    "InvalidInputError",
    "Page",
    "QuotaExhaustedError",
    "QuotaLedger",
    "RQSClientProtocol",
    "RateLimitedError",
    "ResearchClient",
    "ResumeState",
    "RetryPolicy",
    "RetryableError",
    "UserInfoResult",
    "UserUnavailableError",
    "VceClient",
    "VideoPage",
    "make_rqs",
]
