"""The TikTok Research API as assets: endpoint declarations → assets, partitions (48-hour lag), automation."""
