"""The logger a run's API clients say their retries and give-ups on (``TransportClient.log_to``): Dagster
captures it into the run's event log, with the step it came from, so a step that is slow says why. The
transport's records are redacted on it like on its own logger."""

import dagster as dg

RETRIES = dg.get_dagster_logger("tiktok_assets.retries")
