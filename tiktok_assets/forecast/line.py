"""One forecast figure: what one asset will spend of one API's allowance over a window."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ForecastLine:
    asset: str  # the asset key as the UI writes it, e.g. "research/comments"
    api: str  # "research" | "ensembledata" | "vce"
    unit: str  # what the API counts: "requests", "units", "records"
    amount: int
    basis: str  # how the figure was estimated, in one line
    bucket: str = ""  # the API's quota bucket it draws on ("video", "follow"…), if the API has several
    # ± this much is the ~95% range the recorded days' day-to-day variation gives (``forecast.history``);
    # 0 when the figure is a count of what will be asked, or an assumption.
    spread: int = 0
