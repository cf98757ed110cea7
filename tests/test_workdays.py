from datetime import date, timedelta

from domain.workdays import (
    add_working_days,
    answers_due,
    conclusion_due,
    is_working_day,
    next_working_day,
    working_days_between,
)


def test_weekends_and_holidays_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 9, 2))  # National Day
    assert not is_working_day(date(2027, 2, 8))  # Tết
    assert is_working_day(date(2026, 11, 23))


def test_ten_working_days_after_a_meeting_skip_the_weekends() -> None:
    # Meeting Friday 24/07/2026: 10 working days later is Friday 07/08/2026.
    assert conclusion_due(date(2026, 7, 24)) == date(2026, 8, 7)
    assert conclusion_due(date(2026, 7, 24), complex_matters=True) == date(2026, 8, 14)


def test_tet_holidays_push_the_deadline() -> None:
    # From Monday 01/02/2027, the Tết week (04-10/02) is not counted.
    assert add_working_days(date(2027, 2, 1), 5) == date(2027, 2, 15)
    assert answers_due(date(2027, 2, 1)) == date(2027, 2, 17)


def test_hung_kings_and_labour_day() -> None:
    # Friday 24/04/2026, then 27/04 (observed), 30/04 and 01/05 are holidays.
    assert add_working_days(date(2026, 4, 24), 3) == date(2026, 5, 4)


# --- the official calendars: make-up Saturdays, swapped days, new holidays ----------------


def test_2025_make_up_saturday_and_swapped_friday() -> None:
    # Thông báo 2025: Saturday 26/04 worked so that Friday 02/05 joins 30/04-01/05.
    assert is_working_day(date(2025, 4, 26))
    assert not any(is_working_day(date(2025, 4, 30) + timedelta(days=n)) for n in range(5))
    # Tết Ất Tỵ: 25/01 to 02/02; National Day: 01-02/09 (Monday, Tuesday).
    assert not any(is_working_day(date(2025, 1, 25) + timedelta(days=n)) for n in range(9))
    assert is_working_day(date(2025, 2, 3))
    assert not is_working_day(date(2025, 9, 1)) and not is_working_day(date(2025, 9, 2))
    # From Thursday 24/04/2025: Friday, the make-up Saturday, then Monday 28/04.
    assert add_working_days(date(2025, 4, 24), 2) == date(2025, 4, 26)
    assert add_working_days(date(2025, 4, 24), 5) == date(2025, 5, 5)


def test_2026_make_up_saturday_tet_and_culture_day() -> None:
    # Tết Bính Ngọ 14/02 to 22/02; Hùng Kings on Sunday 26/04, taken on Monday 27/04.
    assert not any(is_working_day(date(2026, 2, 14) + timedelta(days=n)) for n in range(9))
    assert not is_working_day(date(2026, 4, 27))
    # National Day: Saturday 22/08 worked for Monday 31/08; 24/11 is Vietnam Culture Day.
    assert is_working_day(date(2026, 8, 22)) and not is_working_day(date(2026, 8, 31))
    assert add_working_days(date(2026, 8, 20), 2) == date(2026, 8, 22)
    assert not is_working_day(date(2026, 11, 24))
    assert add_working_days(date(2026, 11, 23), 1) == date(2026, 11, 25)


def test_2027_labour_day_on_saturday_is_taken_on_monday() -> None:
    # No swaps announced for 2027: the Labour Code alone (a weekend holiday moves to Monday).
    assert not is_working_day(date(2027, 4, 30)) and not is_working_day(date(2027, 5, 3))
    assert add_working_days(date(2027, 4, 29), 1) == date(2027, 5, 4)
    assert not is_working_day(date(2027, 9, 2)) and not is_working_day(date(2027, 9, 3))
    assert not is_working_day(date(2027, 11, 24))


def test_counting_back_and_between() -> None:
    assert add_working_days(date(2025, 5, 5), -5) == date(2025, 4, 24)
    assert working_days_between(date(2025, 4, 24), date(2025, 5, 5)) == 5
    assert working_days_between(date(2025, 5, 5), date(2025, 4, 24)) == -5
    assert next_working_day(date(2026, 12, 20)) == date(2026, 12, 21)  # Sunday → Monday
    assert next_working_day(date(2026, 8, 22)) == date(2026, 8, 22)  # a make-up Saturday


def test_every_due_date_from_2024_to_2028_is_a_working_day() -> None:
    # Counting make-up Saturdays as days off put 138 of these one working day late.
    day = date(2024, 1, 1)
    while day <= date(2028, 12, 31):
        for count in (7, 10, 15):
            due = add_working_days(day, count)
            assert is_working_day(due)
            assert working_days_between(day, due) == count
        day += timedelta(days=1)
