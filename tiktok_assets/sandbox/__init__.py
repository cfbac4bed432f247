"""The offline TikTok: a deterministic world served over real HTTP (see docs/architecture.md)."""
