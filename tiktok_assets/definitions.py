"""The one Definitions object of the code location: each source module's `defs`, merged.

Nothing else lives here; assets, checks, schedules and resources are defined next to what they describe.
"""

from __future__ import annotations

import dagster as dg

defs = dg.Definitions.merge()
