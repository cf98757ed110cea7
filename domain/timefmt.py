"""Dates as Vietnamese residents read them: dd/mm/yyyy, in the dialogue's time zone.

Every date a person reads goes through `fmt_day`, so the format lives in one place.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def fmt_day(day: date) -> str:
    """A calendar day (or the day of a datetime, as it is written) as dd/mm/yyyy."""
    return f"{day:%d/%m/%Y}"


def fmt_date(moment: datetime, tz: ZoneInfo) -> str:
    return fmt_day(moment.astimezone(tz))


def fmt_datetime(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%H:%M} ngày {fmt_day(local)}"
