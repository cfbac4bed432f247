"""VCE (TikTok's Virtual Compute Environment): the query-task service and the RQS stand-in client.

Modules, one concern each:
- ``service``: VceService, the query-task service mounted at ``/vce/…`` (protocol, lifecycle, stages)
- ``query``: the condition_groups / fields language; ``fields``: the categories, their fields and rows
- ``execute``: a compiled query run against the world at the task's snapshot time
- ``rqs_client``: RQSClient, pyrqs' Python surface over that protocol (httpx only)

This ``__init__`` imports nothing on purpose: ``clients/vce.py`` loads ``rqs_client`` by module name when
pyrqs is absent, and that import must not pull in the emulator (or anything else of the sandbox).
"""
