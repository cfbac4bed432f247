"""tiktok_assets: TikTok data as a partitioned Parquet lake, orchestrated by Dagster."""
