"""tiktok_assets: TikTok data as a partitioned Parquet lake, orchestrated by Dagster."""

import logging

# A library's loggers say nothing by themselves (no last-resort lines on a CLI's stderr): a run's resources
# send the clients' retries to the run's log, and an application's logging config decides the rest.
logging.getLogger(__name__).addHandler(logging.NullHandler())
