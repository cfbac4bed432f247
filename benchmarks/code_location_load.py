"""CPU-seconds to load the code location, as every Dagster process pays it (webserver, daemon, each run worker,
each step process of a multiprocess run): ``from tiktok_assets.definitions import defs; defs()`` in a fresh
interpreter, the median of ``--repeat`` processes, against a baseline measured in the same run:

- ``baseline``: the same command on another commit (``--baseline-ref``, default where this branch left
  ``integration``, i.e. before issue 14), exported with
  ``git archive`` into a temporary folder and imported from there (same interpreter and packages);
- ``import dagster``: the floor no code location goes below.

Then one ``-X importtime`` load of this checkout: the top-level packages by import time (self time summed per
package), so the dbt share (dbt, dagster_dbt, their helpers) is visible apart from the rest. Import times are
wall-clock microseconds from Python and noisy on a shared machine; the CPU-s columns are what the goal is
stated in (issue 14: ≤ 2 CPU-s).

    .venv/bin/python benchmarks/code_location_load.py [--repeat 5] [--baseline-ref REF] [--top 15]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOAD = "from tiktok_assets.definitions import defs; defs()"
FLOOR = "import dagster"
# Packages that come with dbt through dagster-dbt (not imported by anything else in the code location).
DBT_PACKAGES = {
    "dbt", "dbt_common", "dbt_adapters", "dbt_semantic_interfaces", "dagster_dbt", "sqlglot", "mashumaro",
    "networkx", "agate", "jsonschema", "leather", "parsedatetime", "daff", "snowplow_tracker", "sqlparse",
}  # fmt: skip


def child_cpu(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """CPU-s (user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_cpu(code: str, checkout: Path, repeat: int) -> tuple[float, list[float]]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}  # that checkout's tiktok_assets, these packages
    samples = [child_cpu([sys.executable, "-c", code], checkout, env) for _ in range(repeat)]
    return statistics.median(samples), samples


def export(ref: str, into: Path) -> Path:
    """``ref``'s tree (without .git) in ``into``; its dbt manifest is parsed there on the first load."""
    archive = into / "tree.tar"
    subprocess.run(["git", "-C", str(REPO), "archive", "-o", str(archive), ref], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "tree", filter="data")
    return into / "tree"


def import_costs(checkout: Path) -> Counter[str]:
    """Self import time (µs) per top-level package of one load of ``checkout``."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", LOAD], cwd=checkout, env=env,
                          check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    per_package: Counter[str] = Counter()
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            per_package[match[2].split(".")[0]] += int(match[1])
    return per_package


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per command (median)")
    parser.add_argument("--baseline-ref", default=None, help="git ref of the baseline (default: the merge "
                        "base with integration; '' to skip)")  # fmt: skip
    parser.add_argument("--top", type=int, default=15, help="packages listed by import time")
    args = parser.parse_args()
    if args.baseline_ref is None:
        args.baseline_ref = subprocess.run(["git", "-C", str(REPO), "merge-base", "HEAD", "integration"], check=True,
                                           capture_output=True, text=True).stdout.strip()[:10]  # fmt: skip

    rows: list[tuple[str, float, list[float]]] = []
    with tempfile.TemporaryDirectory(prefix="load_bench_") as tmp:
        if args.baseline_ref:
            base = export(args.baseline_ref, Path(tmp))
            child_cpu(
                [sys.executable, "-c", LOAD], base, {**os.environ, "PYTHONPATH": str(base)}
            )  # dbt parse
            rows.append((f"baseline ({args.baseline_ref})", *median_cpu(LOAD, base, args.repeat)))
        child_cpu(
            [sys.executable, "-c", LOAD], REPO, {**os.environ, "PYTHONPATH": str(REPO)}
        )  # warm, as above
        rows.append(("this checkout", *median_cpu(LOAD, REPO, args.repeat)))
        rows.append(("import dagster (floor)", *median_cpu(FLOOR, REPO, args.repeat)))

    reference = rows[0][1]
    print(f"Code-location load, CPU-s (user+sys) of a fresh process, median of {args.repeat}")
    print(f"{'command':<28} {'CPU-s':>7} {'× first row':>12} {'≤ 2 CPU-s':>10}   samples")
    for label, median, samples in rows:
        goal = "yes" if median <= 2.0 else "no"
        spread = " ".join(f"{s:.2f}" for s in samples)
        print(f"{label:<28} {median:>7.2f} {median / reference:>12.2f} {goal:>10}   {spread}")

    costs = import_costs(REPO)
    total = sum(costs.values())
    dbt = sum(v for k, v in costs.items() if k in DBT_PACKAGES)
    print(f"\nImport time of one load of this checkout (-X importtime, wall µs, self time per package): "
          f"{total / 1e6:.2f} s, of which dbt and dagster-dbt {dbt / 1e6:.2f} s ({dbt / total:.0%})")  # fmt: skip
    print(f"{'package':<28} {'s':>7} {'share':>7}  dbt?")
    for name, micros in costs.most_common(args.top):
        print(
            f"{name:<28} {micros / 1e6:>7.2f} {micros / total:>7.1%}  {'dbt' if name in DBT_PACKAGES else ''}"
        )
    heavy = ("pandas", "matplotlib", "PIL", "duckdb", "_duckdb")
    print("heavy packages imported by loading: " + (", ".join(h for h in heavy if h in costs) or "none"))


if __name__ == "__main__":
    main()
