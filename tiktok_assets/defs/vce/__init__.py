"""VCE query tasks as assets: ``resources`` (VceResource) · ``tasks`` (a day's tasks: record, resume, write) ·
``assets`` (one asset per named query) · ``automation`` (job, schedule) · ``definitions`` (@dg.definitions)."""
