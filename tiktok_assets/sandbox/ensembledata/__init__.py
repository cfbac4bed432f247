"""The EnsembleData emulator: every TikTok endpoint of reference/ensembledata-api.md, served from the world.

Modules, one concern each:
- ``endpoints``: the endpoint table, ``handle`` (one request -> EdResult) and ``truth``
- ``context``: what a handler receives and returns (Ctx, Reply), unit prices, user resolution
- ``params``: query-parameter parsing (Params, EdError); ``paging``: offset and time cursors
- ``restricted``: the documented refusals (restricted topics and users, account-state tokens)
- ``shapes``: TikTok's JSON shapes as EnsembleData passes them through
- ``videos``, ``users``, ``comments``, ``music``, ``customer``: the endpoint handlers
The server (``server.ensembledata_gate``) checks the token, the unit budget and faults before ``handle``.
"""

from tiktok_assets.sandbox.ensembledata.context import DEFAULT_PRICES
from tiktok_assets.sandbox.ensembledata.endpoints import ENDPOINTS, EdResult, handle, normalize_path, truth

__all__ = ["DEFAULT_PRICES", "ENDPOINTS", "EdResult", "handle", "normalize_path", "truth"]
