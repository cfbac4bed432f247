"""monitoring.yaml → typed, validated settings: what the code location collects.

The file is read from ``TIKTOK_MONITORING`` (default: the ``monitoring.yaml`` shipped in this package).
Validation happens at load and every message names the offending key (``queries.cats.regions[1]``), so a
typo fails the code location at once instead of spending quota on a wrong query. Each source's part of the
file has its own module (``research``, ``vce``); ``validation`` holds the typed readers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from tiktok_assets import clock
from tiktok_assets.config.ensembledata import EnsembleDataSettings, ensembledata_settings
from tiktok_assets.config.freshness import FreshnessSettings, FreshnessWindow, freshness_settings
from tiktok_assets.config.research import CommentSettings, VideoQuery, build_query, comment_settings
from tiktok_assets.config.validation import REGION, USERNAME, MonitoringConfigError, Validator
from tiktok_assets.config.vce import VceQuery, build_vce_query
from tiktok_assets.config.yaml_loader import load_yaml

ENV_VAR = "TIKTOK_MONITORING"
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "monitoring.yaml"


@dataclass(frozen=True)
class Monitoring:
    path: Path
    start_date: date
    end_date: date | None
    accounts: tuple[str, ...]
    hashtags: tuple[str, ...]
    keywords: tuple[str, ...]
    regions: tuple[str, ...]
    queries: tuple[VideoQuery, ...]
    comments: CommentSettings = field(default_factory=CommentSettings)
    in_limit: int = 100
    freshness: FreshnessSettings = field(default_factory=FreshnessSettings)
    ensembledata: EnsembleDataSettings = field(default_factory=EnsembleDataSettings)
    vce_queries: tuple[VceQuery, ...] = ()

    def query(self, name: str) -> VideoQuery:
        for q in self.queries:
            if q.name == name:
                return q
        raise KeyError(f"no video query named {name!r} in {self.path}")


_TOP_KEYS = ("date_range", "accounts", "hashtags", "keywords", "regions", "queries", "comments", "in_limit",
             "freshness", "ensembledata", "vce_queries")  # fmt: skip


def parse_monitoring(raw: Any, path: Path | str = "<monitoring>", today: date | None = None) -> Monitoring:
    path = Path(path)
    today = today or clock.today()  # the backend's day: a sandbox clock may be ahead of the wall clock
    v = Validator(path)
    if raw is None:
        raise v.fail("", "the file is empty")
    top = v.mapping(raw, "", _TOP_KEYS, ("date_range", "queries"))
    rng = v.mapping(top["date_range"], "date_range", ("start", "end"), ("start",))
    start = v.day(rng["start"], "date_range.start", today)
    end = v.day(rng["end"], "date_range.end", today) if rng.get("end") is not None else None
    if end is not None and end < start:
        raise v.fail("date_range.end", f"{end} is before date_range.start {start}")
    lists = {
        "accounts": v.strings(top.get("accounts"), "accounts", USERNAME),
        "hashtags": v.hashtags(top.get("hashtags"), "hashtags"),
        "keywords": v.strings(top.get("keywords"), "keywords"),
    }
    regions = v.strings(top.get("regions"), "regions", REGION)
    in_limit = v.integer(top.get("in_limit", 100), "in_limit", 1)
    queries_raw = top["queries"]
    if not isinstance(queries_raw, Mapping) or not queries_raw:
        raise v.fail("queries", "expected a mapping of at least one named query")
    queries = tuple(build_query(v, str(n), q, lists, regions, in_limit) for n, q in queries_raw.items())
    comments = comment_settings(v, top.get("comments"))
    freshness = freshness_settings(v, top.get("freshness"))
    vce_raw = top.get("vce_queries") or {}
    if not isinstance(vce_raw, Mapping):
        raise v.fail("vce_queries", "expected a mapping of named VCE queries")
    vce_queries = tuple(build_vce_query(v, str(n), q) for n, q in vce_raw.items())
    return Monitoring(
        path=path,
        start_date=start,
        end_date=end,
        accounts=lists["accounts"],
        hashtags=lists["hashtags"],
        keywords=lists["keywords"],
        regions=regions,
        queries=queries,
        comments=comments,
        in_limit=in_limit,
        freshness=freshness,
        ensembledata=ensembledata_settings(v, top.get("ensembledata"), lists["accounts"]),
        vce_queries=vce_queries,
    )


def monitoring_path() -> Path:
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


# The dynamic partitions that follow the monitored lists (``defs.monitoring``), by name.
ACCOUNTS = "accounts"
HASHTAGS = "hashtags"
KEYWORDS = "keywords"
MUSIC = "music"


def dynamic_keys(monitoring: Monitoring) -> dict[str, tuple[str, ...]]:
    """What each dynamic partitions definition should contain according to the file."""
    return {ACCOUNTS: monitoring.accounts, HASHTAGS: monitoring.hashtags, KEYWORDS: monitoring.keywords,
            MUSIC: monitoring.ensembledata.music}  # fmt: skip


_loaded: dict[tuple[str, int, int], Monitoring] = {}


def current_monitoring() -> Monitoring:
    """The monitoring file in effect, read once per version of the file: every part of the code location that
    needs it while loading shares one read, and a sensor tick re-reads it only after it changed."""
    path = monitoring_path()
    try:
        stat = path.stat()
    except OSError:
        return load_monitoring(path)  # raises MonitoringConfigError naming the file
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _loaded:
        _loaded.clear()
        _loaded[key] = load_monitoring(path)
    return _loaded[key]


def load_monitoring(path: Path | str | None = None, today: date | None = None) -> Monitoring:
    """Read and validate monitoring.yaml; raises MonitoringConfigError naming the bad key."""
    path = Path(path) if path is not None else monitoring_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MonitoringConfigError(path, "(file)", f"cannot read: {exc.strerror or exc}") from None
    try:
        raw = load_yaml(text)
    except yaml.YAMLError as exc:
        raise MonitoringConfigError(path, "(syntax)", syntax_problem(exc, path)) from None
    return parse_monitoring(raw, path, today)


def syntax_problem(exc: yaml.YAMLError, path: Path) -> str:
    """The parser's own report, line breaks and caret kept (the caret is useless on one line), under a first
    line that says where: ``line 4, column 9: expected ',' or ']', but got ':'``."""
    report = str(exc).replace('"<unicode string>"', f'"{path}"')
    mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None)
    if mark is None:
        return report
    head = f"line {mark.line + 1}, column {mark.column + 1}: {problem or 'invalid YAML'}"
    return head + "\n" + "\n".join("  " + line for line in report.splitlines())


__all__ = [
    "ACCOUNTS",
    "HASHTAGS",
    "KEYWORDS",
    "MUSIC",
    "CommentSettings",
    "FreshnessSettings",
    "FreshnessWindow",
    "EnsembleDataSettings",
    "Monitoring",
    "MonitoringConfigError",
    "VceQuery",
    "VideoQuery",
    "current_monitoring",
    "dynamic_keys",
    "load_monitoring",
    "monitoring_path",
    "parse_monitoring",
]
