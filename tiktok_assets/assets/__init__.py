"""Dagster assets, one module per source; each exposes ``defs`` merged by ``tiktok_assets.definitions``."""
