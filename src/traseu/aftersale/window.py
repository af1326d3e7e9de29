"""When the follow-up call is due: a working day inside the process's window after the close.

Pure dates, no Django. Working days are Monday to Friday (public holidays are not known).
"""

from __future__ import annotations

import datetime as dt

SATURDAY = 5


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < SATURDAY


def follow_up_window(closed_on: dt.date, days: tuple[int, int]) -> tuple[dt.date, dt.date]:
    """The first and last day of the window ``days`` (``[earliest, latest]`` days after)."""
    earliest, latest = days
    return closed_on + dt.timedelta(days=earliest), closed_on + dt.timedelta(days=latest)


def follow_up_due(closed_on: dt.date, days: tuple[int, int]) -> dt.date:
    """The first working day of the window; when the window holds none (a one- or two-day
    window over a weekend) the first working day after it."""
    day, last = follow_up_window(closed_on, days)
    while not is_working_day(day) and day < last:
        day += dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day
