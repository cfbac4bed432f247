"""Every request the Research API counted is in the client's figures, the failed ones too: a call that ends in
a refusal after retried 500s reports all its attempts, and the 400s of an expired search_id (retried, then
restarted) land on the next page. The figures used to count one request per answered page only: 8 of the
sandbox's 16 requests below, 15 of 31."""

from __future__ import annotations

from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.clients.transport import RetryPolicy
from tiktok_assets.sandbox.testing import running_sandbox

USER_INFO = "research /v2/research/user/info/"
VIDEO_QUERY = "research /v2/research/video/query/"


def served(stats: dict, route: str) -> int:
    return sum(stats["requests"].get(route, {}).values())


def test_an_unavailable_users_retried_refusal_counts_every_attempt() -> None:
    with running_sandbox(per_minute=1_000_000, faults={"internal_error": 0.6}) as sb:
        client = ResearchClient(
            sb.client_key, sb.client_secret, sb.research_url, policy=RetryPolicy.named("sandbox")
        )
        results = [client.user_info(u, missing_ok=True) for u in ("biki__7942", "no_such_user_xyz") * 2]
        client.close()
        stats = sb.stats()
    assert {r.status for r in results} == {"private", "not_found"}  # refusals, each after retried 500s
    assert stats["requests"][USER_INFO].get("500", 0) > 0  # the faults did hit
    assert sum(r.requests for r in results) == served(stats, USER_INFO)


def test_an_expired_search_ids_requests_are_on_the_pages() -> None:
    query = {
        "and": [{"operation": "IN", "field_name": "hashtag_name", "field_values": ["cat", "cats", "dog"]}]
    }
    with running_sandbox(per_minute=1_000_000, search_ttl_seconds=60) as sb:
        client = ResearchClient(
            sb.client_key, sb.client_secret, sb.research_url, policy=RetryPolicy.named("sandbox")
        )
        requests = 0
        for i, page in enumerate(client.iter_videos(query, "20260514", "20260612", max_count=20)):
            requests += page.requests
            if i in (2, 5):
                sb.advance(120)  # the search_id expires before the next page
        client.close()
        stats = sb.stats()
    assert stats["requests"][VIDEO_QUERY].get("400", 0) > 0  # rejected search_ids, retried then restarted
    assert requests == served(stats, VIDEO_QUERY)
