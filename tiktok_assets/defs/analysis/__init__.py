"""Analysis assets: tables and charts over the dbt marts."""
