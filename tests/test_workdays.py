from datetime import date

from domain.workdays import add_working_days, answers_due, conclusion_due, is_working_day


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
