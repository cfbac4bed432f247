"""The "about X" assets: one per hashtag / keyword / account / sound endpoint, partitioned by that entity, each
materialization a dated snapshot (``<entity>=<key>/snapshot=<UTC day>``).

The asset is generic: a declaration (``endpoints.ensembledata``) names the path, and ``CHAINS`` says which
requests a partition key makes (the search parameters come from monitoring.yaml). The partition is written
once every chain is complete; until then pages are journaled, so a units stop resumes without refetching.
An account the API will not show (private, unknown, restricted) gives an empty snapshot whose ``status``
says why; a restricted topic (469) or a bad parameter fails the run with the typed error, nothing written.
"""

from collections.abc import Callable, Iterable, Iterator

import dagster as dg

from tiktok_assets.clients.errors import UserUnavailableError
from tiktok_assets.collect.journal import Journal
from tiktok_assets.collect.lineage import run_lineage
from tiktok_assets.collect.metadata import finish, quota_left
from tiktok_assets.collect.spend import Spend
from tiktok_assets.config import Monitoring
from tiktok_assets.config.ensembledata import EnsembleDataSettings
from tiktok_assets.defs.ensembledata.chains import Chain, Walker, first_collected
from tiktok_assets.defs.ensembledata.common import asset_defaults, asset_key, collecting, partition_units
from tiktok_assets.defs.ensembledata.resources import EnsembleDataResource
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.monitoring.partitions import (
    accounts_partitions,
    hashtags_partitions,
    keywords_partitions,
    music_partitions,
)
from tiktok_assets.endpoints import ensembledata as ed
from tiktok_assets.endpoints.spec import Endpoint, PartitionKind

PARTITIONS: dict[PartitionKind, dg.DynamicPartitionsDefinition] = {
    PartitionKind.HASHTAG: hashtags_partitions,
    PartitionKind.KEYWORD: keywords_partitions,
    PartitionKind.ACCOUNT: accounts_partitions,
    PartitionKind.MUSIC: music_partitions,
}

# (partition key, settings, walker) → the requests of one snapshot; a generator, so a secUid lookup happens
# inside the collection (journaled, and an unavailable account is caught like the list call itself).
ChainsFor = Callable[[str, EnsembleDataSettings, Walker], Iterable[Chain]]


def sec_uid_of(username: str, settings: EnsembleDataSettings, walker: Walker) -> str:
    """The account's secUid: monitoring.yaml's, else looked up with ``/tt/user/info`` (one unit, journaled)."""
    if username in settings.sec_uids:
        return settings.sec_uids[username]
    lookup = Chain(ed.USER_INFO.path, {"username": username}, {"username": username})
    for fetched in walker.tables(lookup):
        found = fetched.table["sec_uid"].to_pylist()
        if found and found[0]:
            return str(found[0])
    raise UserUnavailableError(username, "not_found", "no secUid in its profile", api="ensembledata")


def _one(path: str, params: Callable[[str, EnsembleDataSettings], dict]) -> ChainsFor:
    def chains(key: str, settings: EnsembleDataSettings, walker: Walker) -> Iterator[Chain]:
        yield Chain(path, params(key, settings))

    return chains


def _of_account(path: str) -> ChainsFor:
    def chains(username: str, settings: EnsembleDataSettings, walker: Walker) -> Iterator[Chain]:
        yield Chain(path, {"secUid": sec_uid_of(username, settings, walker)})

    return chains


CHAINS: dict[str, ChainsFor] = {
    ed.HASHTAG_POSTS.path: _one(ed.HASHTAG_POSTS.path, lambda k, s: {"name": k}),
    ed.HASHTAG_RECENT_POSTS.path: _one(
        ed.HASHTAG_RECENT_POSTS.path, lambda k, s: {"name": k, "days": s.hashtag_recent_days}
    ),
    ed.KEYWORD_POSTS.path: _one(ed.KEYWORD_POSTS.path, lambda k, s: {"name": k, **s.keyword_search.params()}),
    ed.KEYWORD_FULL_POSTS.path: _one(
        ed.KEYWORD_FULL_POSTS.path, lambda k, s: {"name": k, **s.keyword_search.params()}
    ),
    ed.USER_SEARCH.path: _one(ed.USER_SEARCH.path, lambda k, s: {"keyword": k}),
    ed.MUSIC_SEARCH.path: _one(
        ed.MUSIC_SEARCH.path,
        lambda k, s: {"name": k, "sorting": s.music_search.sorting, "filter_by": s.music_search.filter_by},
    ),
    ed.LIKED_POSTS.path: _of_account(ed.LIKED_POSTS.path),
    ed.FOLLOWERS.path: _of_account(ed.FOLLOWERS.path),
    ed.FOLLOWINGS.path: _of_account(ed.FOLLOWINGS.path),
    ed.MUSIC_POSTS.path: _one(ed.MUSIC_POSTS.path, lambda k, s: {"music_id": k}),
}


def snapshot_asset(endpoint: Endpoint, monitoring: Monitoring) -> dg.AssetsDefinition:
    """One asset for an "about X" endpoint: the partition key fills its request (see ``CHAINS``)."""
    settings = monitoring.ensembledata
    chains_for = CHAINS[endpoint.path]
    key_path = asset_key(endpoint).to_user_string()

    @dg.asset(**asset_defaults(endpoint, PARTITIONS[endpoint.partition]))
    def _snapshot(
        context: dg.AssetExecutionContext, ensembledata: EnsembleDataResource, lake: LakeResource
    ) -> dg.MaterializeResult:
        key = context.partition_key
        lineage = run_lineage(context)
        journal = Journal(lake.storage, lineage["root_run_id"], f"{key_path}/{key}")
        spend = Spend()
        walker = Walker(ensembledata.client(), journal, ensembledata.now, spend)
        # A resumed snapshot keeps the day it started (its first page's), not the day it was resumed.
        started = first_collected(journal) or ensembledata.now()
        part = {endpoint.dataset.partition_dims[0]: key, "snapshot": started.date().isoformat()}
        with (
            collecting(context, spend, ensembledata.units_left),
            lake.writer(endpoint.dataset, part, metadata=lineage) as writer,
        ):
            try:
                for chain in chains_for(key, settings, walker):
                    for fetched in walker.tables(chain):
                        writer.write(fetched.table)
            except UserUnavailableError as exc:  # a fact about the account: an empty snapshot that says why
                spend.unavailable[key] = exc.reason
        journal.clear()
        facts = {  # this account's snapshot: all of it belongs to the partition
            "snapshot": part["snapshot"],
            "status": spend.unavailable.get(key, "ok"),
            **partition_units(spend),
        }
        quota = quota_left(ensembledata.units_left, context.log)
        return finish(
            context, lake.storage, endpoint.dataset, {key: part}, spend, quota, time_rule=endpoint.time_rule,
            partition_extra={key: facts},
        )  # fmt: skip

    return _snapshot


def snapshot_assets(monitoring: Monitoring) -> list[dg.AssetsDefinition]:
    return [snapshot_asset(e, monitoring) for e in ed.SNAPSHOT_ENDPOINTS]
