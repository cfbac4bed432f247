"""`tiktok-assets fetch <api> <endpoint> --param name=value … --out FILE.parquet`: one endpoint, to the end.

- ``api``: ``research`` | ``ensembledata`` | ``vce``; ``endpoint``: the API's own path (``video/query``,
  ``tt/user/followers``) or, for VCE, the category (``video``, ``comment``, …).
- ``--param name=value`` (repeatable): a value that parses as JSON is sent as JSON (``query={"and": …}``,
  ``max_count=50``), anything else as a string. VCE takes ``condition_groups``, ``fields``, ``limit``.
- Retries, quota (the shared ledger) and resume come from the clients. Pages are appended to
  ``FILE.parquet.partial/`` as they arrive; if the run stops (quota, crash, Ctrl-C, a fault that outlasted
  the retries) the same command resumes: a video search continues below the oldest stored video, cursor
  endpoints from the last stored cursor. A request that can never succeed (bad input, refused credentials)
  says so and keeps nothing to resume.
- ``collected_at`` is the backend's clock (the server's ``Date``), not this machine's.
- Exit status: 0 done; 1 stopped on a fault after the retries (the same command resumes); 2 bad input,
  refused credentials or a VCE task the service refused, ``AnalysisFailed`` (fix the command); 3 quota spent
  (the same command resumes after the reset it names); 4 nothing requested was available (a private,
  unknown or refused account: said on stderr; for ``user/info`` the file still records the status);
  130 interrupted.
- Its figures are what the API counted: a finished run prints its pages and requests (EnsembleData: units),
  retries included; a run stopped on an API error says the same, the failed call's attempts included
  (``ApiError.attempts``), so a stopped run's spend is never missing (VCE prints it when its task is done).
- The output has the lake's schema for the endpoint's dataset (its declaration in ``endpoints``) where one
  exists; otherwise
  (EnsembleData, VCE categories without a lake dataset) a generic table: ``key``, ``record_json``,
  ``collected_at``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from tiktok_assets.cli.fetch_output import quarantine_path, write_output

if TYPE_CHECKING:
    from tiktok_assets.collect.spend import Spend

# Shown by `tiktok-assets fetch --help` (plain text: the module docstring is for developers).
DESCRIPTION = """\
Collect one API endpoint to the end into a Parquet file, with retries, the shared quota ledger and resume.

  tiktok-assets fetch API ENDPOINT --param NAME=VALUE ... --out FILE.parquet

API is research, ensembledata or vce. ENDPOINT is the API's own path (video/query, tt/user/followers) or,
for VCE, a category (video, comment, ...). A --param value that parses as JSON is sent as JSON
(query={"and": ...}, max_count=50), anything else as a string; VCE takes condition_groups, fields, limit.

Pages are appended to FILE.parquet.partial/ as they arrive. If the run stops (quota, crash, Ctrl-C), run the
same command again: a video search continues below the oldest stored video, a cursor endpoint from the last
stored cursor. The output has the lake's schema for the endpoint's dataset where one exists; otherwise
(EnsembleData, VCE categories without a lake dataset) the columns key, record_json, collected_at.

Example:
  tiktok-assets fetch research video/query \\
    --param 'query={"and":[{"operation":"EQ","field_name":"hashtag_name","field_values":["cat"]}]}' \\
    --param start_date=20260101 --param end_date=20260130 --out cats.parquet
