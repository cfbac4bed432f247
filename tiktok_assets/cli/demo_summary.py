"""The demo's tally and closing table: every asset of the code location with its rows, what it spent and its
check results, from the materialization and check events of the demo's runs.

- rows: a partitioned lake asset adds up its partitions (each partition's ``dagster/row_count`` describes that
  partition; the latest figure per partition counts); an unpartitioned asset and a dbt model (which counts its
  whole table on every run) show their latest figure.
- spend (requests, units, records): the run's own figures, from the run summary each collection leaves
  (an observation labelled ``run_*``, ``collect.metadata``), added up over runs; a partition's
  ``requests_spent`` is part of its run's figure and never added again. A column shows only when some asset
  reported it.
- checks: evaluations passed / run, per asset.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

SPEND = {"requests_spent": "requests", "units_spent": "units", "records_received": "records"}
ROW_COUNT = "dagster/row_count"


@dataclass
class AssetTally:
    whole_table: bool  # its row count is the whole table's, not a partition's
    rows: dict[str | None, int] = field(default_factory=dict)  # partition (None: unpartitioned) -> rows
    materialized: bool = False
    spend: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)

    @property
    def row_total(self) -> int | None:
        if not self.rows:
            return None
        if self.whole_table:
            return list(self.rows.values())[-1]
        return sum(self.rows.values())


class DemoTally:
    """Figures for every materializable asset of ``graph``, fed one run result at a time."""

    def __init__(self, graph: Any) -> None:
        self.assets: dict[str, AssetTally] = {}
        for key in sorted(graph.materializable_asset_keys, key=lambda k: k.to_user_string()):
            node = graph.get(key)
            whole = node.partitions_def is None or "dbt" in (node.kinds or ())
            self.assets[key.to_user_string()] = AssetTally(whole_table=whole)

    def add(self, result: Any) -> None:
        """One ``execute_in_process`` result."""
        run_spend: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for event in result.get_asset_observation_events():
            name = event.asset_key.to_user_string()
            meta = event.asset_observation_data.asset_observation.metadata
            for metric in SPEND:
                if f"run_{metric}" in meta:  # one summary per asset and run (per attempt when retried)
                    run_spend[name][metric] += int(meta[f"run_{metric}"].value)
        for event in result.get_asset_materialization_events():
            name = event.asset_key.to_user_string()
            tally = self.assets.setdefault(name, AssetTally(whole_table=True))
            tally.materialized = True
            meta = event.materialization.metadata
            if ROW_COUNT in meta:
                partition = event.materialization.partition
                tally.rows.pop(partition, None)  # keep insertion order = latest last
                tally.rows[partition] = int(meta[ROW_COUNT].value)
        for name, figures in run_spend.items():
            for metric, value in figures.items():
                self.assets[name].spend[metric] += value
        for evaluation in result.get_asset_check_evaluations():
            tally = self.assets.setdefault(
                evaluation.asset_key.to_user_string(), AssetTally(whole_table=True)
            )
            if evaluation.passed:
                tally.checks_passed += 1
            else:
                tally.checks_failed.append(evaluation.check_name)

    def summary(self) -> dict[str, Any]:
        checks_failed = [f"{n}:{c}" for n, t in self.assets.items() for c in t.checks_failed]
        return {
            "assets": list(self.assets),
            "not_run": [n for n, t in self.assets.items() if not t.materialized],
            "rows": {n: t.row_total for n, t in self.assets.items() if t.row_total is not None},
            "requests": {
                n: t.spend["requests_spent"] for n, t in self.assets.items() if "requests_spent" in t.spend
            },
            "spend": {m: {n: t.spend[m] for n, t in self.assets.items() if m in t.spend} for m in SPEND},
            "checks": {
                n: (t.checks_passed, t.checks_passed + len(t.checks_failed)) for n, t in self.assets.items()
            },
            "checks_total": sum(t.checks_passed + len(t.checks_failed) for t in self.assets.values()),
            "checks_failed": checks_failed,
            "lake_rows": sum(t.row_total or 0 for t in self.assets.values() if not t.whole_table),
        }


def print_table(summary: dict[str, Any], echo: Callable[[str], None]) -> None:
    metrics = [m for m in SPEND if summary["spend"][m]]
    width = max(len(n) for n in summary["assets"]) + 2 if summary["assets"] else 40
    head = f"{'asset':<{width}}{'rows':>10}" + "".join(f"{SPEND[m]:>10}" for m in metrics) + f"{'checks':>10}"
    echo(head)
    echo("-" * len(head))
    for name in summary["assets"]:
        if name in summary["not_run"]:
            echo(f"{name:<{width}}{'not run':>10}")
            continue
        rows = summary["rows"].get(name)
        cells = f"{'-' if rows is None else f'{rows:,}':>10}"
        cells += "".join(f"{_figure(summary['spend'][m].get(name)):>10}" for m in metrics)
        passed, total = summary["checks"][name]
        cells += f"{(f'{passed}/{total}' if total else '-'):>10}"
        echo(f"{name:<{width}}{cells}")
    echo("-" * len(head))
    totals = f"{summary['lake_rows']:>10,}" + "".join(
        f"{sum(summary['spend'][m].values()):>10,}" for m in metrics
    )
    checks = f"{summary['checks_total'] - len(summary['checks_failed'])}/{summary['checks_total']}"
    echo(f"{'collected into the lake':<{width}}{totals}{checks:>10}")


def _figure(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def failed_checks_lines(summary: dict[str, Any]) -> Iterable[str]:
    if summary["checks_failed"]:
        yield "FAILED checks: " + ", ".join(summary["checks_failed"])
