"""`tiktok-assets sandbox serve`: run the sandbox in the foreground until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

# Flag -> Limits field (kept here so `--help` stays fast: the server is imported only when serving).
LIMIT_FLAGS = {
    "research_daily_requests": "video/query + comment/list requests per day (default 1000)",
    "research_follow_daily_requests": "followers + following requests per day (default 20000)",
    "research_daily_records": "video/query + comment/list records per day (default 100000)",
    "per_minute": "research requests per sandbox-clock minute (default 600)",
    "ed_daily_units": "EnsembleData units per day (default 100000)",
}


def register(subparsers: Any) -> None:
    sandbox = subparsers.add_parser(
        "sandbox", help="the offline TikTok (Research API, EnsembleData, VCE)",
        description="A deterministic synthetic TikTok served over real HTTP, with the real APIs' envelopes, "
        "limits and failures.",
    )  # fmt: skip
    sub = sandbox.add_subparsers(dest="sandbox_command", required=True)
    serve = sub.add_parser(
        "serve", help="serve the sandbox over HTTP until interrupted",
        description="Serve the Research API, EnsembleData and VCE emulators of one world until interrupted.",
    )  # fmt: skip
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=9400, help="port to listen on; 0 picks a free port (default 9400)"
    )
    serve.add_argument(
        "--seed", type=int, default=7, help="the world: the same seed gives the same answers (default 7)"
    )
    serve.add_argument(
        "--size", choices=("small", "large"), default="small",
        help="small: 100 accounts, ~50 videos a day; large: 5,000 accounts, ~3,000 videos a day (default small)",
    )  # fmt: skip
    serve.add_argument("--now", default=None, help="fix the clock at this ISO instant (default: real time)")
    serve.add_argument("--faults", default="", help="kind=value,...  e.g. internal_error=0.05,latency_ms=20")
    for name, text in LIMIT_FLAGS.items():
        serve.add_argument("--" + name.replace("_", "-"), dest=name, type=int, default=None, help=text)
    serve.set_defaults(func=serve_command)


def serve_command(args: argparse.Namespace) -> int:
    from tiktok_assets.sandbox.ensembledata.restricted import (
        RESTRICTED_TOPICS,
        RESTRICTED_USERS,
        TOKEN_STATES,
    )
    from tiktok_assets.sandbox.research import MISSING_SCOPE_CLIENT_KEY, NOSCOPE_CLIENT_KEY
    from tiktok_assets.sandbox.server.faults import parse_faults_arg
    from tiktok_assets.sandbox.server.httpd import make_server

    try:
        faults = parse_faults_arg(args.faults)
    except ValueError as exc:
        print(f"error: --faults: {exc}", file=sys.stderr)
        return 2
    limits = {k: getattr(args, k) for k in LIMIT_FLAGS if getattr(args, k) is not None}
    server = make_server(
        seed=args.seed, size=args.size, now=args.now, faults=faults, host=args.host, port=args.port, **limits
    )
    base = server.base_url
    print(f"sandbox (seed {args.seed}, size {args.size}) listening on {base}", flush=True)
    print(f"  research API      {base}   (POST /v2/oauth/token/, /v2/research/...)", flush=True)
    print(f"  EnsembleData      {base}/apis   (token sandbox-token)", flush=True)
    print(f"  VCE               {base}/vce", flush=True)
    print(f"  control           {base}/_sandbox/{{clock,faults,limits,stats,truth/...}}", flush=True)
    print("  credentials       client key sandbox-key, secret sandbox-secret", flush=True)
    # The documented refusal triggers (research.APPS, ensembledata.restricted), so a user can try a client
    # against them.
    print(
        f"  scope refusals    client keys {NOSCOPE_CLIENT_KEY} (401 scope_not_authorized), "
        f"{MISSING_SCOPE_CLIENT_KEY} (400 scope_permission_missed)",
        flush=True,
    )
    print(
        "  ED refusals       tokens "
        + ", ".join(f"{t} ({st})" for t, (st, _) in TOKEN_STATES.items())
        + "; hashtags/keywords "
        + ", ".join(sorted(RESTRICTED_TOPICS))
        + " (469); usernames "
        + ", ".join(f"{u} ({st})" for u, (st, _) in RESTRICTED_USERS.items()),
        flush=True,
    )

    def stop(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0
