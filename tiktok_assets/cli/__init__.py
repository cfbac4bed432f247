"""`tiktok-assets …`: one entry point; each sub-command lives in the module that owns its concern."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# sub-command → module exposing ``register(subparsers)``; a module keeps heavy imports inside its handler
# so `tiktok-assets --help` stays fast.
COMMAND_MODULES = (
    "tiktok_assets.sandbox.cli",  # sandbox serve
    "tiktok_assets.cli.fetch",  # fetch <api> <endpoint> …
    "tiktok_assets.cli.plan",  # plan (quota forecast)
    "tiktok_assets.cli.demo",  # demo
    "tiktok_assets.cli.ui",  # ui (dg dev over your collection, or the demo's)
    "tiktok_assets.cli.dbt_sources",  # dbt-sources (regenerate dbt/models/sources.yml)
)


DESCRIPTION = (
    "Collect TikTok data (Research API, EnsembleData, VCE, or the bundled sandbox) and run the Dagster code "
    "location around it. Each command explains itself: tiktok-assets COMMAND --help."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tiktok-assets", description=DESCRIPTION)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # A command whose module is not built yet is simply absent; any other import error is a bug.
            if exc.name is None or not (module_name + ".").startswith(exc.name + "."):
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
