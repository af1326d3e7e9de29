"""Forecast periods: a month (``2026-05``), a quarter (``2026-Q2``) or a year (``2026``)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.core.errors import InvalidInput

PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|[Qq](?P<quarter>[1-4])))?$")


@dataclass(frozen=True)
class Period:
    key: str  # as written in URLs and on the command line
    start: dt.date
    end: dt.date  # exclusive

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware datetimes [start, end) in the current time zone."""
        zone = timezone.get_current_timezone()
        return (
            dt.datetime.combine(self.start, dt.time.min, tzinfo=zone),
            dt.datetime.combine(self.end, dt.time.min, tzinfo=zone),
        )

    def previous(self) -> Period:
        return period_containing(self.start - dt.timedelta(days=1), self.kind)

    def next(self) -> Period:
        return period_containing(self.end, self.kind)

    @property
    def kind(self) -> str:
        if "-Q" in self.key:
            return "quarter"
        return "month" if "-" in self.key else "year"


def period_containing(day: dt.date, kind: str = "quarter") -> Period:
    if kind == "month":
        start = day.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1)
        return Period(f"{day.year}-{day.month:02d}", start, end)
    if kind == "year":
        return Period(str(day.year), dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1))
    quarter = (day.month - 1) // 3 + 1
    start = dt.date(day.year, 3 * quarter - 2, 1)
    end = dt.date(day.year + 1, 1, 1) if quarter == 4 else dt.date(day.year, 3 * quarter + 1, 1)
    return Period(f"{day.year}-Q{quarter}", start, end)


def parse_period(text: str | None, *, today: dt.date | None = None) -> Period:
    """``2026-05``, ``2026-Q2`` or ``2026``; empty: the current quarter."""
    text = (text or "").strip()
    if not text:
        return period_containing(today or timezone.localdate(), "quarter")
    match = PATTERN.match(text)
    month = int(match["month"]) if match and match["month"] else None
    if match is None or (month is not None and not 1 <= month <= 12):
        raise InvalidInput(
            _(
                "'%(period)s' is not a period: write a month (2026-05), a quarter (2026-Q2) "
                "or a year (2026)."
            )
            % {"period": text},
            code="invalid_period",
            details={"field": "period"},
        )
    year = int(match["year"])
    if month is not None:
        return period_containing(dt.date(year, month, 1), "month")
    if match["quarter"]:
        return period_containing(dt.date(year, 3 * int(match["quarter"]) - 2, 1), "quarter")
    return period_containing(dt.date(year, 1, 1), "year")
