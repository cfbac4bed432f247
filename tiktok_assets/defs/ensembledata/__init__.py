"""EnsembleData as assets: endpoint declarations → partitioned assets (posted days, collection days, one
dynamic partitioning per "about X" entity), the page journal that makes a units stop resumable, automation."""
