"""The follow-up is planned on a working day inside the window (pure dates, no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from traseu.aftersale.window import follow_up_due, follow_up_window, is_working_day

# 2026-03-02 is a Monday; the list covers every weekday, both weekend days and a month end.
CLOSES = [dt.date(2026, 3, 2) + dt.timedelta(days=n) for n in range(7)] + [dt.date(2026, 1, 31)]


@pytest.mark.parametrize("closed_on", CLOSES, ids=lambda d: f"{d:%a-%d-%b}")
@pytest.mark.parametrize("days", [(14, 28), (10, 21), (21, 42), (0, 3)])
def test_the_due_day_is_a_working_day_inside_the_window(
    closed_on: dt.date, days: tuple[int, int]
) -> None:
    start, end = follow_up_window(closed_on, days)
    due = follow_up_due(closed_on, days)
    assert start <= due <= end
    assert is_working_day(due)
    # ...and the first such day: every day before it in the window is a weekend day.
    assert all(not is_working_day(start + dt.timedelta(days=n)) for n in range((due - start).days))


def test_a_close_on_saturday_with_14_days_is_called_on_the_monday_after() -> None:
    assert follow_up_due(dt.date(2026, 3, 7), (14, 28)) == dt.date(2026, 3, 23)


def test_a_window_of_only_weekend_days_moves_to_the_next_working_day() -> None:
    # Closed on Wednesday 2026-03-04; day 3 and 4 are Saturday and Sunday.
    assert follow_up_due(dt.date(2026, 3, 4), (3, 4)) == dt.date(2026, 3, 9)
