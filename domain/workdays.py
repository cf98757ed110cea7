"""Working days (ngày làm việc) as the law counts them: weekends and Vietnamese public holidays,
Tết included, are days off; the Saturdays the government makes working days in exchange for a
longer holiday (26/04/2025 for 02/05/2025, 22/08/2026 for 31/08/2026) are working days.

Both come from the `holidays` package: its Vietnamese calendar lists the days off
(`country_holidays("VN")`, with the swapped days as "Ngày nghỉ (thay cho ngày …)") and the
make-up Saturdays (`weekend_workdays`, since version 0.106). A year the government has not yet
announced its swaps for follows the Labour Code alone (a holiday on a weekend is taken on the
next working day); upgrading `holidays` brings the announced swaps in.

The seeds set the conclusion notice 10 working days after the meeting (15 when the matters are
complex) and department answers 7 working days after the conclusion; a date set by a number of
calendar days that falls on a day off moves to the next working day (Bộ luật Dân sự, art. 148).
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


class _Year(NamedTuple):
    days_off: frozenset[date]  # public holidays and the weekdays given in exchange
    make_up: frozenset[date]  # weekend days that are working days


@cache
def _calendar(year: int) -> _Year:
    # The neighbouring years too: a make-up day can lie in the year before its holiday (a
    # Saturday in December for a day off in January), and the package lists it under either.
    calendar = holidays.country_holidays("VN", years=(year - 1, year, year + 1))
    return _Year(
        frozenset(d for d in calendar if d.year == year),
        frozenset(d for d in calendar.weekend_workdays if d.year == year),
    )


def is_working_day(day: date) -> bool:
    year = _calendar(day.year)
    if day.weekday() >= 5:
        return day in year.make_up
    return day not in year.days_off


def add_working_days(start: date, count: int) -> date:
    """The date `count` working days after `start` (the start day itself is not counted);
    a negative `count` goes back as many working days."""
    step = timedelta(days=1 if count >= 0 else -1)
    day = start
    left = abs(count)
    while left > 0:
        day += step
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days after `start` `end` is (negative when it lies before)."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def next_working_day(day: date) -> date:
    """`day` itself if people work that day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
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
