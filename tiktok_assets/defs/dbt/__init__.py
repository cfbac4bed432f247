"""The dbt project (dbt-duckdb over the lake) as assets; lineage from lake datasets to their writers."""
