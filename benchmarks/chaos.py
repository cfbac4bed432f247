"""The demo's 30-day collection (research group) under every fault kind at once, per fault rate: what it
collected against the sandbox's truth, what it spent against the fault-free run, the quota it booked against
the quota the server counted, and how long it took. Real timing, the ``sandbox`` retry policy (waits of tens
of milliseconds; ``--policy standard`` for the production waits), the real daily quota (1,000 video requests).

Columns: ``keys`` found / truth keys (lake + quarantine, every dataset; ``dupes`` must be 0; the truth shrinks
with the rate because a quarantined video's comments are not selected for collection); ``runs`` that
failed; ``step retries`` the assets' RetryPolicy made by itself; HTTP ``requests`` (retries, tokens included)
and their ratio to the fault-free run; quota ``booked`` by the ledger (of which ``uncertain``: no answer or a
gateway 504) against what the sandbox ``counted``, and ``known/counted`` (must be 1.00).
Run: .venv/bin/python benchmarks/chaos.py [--rates 0,0.1,0.2,0.3] [--policy sandbox]

Measured (2 shared cores, load ~8, so seconds are noisy):
 faults          keys dupes runs failed step retries  requests × fault-free  booked uncertain counted known/counted  seconds
    0%  14715/14715      0           0            0       306         1.00     296         0     296          1.00    162.9
   10%  12806/12806      0           0            0       559         1.83     501       111     390          1.00    121.4
   20%  11788/11788      0           0            0      1093         3.57     943       387     556          1.00    233.7
   30%  10674/10674      0           0            2      2540         8.30    2008      1184     824          1.00    384.6
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "reliability"))

from chaos import collected, every_fault  # noqa: E402

from tiktok_assets.clients.quota import QuotaLedger  # noqa: E402


def measure(rate: float, policy: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, collected(Path(tmp), every_fault(rate), policy=policy) as run:
        problems = run.mismatches()
        stats = run.sandbox.stats()
        counted = sum(b["requests"] for b in stats["quota"]["research"][run.today].values())
        ledger = QuotaLedger(f"sqlite:///{Path(tmp) / 'quota.sqlite'}")
        booked = uncertain = 0
        for bucket in ("video", "follow", "other"):
            used = ledger.used("research", bucket, run.today)
            booked, uncertain = booked + used.requests, uncertain + used.uncertain
        ledger.close()
        return {
            "rate": rate, "found": run.found, "wanted": run.wanted,
            "dupes": sum(1 for p in problems if "duplicates" in p), "failed": len(run.failed_runs()),
            "retries": run.step_retries(), "requests": stats["requests_total"], "booked": booked,
            "uncertain": uncertain, "counted": counted, "seconds": run.seconds,
        }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="0,0.1,0.2,0.3")
    parser.add_argument("--policy", default="sandbox")
    args = parser.parse_args()
    rows = [measure(float(r), args.policy) for r in args.rates.split(",")]
    base = rows[0]["requests"] or 1
    print(f"{'faults':>7} {'keys':>13} {'dupes':>5} {'runs failed':>11} {'step retries':>12} {'requests':>9} "
          f"{'× fault-free':>12} {'booked':>7} {'uncertain':>9} {'counted':>7} {'known/counted':>13} {'seconds':>8}")  # fmt: skip
    for r in rows:
        known = (r["booked"] - r["uncertain"]) / (r["counted"] or 1)
        print(f"{r['rate']:>6.0%} {r['found']:>6}/{r['wanted']:<6} {r['dupes']:>5} {r['failed']:>11} "
              f"{r['retries']:>12} {r['requests']:>9} {r['requests'] / base:>12.2f} {r['booked']:>7} "
              f"{r['uncertain']:>9} {r['counted']:>7} {known:>13.2f} {r['seconds']:>8.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
