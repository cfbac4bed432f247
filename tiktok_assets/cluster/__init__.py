"""Running the code location beyond one process: the Celery executor's settings and app, and the local
stand-ins of a cluster's services (PostgreSQL, Redis, an S3 API, Celery workers) that `make demo-cluster`,
the cluster tests and the scale-out benchmark start on loopback and stop again.

The stand-ins are for this machine only; on a real cluster each piece is a service the group already runs
(README, "Running on a cluster"), reached through the same environment variables.
"""
