"""Run bookkeeping every source shares: what a run spent (``spend``), which partitions an earlier attempt of
the same run already stored (``lineage``), the checks over what it wrote (``checks``) and the metadata a
materialization reports (``metadata``). Knows Dagster's run context and the lake; imports nothing of ``defs``.
"""
