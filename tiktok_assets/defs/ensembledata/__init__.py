"""EnsembleData: the resource today; assets from endpoint declarations next."""
