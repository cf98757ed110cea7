"""Working days (ngày làm việc): weekends and Vietnamese public holidays, Tết included, skipped.

The seeds set the conclusion notice 10 working days after the meeting (15 when the matters are
complex) and department answers 7 working days after the conclusion.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays

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
