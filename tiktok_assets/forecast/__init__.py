"""What a collection will cost before it runs: one module per source, each returning ``ForecastLine``s."""
