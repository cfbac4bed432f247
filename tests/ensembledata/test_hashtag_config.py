"""monitoring.yaml hashtags (the "about X" partitions of EnsembleData): normalised first ('#' dropped, lower
case), then a tag that is empty, holds whitespace or '/', or repeats another is refused at load with an error
naming the entry; nothing reaches the API or the lake."""

from __future__ import annotations

from datetime import date

import pytest

from tiktok_assets.config import MonitoringConfigError, parse_monitoring


def _load(hashtags: list[str]):
    raw = {"date_range": {"start": "2026-01-01"}, "accounts": ["nerali7775"], "hashtags": hashtags,
           "queries": {"pets": {"from": "hashtags"}}}  # fmt: skip
    return parse_monitoring(raw, "m.yaml", today=date(2026, 6, 15))


def test_hashtags_are_normalised() -> None:
    assert _load(["#Cat", "dogs", "#FYP_2026"]).hashtags == ("cat", "dogs", "fyp_2026")


@pytest.mark.parametrize(
    ("hashtags", "key", "says"),
    [
        (["#"], "hashtags[0]", "is not a hashtag"),
        (["cat", "##"], "hashtags[1]", "is not a hashtag"),
        (["cat food"], "hashtags[0]", "is not a hashtag"),
        (["cat\tfood"], "hashtags[0]", "is not a hashtag"),
        (["cats/dogs"], "hashtags[0]", "is not a hashtag"),
        (["cat", "#Cat"], "hashtags[1]", "repeats hashtags[0]"),
        (["CAT", "cat"], "hashtags[1]", "repeats hashtags[0]"),
    ],
    ids=["hash_only", "hashes_only", "space", "tab", "slash", "dupe_after_hash_and_case", "dupe_case"],
)
def test_a_bad_hashtag_is_refused_at_load_naming_it(hashtags: list[str], key: str, says: str) -> None:
    with pytest.raises(MonitoringConfigError) as caught:
        _load(hashtags)
    assert caught.value.key == key and says in caught.value.problem