"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "fetch",
        help="collect one API endpoint to the end into a Parquet file",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "api", choices=("research", "ensembledata", "vce"), help="which API: research, ensembledata or vce"
    )
    p.add_argument("endpoint", help="the API's path, e.g. video/query or tt/user/followers (VCE: a category)")
    p.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE",
        help="a request parameter, repeatable; JSON values are sent as JSON",
    )  # fmt: skip
    p.add_argument("--fields", help="comma-separated fields (Research ?fields=, VCE fields)")
    p.add_argument("--out", required=True, help="output .parquet file")
    p.add_argument("--base-url", help="override the API base URL (default: env, else the sandbox)")
    p.add_argument(
        "--ledger-url", help="quota ledger SQLAlchemy URL (default: env TIKTOK_QUOTA_DB_URL, else data/)"
    )
    p.add_argument(
        "--budget", type=int, help="daily request budget (Research video bucket) / units (EnsembleData)"
    )
    p.add_argument("--poll-interval", type=float, default=5.0, help="VCE: seconds between task status checks")
    p.add_argument(
        "--stage", choices=("test", "execution"), default=os.environ.get("TIKTOK_VCE_STAGE") or "test",
        help="VCE: the stage the task runs in, for its limits and the ledger (default: env TIKTOK_VCE_STAGE, else test)",
    )  # fmt: skip
    p.add_argument("--no-progress", action="store_true", help="do not print a progress line per page")
    p.set_defaults(func=run)


def parse_params(items: list[str]) -> dict[str, Any]:
    """``name=value`` pairs; JSON values (objects, lists, numbers, booleans) are decoded."""
    from tiktok_assets.clients.errors import InvalidInputError

    out: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InvalidInputError(f"--param {item!r} is not name=value", parameter="--param")
        try:
            out[name.strip()] = orjson.loads(value)
        except orjson.JSONDecodeError:
            out[name.strip()] = value
    return out


# --- partial state (resume) ------------------------------------------------------------------------------------


class Partial:
    """``<out>.partial/``: records.jsonl (one page per flush) and state.json (request + last cursor)."""

    def __init__(self, out: Path, request: Mapping[str, Any]) -> None:
        self.dir = out.with_name(out.name + ".partial")
        self.records_path = self.dir / "records.jsonl"
        self.state_path = self.dir / "state.json"
        self.request = dict(request)
        self.state: dict[str, Any] = {}
        if self.state_path.exists():
            saved = orjson.loads(self.state_path.read_bytes())
            if saved.get("request") == self.request:
                self.state = saved
            else:  # a different request: its leftovers are not ours to resume
                shutil.rmtree(self.dir)
        # The folder is made by the first page kept: a run that keeps nothing leaves nothing behind.

    def records(self) -> list[dict[str, Any]]:
        if not self.records_path.exists():
            return []
        out = []
        for line in self.records_path.read_bytes().splitlines():
            try:
                out.append(orjson.loads(line))
            except orjson.JSONDecodeError:  # a torn last line from a crash: that page is refetched
                break
        return out

    def append(self, records: list[dict[str, Any]], cursor: Any) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        with self.records_path.open("ab") as f:
            f.write(b"".join(orjson.dumps(r) + b"\n" for r in records))
            f.flush()
            os.fsync(f.fileno())
        self.state = {"request": self.request, "cursor": cursor}
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps(self.state))
        os.replace(tmp, self.state_path)

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


# --- page sources -------------------------------------------------------------------------------------------------


def _budgets(args: argparse.Namespace) -> Any:
    """The Research budgets, with ``--budget`` as the video bucket's daily requests."""
    from tiktok_assets.clients.quota import Budget
    from tiktok_assets.clients.research_endpoints import DEFAULT_BUDGETS

    if not args.budget:
        return None
    return {**DEFAULT_BUDGETS, "video": Budget(args.budget, DEFAULT_BUDGETS["video"].records)}


