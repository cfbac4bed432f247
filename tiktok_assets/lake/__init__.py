"""The Parquet lake: datasets declared once (``datasets``), normalizing API records into them
(``normalize``), atomic streaming writes (``writer``), reads (``reader``), all through a storage seam
(``storage``: the local disk today).

Plain pyarrow on purpose: usable from a notebook or a benchmark without Dagster.
"""
