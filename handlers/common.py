"""Small helpers every flow shares: receipt codes and dates as people type them, and short
quotes of long texts. Flows import these from here, never from each other."""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo

RECEIPT_RE = re.compile(r"^\s*([A-Za-z0-9]{2,10})\s*-\s*(\d{1,6})\s*$")
DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
DATETIME_RE = re.compile(r"^\s*(\d{1,2}/\d{1,2}/\d{4})(?:\s+(\d{1,2})[:h](\d{2}))?\s*$")
SNIPPET_CHARS = 90


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def parse_code(text: str) -> str | None:
    """'bl27 - 3' -> 'BL27-0003': a receipt code as it is stored, however it was typed."""
    found = RECEIPT_RE.match(text)
    if found is None:
        return None
    return f"{found.group(1).upper()}-{int(found.group(2)):04d}"


def parse_date(text: str) -> date | None:
    found = DATE_RE.match(text.strip())
    if found is None:
        return None
    try:
        return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
    except ValueError:
        return None


def parse_local(text: str, tz: tzinfo, default: time = time(17, 0)) -> datetime | None:
    """'15/06/2027 17:00' (or without the time: 17:00) in the dialogue's time zone."""
    found = DATETIME_RE.match(text)
    if found is None:
        return None
    day = parse_date(found.group(1))
    if day is None:
        return None
    at = default
    if found.group(2) is not None:
        hour, minute = int(found.group(2)), int(found.group(3))
        if hour > 23 or minute > 59:
            return None
        at = time(hour, minute)
    return datetime.combine(day, at, tzinfo=tz)
