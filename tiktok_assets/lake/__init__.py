"""The Parquet lake: explicit Arrow schemas (``schemas``), atomic streaming writes (``writer``), reads (``reader``).

Plain pyarrow on purpose: usable from a notebook or a benchmark without Dagster.
"""

from tiktok_assets.lake.layout import partition_dir, partition_file
from tiktok_assets.lake.reader import list_partitions, read_partition
from tiktok_assets.lake.schemas import DATASETS, SCHEMAS, SOURCE, normalize
from tiktok_assets.lake.writer import DayRouter, PartitionWriter

__all__ = [
    "DATASETS",
    "SCHEMAS",
    "SOURCE",
    "DayRouter",
    "PartitionWriter",
    "list_partitions",
    "normalize",
    "partition_dir",
    "partition_file",
    "read_partition",
]
