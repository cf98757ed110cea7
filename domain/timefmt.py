"""Dates as Vietnamese residents read them: dd/mm/yyyy, in the dialogue's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def fmt_date(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d/%m/%Y")


def fmt_datetime(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"