def _pages(
    args: argparse.Namespace, params: dict[str, Any], partial: Partial, stored: list[dict[str, Any]]
) -> tuple[Iterator[Any], Callable[[], datetime]]:
    """The endpoint's pages, and the backend's clock (the server's ``Date`` once it answered)."""
    from tiktok_assets import backends
    from tiktok_assets.clients.pages import Page, ResumeState
    from tiktok_assets.clock import clock_now

    fields = [f.strip() for f in args.fields.split(",")] if args.fields else None
    cursor = partial.state.get("cursor")
    if args.api == "research":
        client = backends.research_client(
            base_url=args.base_url, ledger_url=args.ledger_url, budgets=_budgets(args)
        )
        resume = (
            ResumeState.from_records(stored) if stored and args.endpoint.strip("/") == "video/query" else None
        )
        pages = client.iter_endpoint(args.endpoint, params, fields, resume=resume, cursor=cursor)
        return pages, lambda: datetime.fromtimestamp(client.clock(), UTC)
    if args.api == "ensembledata":
        from tiktok_assets.clients.ensembledata_endpoints import endpoint_for

        ed = backends.ensembledata_client(
            base_url=args.base_url, ledger_url=args.ledger_url, daily_units=args.budget
        )
        ep = endpoint_for(args.endpoint)
        if cursor and ep.cursor_param:
            params = {
                **params,
                ep.cursor_param: cursor[0],
                **({"page_token": cursor[1]} if cursor[1] else {}),
            }

        def ed_pages() -> Iterator[Any]:
            for page in ed.iter_pages(ep.path, params):
                page.cursor = [page.cursor, page.meta.get("nextPageToken")]
                yield page

        return ed_pages(), lambda: datetime.fromtimestamp(ed.transport.server_now(), UTC)

    def vce_pages() -> Iterator[Any]:
        # One task through the assets' batch runner: the stage's limits are checked against the same ledger
        # before the create, and what the task spends is booked there, so the assets' test-stage budget sees
        # this spend too (records the ledger never saw could make the service cut an asset's task short).
        from tiktok_assets.clients.vce_batch import Job, OneTask, StageBudget, run_batch
        from tiktok_assets.clients.vce_query import validate_task

        stage = args.stage
        vce = backends.vce_client(base_url=args.base_url, poll_interval=args.poll_interval, stage=stage)
        spec = validate_task(args.endpoint, params.get("condition_groups") or [],
                             fields or params.get("fields") or "id", params.get("limit"), stage)  # fmt: skip
        task = OneTask()  # a stopped fetch asks again: nothing to record for a resume
        run_batch(
            vce,
            [Job(args.endpoint, spec)],
            task,
            StageBudget(stage, backends.ledger_for(args.ledger_url), clock_now),
        )
        yield Page(task.records, None, False, requests=vce.calls)

    return vce_pages(), clock_now


def _quota_meter(args: argparse.Namespace) -> Any:
    """A callable giving today's spend from the shared ledger (what the progress bar shows as quota)."""
    from tiktok_assets import backends

    ledger = backends.ledger_for(args.ledger_url)
    if args.api == "vce":
        return lambda: f"{ledger.used('vce', args.stage).records} {args.stage}-stage records today"
    if args.api == "research":
        from tiktok_assets.clients.research_endpoints import endpoint_for

        bucket = endpoint_for(args.endpoint).bucket
        budget = (
            args.budget if args.budget and bucket == "video" else {"video": 1000, "follow": 20000}.get(bucket)
        )
        return lambda: f"{ledger.used('research', bucket).requests}/{budget or '∞'} {bucket} req today"
    return lambda: f"{ledger.used('ensembledata', 'units').units}/{args.budget or '∞'} units today"


def spent(pages: int, spend: Spend) -> str:
    """``3 pages, 5 requests[, 40 units]``: what the API counted, retries and failed attempts included."""
    return f"{pages} pages, {spend.requests} requests{f', {spend.units} units' if spend.units else ''}"


