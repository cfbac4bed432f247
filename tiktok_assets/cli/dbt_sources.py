"""`tiktok-assets dbt-sources`: rewrite dbt/models/sources.yml from the lake's dataset declarations."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "dbt-sources",
        help="regenerate dbt/models/sources.yml from the lake's dataset declarations",
        description="Rewrite dbt/models/sources.yml from the lake's dataset declarations (run it after "
        "declaring a dataset; a test fails while the file is stale).",
    )
    p.add_argument("--check", action="store_true", help="exit 1 if the file is stale instead of writing it")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tiktok_assets import settings
    from tiktok_assets.lake import dbt_sources

    path = settings.dbt_project_dir() / "models" / "sources.yml"
    text = dbt_sources.render()
    if args.check:
        stale = not path.exists() or path.read_text(encoding="utf-8") != text
        print(f"{path}: {'stale — run `tiktok-assets dbt-sources`' if stale else 'up to date'}")
        return 1 if stale else 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0
