"""Each source's endpoints declared as data (``spec.Endpoint``): the one place that says which API path writes
which lake dataset, how it pages and what its partition key means."""
