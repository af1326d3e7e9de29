"""Parse and check user input for the sales services: every failure is an
:class:`~traseu.core.errors.InvalidInput` naming the field, raised before anything is written."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from traseu.core import concurrency
from traseu.core.errors import Conflict, InvalidInput

CURRENCY = re.compile(r"[A-Z]{3}")


def invalid(field: str, message: str, code: str = "invalid") -> InvalidInput:
    return InvalidInput(message, code=code, details={"field": field})


def text(value: Any, field: str, *, required: bool = False, max_length: int = 0) -> str:
    cleaned = str(value if value is not None else "").strip()
    if required and not cleaned:
        return _raise(invalid(field, _("This field is required."), "required"))
    if max_length and len(cleaned) > max_length:
        return _raise(
            invalid(field, _("At most %(n)s characters.") % {"n": max_length}, "too_long")
        )
    return cleaned


def decimal(
    value: Any,
    field: str,
    *,
    minimum: Decimal | None = Decimal(0),
    maximum: Decimal | None = None,
    places: int = 4,
    required: bool = True,
    positive: bool = False,
) -> Decimal | None:
    """A finite decimal within bounds with at most ``places`` decimals; '' or None is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise invalid(field, _("This field is required."), "required")
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise invalid(field, _("'%(value)s' is not a number.") % {"value": value}) from None
    if not number.is_finite():
        raise invalid(field, _("'%(value)s' is not a number.") % {"value": value})
    if positive and number <= 0:
        raise invalid(field, _("Must be greater than zero."))
    if minimum is not None and number < minimum:
        raise invalid(field, _("Must be at least %(min)s.") % {"min": minimum})
    if maximum is not None and number > maximum:
        raise invalid(field, _("Must be at most %(max)s.") % {"max": maximum})
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise invalid(field, _("At most %(n)s decimals.") % {"n": places})
    if abs(number) >= Decimal(10) ** 10:
        raise invalid(field, _("The number is too large."))
    return number


def required_decimal(value: Any, field: str, **kwargs: Any) -> Decimal:
    number = decimal(value, field, required=True, **kwargs)
    assert number is not None
    return number


def currency(value: Any, field: str = "currency") -> str:
    code = str(value or "").strip().upper()
    if not CURRENCY.fullmatch(code):
        raise invalid(field, _("A currency is a three-letter ISO 4217 code such as EUR or RON."))
    return code


def date(value: Any, field: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise invalid(
            field, _("'%(value)s' is not a date (YYYY-MM-DD).") % {"value": value}
        ) from None


def choice(value: Any, field: str, choices: list[str]) -> str:
    cleaned = str(value or "").strip()
    if cleaned not in choices:
        raise invalid(
            field,
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)},
            "invalid_choice",
        )
    return cleaned


def check_version(current: int, expected: int | None, what: str) -> None:
    """Refuse a write based on a stale copy (``expected`` None skips the check)."""
    message = _("The %(what)s changed since you read it (version %(now)s, not %(then)s).") % {
        "what": what,
        "now": "%(now)s",  # filled in by check_version
        "then": "%(then)s",
    }
    concurrency.check_version(current, expected, message)


@contextmanager
def unique(message: str, code: str, field: str | None = None) -> Iterator[None]:
    """Turn a unique-constraint race (two writers checked "free" at once) into a Conflict."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        details = {"field": field} if field else {}
        raise Conflict(message, code=code, details=details) from error


def _raise(error: Exception) -> str:
    raise error
