"""Checking one imported prospect row fast, with the result of ``clean_prospect``.

:func:`traseu.prospecting.services.clean_prospect` is the rule; this is its fast path for
rows that are fine (most of them): the same normalisations, with e-mail domains checked once
per domain. Whenever a value looks wrong the row goes to ``clean_prospect`` itself, so a bad
row fails with exactly its error.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.validators import EmailValidator

from traseu.core.errors import InvalidInput
from traseu.crm.services import normalise_domain
from traseu.prospecting.names import DOMAIN_LENGTH, email_domain
from traseu.prospecting.services import PROSPECT_FIELDS, TEXT_LIMITS, clean_prospect

DATA_FIELDS = PROSPECT_FIELDS
_FIELDS = frozenset(PROSPECT_FIELDS)
_CENT = Decimal("0.01")
_LIMIT = TEXT_LIMITS
_EMAIL = EmailValidator()


@dataclass(frozen=True, slots=True)
class ProspectRow:
    """One prospect as an importer read it, already checked (see :func:`clean_row`).

    ``row_number`` is the row's place in the source file, for reports.
    """

    company_name: str
    domain: str = ""
    industry: str = ""
    employees: int | None = None
    annual_revenue: Decimal | None = None
    country: str = ""
    contact_first_name: str = ""
    contact_last_name: str = ""
    contact_email: str = ""
    contact_title: str = ""
    contact_phone: str = ""
    source: str = ""
    external_id: str = ""
    custom: dict[str, Any] = field(default_factory=dict)
    row_number: int = 0


class _Refer(Exception):
    """The fast path is unsure: let ``clean_prospect`` decide (and name the error)."""


@functools.cache
def _user_match() -> Callable[[str], Any]:
    """The validator's user-part pattern, compiled once (it is a lazy object)."""
    return re.compile(_EMAIL.user_regex.pattern, _EMAIL.user_regex.flags).match


@functools.cache
def _domain_match() -> Callable[[str], Any]:
    return re.compile(_EMAIL.domain_regex.pattern, _EMAIL.domain_regex.flags).match


@functools.lru_cache(maxsize=8192)
def _domain_ok(domain_part: str) -> bool:
    if _domain_match()(domain_part):
        return True
    return domain_part in _EMAIL.domain_allowlist or bool(_EMAIL.validate_domain_part(domain_part))


def _email(raw: Any) -> str:
    email = str(raw or "").strip().lower()
    if not email:
        return ""
    if "@" not in email or len(email) > 320:
        raise _Refer
    user_part, domain_part = email.rsplit("@", 1)
    if not _user_match()(user_part) or not _domain_ok(domain_part):
        raise _Refer
    return email


def _number(value: Any, *, whole: bool) -> Any:
    if value is None:
        return None
    if type(value) is int and whole:
        if value < 0:
            raise _Refer
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation as error:
        raise _Refer from error
    if not number.is_finite() or number < 0:
        raise _Refer
    if whole:
        if number != number.to_integral_value():
            raise _Refer
        return int(number)
    return number.quantize(_CENT)


def _text(raw: Any, limit: int) -> str:
    text = raw.strip() if raw.__class__ is str else str(raw or "").strip()
    if len(text) > limit:
        raise _Refer
    return text


def _fast(values: Mapping[str, Any], row_number: int) -> ProspectRow:
    if not _FIELDS.issuperset(values):
        raise _Refer
    get = values.get
    company_name = _text(get("company_name"), _LIMIT["company_name"])
    email = _email(get("contact_email"))
    domain = normalise_domain(str(get("domain") or "")) or email_domain(email)
    if len(domain) > DOMAIN_LENGTH:
        raise _Refer
    if not company_name:
        if not domain:
            raise _Refer
        company_name = domain
    country = str(get("country") or "").strip().upper()
    if country and (len(country) != 2 or not country.isalpha()):
        raise _Refer
    custom = get("custom") or {}
    if not isinstance(custom, Mapping):
        raise _Refer
    return ProspectRow(
        company_name,
        domain,
        _text(get("industry"), _LIMIT["industry"]),
        _number(get("employees"), whole=True),
        _number(get("annual_revenue"), whole=False),
        country,
        _text(get("contact_first_name"), _LIMIT["contact_first_name"]),
        _text(get("contact_last_name"), _LIMIT["contact_last_name"]),
        email,
        _text(get("contact_title"), _LIMIT["contact_title"]),
        _text(get("contact_phone"), _LIMIT["contact_phone"]),
        _text(get("source"), _LIMIT["source"]),
        _text(get("external_id"), _LIMIT["external_id"]),
        dict(custom),
        row_number,
    )


def clean_row(values: Mapping[str, Any], row_number: int = 0) -> ProspectRow:
    """The row ``clean_prospect(values)`` gives, or its InvalidInput (the details also name
    the ``row``)."""
    try:
        return _fast(values, row_number)
    except _Refer:
        pass
    try:
        cleaned = clean_prospect(values)
    except InvalidInput as error:
        raise InvalidInput(
            error.message, code=error.code, details={**error.details, "row": row_number}
        ) from error
    return ProspectRow(**cleaned, row_number=row_number)
