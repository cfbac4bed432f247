"""Request chains: how an EnsembleData asset walks the API, page by page, through the page journal.

A ``Chain`` is one API path and its first parameters (a hashtag's search, an account's follower list, a
batch of 100 post ids). ``Walker.tables`` yields each page as an Arrow table of the path's dataset: pages
an earlier attempt of the same root run stored are replayed from the journal, the rest are fetched and
journaled before the next call, so a resume after a units stop continues each chain where it stopped and
no page is fetched twice. Each row carries the request that returned it (``request``: path, parameters,
``units_charged``); the token is never among the parameters the client is given here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tiktok_assets.clients.errors import ApiError, CursorStuckError
from tiktok_assets.clients.pages import Page
from tiktok_assets.clients.protocols import EnsembleDataApi
from tiktok_assets.collect.journal import PAGE_FILE, Journal
from tiktok_assets.collect.spend import Spend
from tiktok_assets.endpoints.ensembledata import SHAPES, by_path
from tiktok_assets.lake.datasets import Dataset
from tiktok_assets.lake.normalize import Window, normalize

# Adjusts the parameters of a chain's next call from the call just made and its page (user posts: `depth`).
Tune = Callable[[dict[str, Any], dict[str, Any], Page], dict[str, Any]]


@dataclass(frozen=True)
class Chain:
    path: str
    params: Mapping[str, Any]
    constants: Mapping[str, Any] = field(default_factory=dict)  # columns every row gets (the monitored name)
    tune: Tune | None = None
    single: bool = False  # one call only: its cursor is not followed (the top of an account's posts)

    @property
    def name(self) -> str:
        """Its identity in the journal: the path and first parameters."""
        return f"{self.path}?{json.dumps(dict(self.params), sort_keys=True, default=str)}"

    @property
    def dataset(self) -> Dataset:
        endpoint = by_path(self.path)
        assert endpoint is not None, self.path
        return endpoint.dataset


@dataclass
class Fetched:
    """One page as rows of its dataset, and what fetching it cost (zero when replayed from the journal)."""

    table: pa.Table
    requests: int = 0
    units: int = 0


class Walker:
    """Walks the chains of one asset run (one journal scope) with one client, counting what it spends."""

    def __init__(
        self, client: EnsembleDataApi, journal: Journal, now: Callable[[], datetime], spend: Spend,
        window: Window | None = None,
    ) -> None:  # fmt: skip
        self.client, self.journal, self.now, self.spend, self.window = client, journal, now, spend, window

    def tables(self, chain: Chain) -> Iterator[Fetched]:
        log = self.journal.chain(chain.name)
        params: dict[str, Any] | None = dict(chain.params)
        rows_seen = 0
        for table, following in log.replay():
            rows_seen += table.num_rows
            yield Fetched(table)
            params = following
        pages = follow(self.client, chain, params)
        while params is not None:
            try:
                page, following = next(pages)
            except ApiError as exc:
                self.spend.book_failed(exc)  # every attempt of a refused call, retries included, as billed
                raise
            table = self._table(chain, params, page, rows_seen)
            log.append(table, following)  # before the next call: a stop now loses nothing fetched
            self.spend.book(page)
            rows_seen += len(page.records)
            yield Fetched(table, page.requests, page.units)
            params = following  # a cursor that repeats stops the walk at the next page (``follow``)

    def _table(self, chain: Chain, params: Mapping[str, Any], page: Page, offset: int) -> pa.Table:
        dataset, shape = chain.dataset, SHAPES[chain.path]
        request = json.dumps(
            {"path": chain.path, **params, "units_charged": page.units}, sort_keys=True, default=str
        )
        rows = []
        for i, record in enumerate(page.records):
            row = {**shape.row(record), **chain.constants, "request": request}
            if "rank" in dataset.data_columns:
                row["rank"] = offset + i  # the position in the API's answer (search results)
            rows.append(row)
        return normalize(dataset, rows, self.now(), self.window)


def follow(
    client: EnsembleDataApi, chain: Chain, params: Mapping[str, Any] | None = None
) -> Iterator[tuple[Page, dict[str, Any] | None]]:
    """Each page of ``chain`` from ``params`` on (default: its first), with the parameters of the call after it
    (None: it was the last). Nothing is journaled or counted here. A cursor that comes back a second time
    raises ``CursorStuckError`` after its page is yielded, instead of asking (and paying for) it again."""
    asked: dict[str, Any] | None = dict(chain.params if params is None else params)
    seen: set[str] = set()
    while asked is not None:
        page = client.call(chain.path, asked)
        following = None if chain.single else client.next_params(chain.path, asked, page)
        if following is not None and chain.tune is not None:
            following = chain.tune(asked, following, page)
        yield page, following
        marker = json.dumps(following, sort_keys=True, default=str)
        if following is not None and marker in seen:
            raise CursorStuckError(f"{chain.path}: cursor repeated", api="ensembledata", endpoint=chain.path)
        seen.add(marker)
        asked = following


def call_counted(client: EnsembleDataApi, spend: Spend, path: str, params: Mapping[str, Any]) -> Page:
    """One call outside a chain, its spend counted whether it answers or fails (every attempt, as billed)."""
    try:
        page = client.call(path, params)
    except ApiError as exc:
        spend.book_failed(exc)
        raise
    spend.book(page)
    return page


def first_collected(journal: Journal) -> datetime | None:
    """When the earliest page of the journal was collected (a resumed snapshot keeps its first day)."""
    earliest: datetime | None = None
    for key in (
        k for k in journal.page_keys() if k.endswith(f"/{0:06d}/{PAGE_FILE}")
    ):  # each chain's first page
        column = pq.read_table(journal.storage.open(key), columns=["collected_at"])["collected_at"]
        if len(column):
            first = pc.min(column).as_py()
            first = first if first.tzinfo else first.replace(tzinfo=UTC)
            earliest = first if earliest is None or first < earliest else earliest
    return earliest
