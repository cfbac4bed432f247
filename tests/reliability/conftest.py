"""The reliability suite (issue 16): run alone with ``pytest -m reliability``. Helpers: ``chaos.py``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # `from chaos import …` (also used by benchmarks/chaos.py)
