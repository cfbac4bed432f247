"""Analyses over the dbt marts (plain DuckDB + pandas + matplotlib; the Dagster assets live in assets/)."""
