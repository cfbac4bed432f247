"""The ``freshness`` part of monitoring.yaml: when a collection asset counts as late, per schedule cadence.

A collection asset warns once its newest materialization is older than ``warn_after`` and fails after
``fail_after`` (Dagster freshness policies, shown in the UI). Each source gives its assets a cadence:
``daily`` (the day and profile collections) or ``weekly`` (account snapshots). Durations are written
``90m``, ``27h``, ``7d``, ``7d3h`` (days, hours, minutes; at least a minute, Dagster's floor).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from tiktok_assets.config.validation import Validator

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
CADENCES = ("daily", "weekly")


@dataclass(frozen=True)
class FreshnessWindow:
    warn_after: timedelta
    fail_after: timedelta


@dataclass(frozen=True)
class FreshnessSettings:
    # A daily collection runs at 02:00-03:00 UTC: late once a day and 3 hours have passed since the last one
    # (today's run is overdue), failing once a second day is missed too.
    daily: FreshnessWindow = field(
        default_factory=lambda: FreshnessWindow(timedelta(hours=27), timedelta(hours=51))
    )
    # Weekly account snapshots (Monday 04:00 UTC): the same grace, a week apart.
    weekly: FreshnessWindow = field(
        default_factory=lambda: FreshnessWindow(timedelta(days=7, hours=3), timedelta(days=14, hours=3))
    )

    def of(self, cadence: str) -> FreshnessWindow:
        return getattr(self, cadence)


def duration(v: Validator, value: Any, key: str) -> timedelta:
    match = _DURATION.match(str(value).strip().replace(" ", "")) if value is not None else None
    if not match or not any(match.groups()):
        raise v.fail(key, f"expected a duration like 90m, 27h, 7d or 7d3h, got {value!r}")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    out = timedelta(days=days, hours=hours, minutes=minutes)
    if out < timedelta(minutes=1):
        raise v.fail(key, "must be at least 1m")
    return out


def as_text(td: timedelta) -> str:
    """A duration as monitoring.yaml writes it: ``1d3h``, ``90m`` → ``1h30m``."""
    hours, minutes = divmod(td.seconds // 60, 60)
    return "".join(f"{n}{unit}" for n, unit in ((td.days, "d"), (hours, "h"), (minutes, "m")) if n) or "0m"


def freshness_settings(v: Validator, raw: Any) -> FreshnessSettings:
    top = v.mapping(raw or {}, "freshness", CADENCES)
    defaults = FreshnessSettings()
    windows: dict[str, FreshnessWindow] = {}
    for cadence in CADENCES:
        if cadence not in top:
            continue
        key = f"freshness.{cadence}"
        entry = v.mapping(top[cadence], key, ("warn_after", "fail_after"))
        default = defaults.of(cadence)
        warn = (
            duration(v, entry["warn_after"], f"{key}.warn_after")
            if "warn_after" in entry
            else default.warn_after
        )
        fail = (
            duration(v, entry["fail_after"], f"{key}.fail_after")
            if "fail_after" in entry
            else default.fail_after
        )
        if warn >= fail:
            shown = {name: str(entry[name]) if name in entry else f"{as_text(td)} by default"
                     for name, td in (("warn_after", warn), ("fail_after", fail))}  # fmt: skip
            raise v.fail(
                key,
                f"warn_after ({shown['warn_after']}) must be shorter than fail_after ({shown['fail_after']})",
            )
        windows[cadence] = FreshnessWindow(warn, fail)
    return FreshnessSettings(**windows)
