"""VCE query tasks: the resource today; one asset per named query next."""
