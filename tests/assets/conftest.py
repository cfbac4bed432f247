"""Shared helpers for the research asset tests."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # `import fakes` from the test modules
