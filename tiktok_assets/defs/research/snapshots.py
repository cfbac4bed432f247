"""Live data, collected as dated snapshots: the profiles of every monitored account per collection day
(``user/info``), and each account's lists (followers, following, liked / pinned / reposted videos) per account.

The account assets are generic: a declaration (``endpoints.research``) names the path and the parameter the
account fills, and ``client.iter_endpoint`` pages it — adding an account endpoint is one declaration.
"""

from collections.abc import Iterable, Iterator

import dagster as dg

from tiktok_assets.clients.errors import UserUnavailableError
from tiktok_assets.clients.pages import Page
from tiktok_assets.clients.protocols import ResearchApi
from tiktok_assets.collect.lineage import run_lineage
from tiktok_assets.collect.metadata import failed_run_recorded, finish, quota_left
from tiktok_assets.collect.spend import Spend
from tiktok_assets.config import Monitoring
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.monitoring.partitions import accounts_partitions
from tiktok_assets.defs.research.common import asset_defaults, asset_key, collected_at, quota_note
from tiktok_assets.defs.research.resources import ResearchApiResource
from tiktok_assets.endpoints.research import USER_INFO
from tiktok_assets.endpoints.spec import Endpoint
from tiktok_assets.lake.normalize import normalize


def user_info_asset(monitoring: Monitoring, snapshot_days: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    key = asset_key(USER_INFO)

    @dg.asset(
        **asset_defaults(key, USER_INFO, snapshot_days, decided_by=[monitoring.accounts]),
        description=USER_INFO.description,
    )
    def _user_info(
        context: dg.AssetExecutionContext, research_api: ResearchApiResource, lake: LakeResource
    ) -> dg.MaterializeResult:
        spend = Spend()
        stamp = collected_at(research_api.now())
        part = {"date": context.partition_key}
        client = research_api.client()
        with (
            quota_note(context),
            failed_run_recorded(context, spend, research_api.quota_left),
            lake.writer(USER_INFO.dataset, part, metadata=run_lineage(context)) as w,
        ):
            # spend.pages also books a call that failed (its retries and the refusal: ApiError.attempts).
            for page in spend.pages(_profiles(client, monitoring.accounts)):
                (record,) = page.records
                if record["status"] != "ok":
                    spend.unavailable[record["username"]] = record["status"]
                w.write(normalize(USER_INFO.dataset, page.records, stamp))
        quota = quota_left(research_api.quota_left, context.log)
        # One snapshot partition: every request of the run is its own; refused accounts are its facts too.
        unavailable = {"unavailable": dg.MetadataValue.json(spend.unavailable)} if spend.unavailable else {}
        return finish(
            context, lake.storage, USER_INFO.dataset, {context.partition_key: part}, spend, quota,
            time_rule=USER_INFO.time_rule, partition_extra={context.partition_key: unavailable},
        )  # fmt: skip

    return _user_info


def _profiles(client: ResearchApi, usernames: Iterable[str]) -> Iterator[Page]:
    """Each account's profile as a one-record page that carries what it cost (retries included)."""
    for username in usernames:
        # missing_ok: a private/refused account is a fact to record (status), not a failure.
        result = client.user_info(username, missing_ok=True)
        yield Page([result.as_record()], requests=result.requests, repaired=result.repaired)


def account_asset(endpoint: Endpoint) -> dg.AssetsDefinition:
    """One asset for an account endpoint: the partition key (an account) fills ``endpoint.fills``."""
    key = asset_key(endpoint)

    @dg.asset(**asset_defaults(key, endpoint, accounts_partitions), description=endpoint.description)
    def _account(
        context: dg.AssetExecutionContext, research_api: ResearchApiResource, lake: LakeResource
    ) -> dg.MaterializeResult:
        username = context.partition_key
        stamp = collected_at(research_api.now())
        part = {"account": username, "snapshot": stamp.date().isoformat()}
        spend = Spend()
        client = research_api.client()
        with (
            quota_note(context),
            failed_run_recorded(context, spend, research_api.quota_left),
            lake.writer(endpoint.dataset, part, metadata=run_lineage(context)) as w,
        ):
            try:
                for page in spend.pages(client.iter_endpoint(endpoint.path, {endpoint.fills: username})):
                    w.write(normalize(endpoint.dataset, page.records, stamp))
            except UserUnavailableError as exc:
                # An empty snapshot says "asked, nothing returned"; the reason travels in metadata. What the
                # refusal cost is counted by spend.pages (the error's attempts).
                spend.unavailable[username] = exc.reason
        facts = {"snapshot": part["snapshot"], "status": spend.unavailable.get(username, "ok")}
        quota = quota_left(research_api.quota_left, context.log)
        return finish(
            context, lake.storage, endpoint.dataset, {username: part}, spend, quota,
            time_rule=endpoint.time_rule, partition_extra={username: facts},
        )  # fmt: skip

    return _account
