"""EnsembleData account endpoints: units used per day, from the server's counters (`Ctx.usage`)."""

from __future__ import annotations

from datetime import date, timedelta

from tiktok_assets.sandbox.ensembledata.context import Ctx, Reply
from tiktok_assets.sandbox.ensembledata.params import EdError, Params
from tiktok_assets.sandbox.world.catalog import utc_day


def _units_on(ctx: Ctx, day: date) -> int:
    return ctx.usage(day) if ctx.usage is not None else 0


def used_units(p: Params, ctx: Ctx) -> Reply:
    raw = p.required("date")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise EdError(422, "Invalid value for parameter 'date': expected YYYY-MM-DD") from None
    return Reply({"data": _units_on(ctx, day)}, ctx.price("/customer/get-used-units"))


def usage_history(p: Params, ctx: Ctx) -> Reply:
    """Units per day for the last `days` days, today first (shape open: a list of {date, units})."""
    days = p.integer("days", required=True, minimum=1)
    assert days is not None
    today = utc_day(ctx.now)
    history = [
        {"date": (today - timedelta(days=i)).isoformat(), "units": _units_on(ctx, today - timedelta(days=i))}
        for i in range(min(days, 366))
    ]
    return Reply({"data": history}, ctx.price("/customer/get-history"))
