"""Dynamic partitions that follow monitoring.yaml, shared by every source: accounts, hashtags, keywords, music.

``monitoring_partitions_sensor`` (``defs.monitoring.sensors``) keeps them equal to the file's lists
(``config.dynamic_keys``).
"""

from __future__ import annotations

import dagster as dg

from tiktok_assets.config import ACCOUNTS, HASHTAGS, KEYWORDS, MUSIC

accounts_partitions = dg.DynamicPartitionsDefinition(name=ACCOUNTS)
hashtags_partitions = dg.DynamicPartitionsDefinition(name=HASHTAGS)
keywords_partitions = dg.DynamicPartitionsDefinition(name=KEYWORDS)
# Sound ids (monitoring.yaml ensembledata.music).
music_partitions = dg.DynamicPartitionsDefinition(name=MUSIC)
