"""The sandbox's HTTP server: routing, the gateways' checks, quotas and limits, faults, clock, stats, control.

Modules, one concern each:
- ``contract``: SandboxRequest / SandboxResponse, the handler contract every emulator speaks (no sockets)
- ``app``: SandboxApp, routing a request to the emulators; ``ensembledata_gate``: the EnsembleData token,
  unit budget and faults; ``control``: ``/_sandbox/…`` (clock, faults, limits, stats, truth, health)
- ``httpd``: the stdlib socket server, transport faults, ``make_server``
- ``clock``, ``faults``, ``limits`` (Limits, QuotaBook), ``stats``: the state the app keeps; ``state``: that
  state declared once for the app's mixins

This ``__init__`` imports nothing on purpose: the emulators import ``server.contract``, and the app imports
the emulators, so importing the package must not import the app.
"""