def unavailable(records: list[dict[str, Any]]) -> list[str]:
    """``user/info`` records of accounts the API would not return (``status`` is not ok)."""
    return [f"{r.get('username')!r} ({r['status']})" for r in records if r.get("status") not in (None, "ok")]


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from tiktok_assets.backends import MissingCredentialsError
    from tiktok_assets.clients.errors import (
        ApiError,
        AuthError,
        InvalidInputError,
        QuotaExhaustedError,
        UserUnavailableError,
    )
    from tiktok_assets.clients.vce import VceAnalysisFailedError
    from tiktok_assets.collect.spend import Spend

    try:
        params = parse_params(args.param)
    except ApiError as exc:
        print(f"fetch: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    partial = Partial(
        out, {"api": args.api, "endpoint": args.endpoint, "params": params, "fields": args.fields}
    )
    stored = partial.records()
    spend = Spend()  # requests, rows, units and repairs of this run, a failed call's attempts included
    pages = skipped = 0
    bar = tqdm(desc=f"{args.api} {args.endpoint}", unit="page", disable=args.no_progress, file=sys.stderr)
    bar.set_postfix(rows=len(stored), requests=0, resumed=bool(stored))

    def kept() -> str:
        return f"{len(stored)} rows kept in {partial.dir}" if stored else "nothing kept"

    def stopped() -> str:
        """What a stopped run had sent, its failed call's attempts included (VCE books its calls only when
        its task is done: no figure rather than a wrong one)."""
        return "" if args.api == "vce" else f"{spent(pages, spend)} sent; "

    try:
        quota = _quota_meter(args)
        source, backend_now = _pages(args, params, partial, stored)
        for page in spend.pages(source):
            partial.append(page.records, page.cursor)
            stored.extend(page.records)
            pages += 1
            skipped += page.skipped
            bar.update(1)
            bar.set_postfix(
                rows=len(stored), requests=spend.requests, quota=quota(),
                **({"units": spend.units} if spend.units else {}),
            )  # fmt: skip
    except QuotaExhaustedError as exc:
        bar.close()
        print(
            f"fetch: {exc}\n{stopped()}{kept()}; run the same command after {exc.resets_at.isoformat()} to "
            "resume.",
            file=sys.stderr,
        )
        return 3
    except (InvalidInputError, AuthError, MissingCredentialsError, UserUnavailableError) as exc:
        bar.close()  # never resumable as given: nothing is left behind to resume
        if not stored:
            partial.discard()
        if isinstance(exc, UserUnavailableError):
            print(f"fetch: nothing to collect: {exc}\n{stopped()}{kept()}.", file=sys.stderr)
            return 4
        print(f"fetch: {exc}\n{stopped()}this request cannot succeed as given: fix it and run again.",
              file=sys.stderr)  # fmt: skip
        return 2
    except VceAnalysisFailedError as exc:
        bar.close()  # the same command would only be refused again: nothing is left behind to resume
        if not stored:
            partial.discard()
        print(f"fetch: {exc}\nThe service refused this task: change the query (or, in the test stage, wait for "
              "the next day's records) and run again.", file=sys.stderr)  # fmt: skip
        return 2
    except ApiError as exc:
        bar.close()
        print(f"fetch: {exc}\n{stopped()}{kept()}; the same command resumes.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        bar.close()
        print(f"fetch: interrupted; {kept()}; the same command resumes.", file=sys.stderr)
        return 130
    bar.close()
    dataset, n, held = write_output(out, args.api, args.endpoint, stored, params, backend_now())
    partial.discard()
    print(
        f"{n} rows ({dataset}) → {out}; {spent(pages, spend)}{f', {skipped} already stored' if skipped else ''}"
        f"{f', {spend.repaired} bad characters replaced by U+FFFD' if spend.repaired else ''}"
    )
    if held:
        print(f"fetch: {held} records could not be keyed (e.g. an id beyond int64): kept in {quarantine_path(out)}",
              file=sys.stderr)  # fmt: skip
    missing = (
        unavailable(stored) if args.api == "research" and args.endpoint.strip("/") == "user/info" else []
    )
    if missing:
        print(
            f"fetch: not available: {', '.join(missing)} (recorded with its status in {out})", file=sys.stderr
        )
        return 4 if len(missing) == len(stored) else 0
    return 0
