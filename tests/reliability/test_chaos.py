"""Issue 16.7, the chaos test: the demo's 30-day collection with every fault kind at 20% at once — 500s, 400
"Something went wrong", HTML 504s, "Invalid count or cursor", 429s, reset connections, cut bodies, bad text,
ids beyond int64, search_ids refused while fresh — ends with every dataset's keys equal to the sandbox's
truth (lake plus quarantine), no duplicate, and no manual step: every run succeeds by itself.

Real timing; the retry policy is the ``sandbox`` preset (waits of tens of milliseconds, the production
attempt counts), so the collection takes a couple of minutes. The quota stays the real one (1,000 video
requests a day): under these faults the collection fits in it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from chaos import Collection, collected, every_fault

pytestmark = [pytest.mark.reliability, pytest.mark.slow]


@pytest.fixture(scope="module")
def chaos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collection]:
    with collected(tmp_path_factory.mktemp("chaos"), every_fault(0.2)) as collection:
        yield collection


def test_every_run_succeeds_with_no_manual_step(chaos: Collection) -> None:
    assert chaos.results and not chaos.failed_runs()
    faults = chaos.sandbox.stats()["faults"]
    assert len(faults) >= 9 and min(faults.values()) > 0, faults  # every kind really happened


def test_every_dataset_equals_the_truth_with_no_duplicate(chaos: Collection) -> None:
    assert chaos.mismatches() == []


def test_hostile_records_are_quarantined_and_flagged_the_rest_of_the_checks_pass(chaos: Collection) -> None:
    failed = chaos.failed_checks()
    assert failed and {check for _, check in failed} == {"no_quarantined_rows"}
    assert chaos.quarantined("videos")  # ids beyond int64 were met, kept with their raw record


def test_quota_stays_within_the_daily_budget(chaos: Collection) -> None:
    used = chaos.sandbox.stats()["quota"]["research"][chaos.today]["video"]["requests"]
    assert used <= 1000


def test_reliability_modules_are_importable_from_the_tests_dir() -> None:
    assert Path(__file__).with_name("chaos.py").exists()
