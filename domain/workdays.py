"""Working days (ngày làm việc): weekends and Vietnamese public holidays, Tết included, skipped.

The seeds set the conclusion notice 10 working days after the meeting (15 when the matters are
complex) and department answers 7 working days after the conclusion.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from typing import NamedTuple

import holidays

from domain.models import Dialogue

CONCLUSION_DAYS = 10
CONCLUSION_DAYS_COMPLEX = 15
ANSWER_DAYS = 7


@cache
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    """The date `count` working days after `start` (the start day itself is not counted)."""
    day = start
    left = count
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def conclusion_due(meeting: date, complex_matters: bool = False) -> date:
    return add_working_days(
        meeting, CONCLUSION_DAYS_COMPLEX if complex_matters else CONCLUSION_DAYS
    )


def answers_due(conclusion: date) -> date:
    return add_working_days(conclusion, ANSWER_DAYS)


class DueDates(NamedTuple):
    """What a dialogue owes after its meeting; None while the meeting date is not set."""

    conclusion: date | None
    answers: date | None


def due_dates(dialogue: Dialogue, published: datetime | None) -> DueDates:
    """The conclusion's due date, and the departments' answers due after it is published (or,
    before that, after the date it is due)."""
    if dialogue.meeting_at is None:
        return DueDates(None, None)
    meeting = dialogue.meeting_at.astimezone(dialogue.tz).date()
    conclusion = conclusion_due(meeting, dialogue.complex)
    base = published.astimezone(dialogue.tz).date() if published else conclusion
    return DueDates(conclusion, answers_due(base))
