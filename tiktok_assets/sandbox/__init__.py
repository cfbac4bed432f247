"""The offline TikTok: a deterministic world served over real HTTP (see docs/architecture.md).

Sub-packages, one concern each (every package ``__init__`` lists its modules):
- ``world``: the deterministic world (World, its records, vocabulary, hashing) and cached views over it
- ``research``: the Research API emulator; ``ensembledata``: the EnsembleData emulator
- ``vce``: the VCE query-task service and the RQS stand-in client
- ``server``: the HTTP server (routing, gateways' checks, quotas, faults, clock, stats, control) and the
  handler contract the emulators speak
Entry points: ``testing.running_sandbox(...)`` (tests, demo, benchmarks) and ``cli`` (``tiktok-assets
sandbox serve``). The rest of the project reaches the sandbox only over HTTP (the one exception is
``vce.rqs_client``, see ``clients/vce.py``); nothing here imports the rest of the project.
"""
