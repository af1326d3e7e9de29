"""Writes of prospecting: lists, prospects and their status (conversion into deals is in
:mod:`traseu.prospecting.conversion`).

Every service takes keyword arguments and runs in one transaction. Importers create prospects
through :func:`prospect_add`, which cleans, de-duplicates, recognises existing accounts and
scores exactly as the web page does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.core.errors import InvalidInput
from traseu.core.models import User
from traseu.crm.access import require_writer
from traseu.crm.models import Account
from traseu.crm.services import normalise_domain
from traseu.prospecting.fit import accounts_matching, score_prospect
from traseu.prospecting.models import (
    IdealCustomerProfile,
    Prospect,
    ProspectList,
    ProspectStatus,
)
from traseu.prospecting.names import DOMAIN_LENGTH, dedupe_key, email_domain, normalise_name

Clock = Callable[[], dt.datetime]
PROSPECT_FIELDS = (
    "company_name",
    "domain",
    "industry",
    "employees",
    "annual_revenue",
    "country",
    "contact_first_name",
    "contact_last_name",
    "contact_email",
    "contact_title",
    "contact_phone",
    "source",
    "external_id",
    "custom",
)
TEXT_LIMITS = {
    "company_name": 200,
    "industry": 100,
    "contact_first_name": 100,
    "contact_last_name": 100,
    "contact_title": 120,
    "contact_phone": 40,
    "source": 100,
    "external_id": 100,
}


def prospect_list_create(
    *,
    name: str,
    acting_user: User,
    profile: IdealCustomerProfile | None = None,
    description: str = "",
    clock: Clock = timezone.now,
) -> ProspectList:
    """Create a list owned by ``acting_user``, shared with their first team."""
    require_writer(acting_user)
    if not name.strip():
        raise InvalidInput(_("A prospect list needs a name."), details={"field": "name"})
    return ProspectList.objects.create(
        name=name.strip()[:200],
        description=description.strip(),
        profile=profile,
        owner=acting_user,
        team=acting_user.teams.order_by("pk").first(),
        created_at=clock(),
    )


def prospect_list_set_profile(
    *, prospect_list: ProspectList, profile: IdealCustomerProfile | None, acting_user: User
) -> ProspectList:
    """Score the list against another profile (or none): every prospect is rescored."""
    require_writer(acting_user)
    with transaction.atomic():
        prospect_list.profile = profile
        prospect_list.save(update_fields=["profile"])
        prospects = list(prospect_list.prospects.select_related("account"))
        for prospect in prospects:
            score_prospect(prospect, profile)
        Prospect.objects.bulk_update(prospects, ["fit_score", "fit_explanation"], batch_size=500)
    return prospect_list


def _text(values: dict[str, Any], name: str) -> str:
    text = str(values.get(name) or "").strip()
    limit = TEXT_LIMITS.get(name)
    if limit is not None and len(text) > limit:
        raise InvalidInput(
            _("%(field)s is longer than %(limit)d characters.") % {"field": name, "limit": limit},
            details={"field": name},
        )
    return text


def _number(value: Any, name: str, *, whole: bool) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number < 0 or (whole and number != number.to_integral_value()):
        message = (
            _("%(field)s must be a whole number of at least 0, not '%(value)s'.")
            if whole
            else _("%(field)s must be a number of at least 0, not '%(value)s'.")
        )
        raise InvalidInput(message % {"field": name, "value": value}, details={"field": name})
    return int(number) if whole else number.quantize(Decimal("0.01"))


def clean_prospect(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check and normalise a prospect's fields (what :func:`prospect_add` stores).

    Raises InvalidInput naming the field: an unknown field, no company name (nor a domain to
    name it after), an e-mail or country that is not one, a negative or non-numeric size.
    """
    unknown = sorted(set(values) - set(PROSPECT_FIELDS))
    if unknown:
        raise InvalidInput(
            _("Unknown prospect fields: %(fields)s.") % {"fields": ", ".join(unknown)},
            details={"fields": unknown},
        )
    raw = dict(values)
    cleaned: dict[str, Any] = {name: _text(raw, name) for name in TEXT_LIMITS}
    cleaned["contact_email"] = str(raw.get("contact_email") or "").strip().lower()
    if cleaned["contact_email"]:
        try:
            validate_email(cleaned["contact_email"])
        except ValidationError as error:
            raise InvalidInput(
                _("'%(value)s' is not an e-mail address.") % {"value": cleaned["contact_email"]},
                details={"field": "contact_email"},
            ) from error
    domain = normalise_domain(str(raw.get("domain") or ""))
    cleaned["domain"] = domain or email_domain(cleaned["contact_email"])
    if len(cleaned["domain"]) > DOMAIN_LENGTH:
        field = "domain" if domain else "contact_email"
        raise InvalidInput(
            _("The web domain of %(field)s is longer than %(limit)d characters.")
            % {"field": field, "limit": DOMAIN_LENGTH},
            details={"field": field},
        )
    if not cleaned["company_name"]:
        if not cleaned["domain"]:
            raise InvalidInput(
                _("A prospect needs a company name."), details={"field": "company_name"}
            )
        cleaned["company_name"] = cleaned["domain"]
    country = str(raw.get("country") or "").strip().upper()
    if country and (len(country) != 2 or not country.isalpha()):
        raise InvalidInput(
            _("Country '%(value)s' is not a two-letter ISO code such as RO.")
            % {"value": raw.get("country")},
            details={"field": "country"},
        )
    cleaned["country"] = country
    cleaned["employees"] = _number(raw.get("employees"), "employees", whole=True)
    cleaned["annual_revenue"] = _number(raw.get("annual_revenue"), "annual_revenue", whole=False)
    custom = raw.get("custom") or {}
    if not isinstance(custom, Mapping):
        raise InvalidInput(_("Custom attributes must be a mapping."), details={"field": "custom"})
    cleaned["custom"] = dict(custom)
    return cleaned


@dataclass(frozen=True)
class AddResult:
    prospect: Prospect
    created: bool  # false: the list already had this company (``prospect`` is that one)


def prospect_add(
    *,
    prospect_list: ProspectList,
    acting_user: User | None,
    clock: Clock = timezone.now,
    **values: Any,
) -> AddResult:
    """Add a company to a list, unless the list has it already.

    Guarantees: bad input raises InvalidInput and stores nothing; a company is in a list once
    (same normalised domain, else same normalised name, or the same ``external_id``; enforced
    by the database, so two concurrent adds give one row); a new prospect is recognised as an
    existing account (by domain, then by name) and scored against the list's profile.
    ``acting_user`` None is an importer acting for the system.
    """
    if acting_user is not None:
        require_writer(acting_user)
    cleaned = clean_prospect(values)
    name_key = normalise_name(cleaned["company_name"])
    key = dedupe_key(domain=cleaned["domain"], name_key=name_key)
    same = Q(dedupe_key=key)
    if cleaned["external_id"]:  # the importer's id: a re-run finds the row it created
        same |= Q(external_id=cleaned["external_id"])
    existing = Prospect.objects.filter(same, prospect_list=prospect_list).first()
    if existing is not None:
        return AddResult(existing, created=False)
    account_id, matched_by = accounts_matching([cleaned["domain"]], [name_key]).find(
        cleaned["domain"], name_key
    )
    prospect = Prospect(
        prospect_list=prospect_list,
        name_key=name_key,
        dedupe_key=key,
        account=Account.objects.filter(pk=account_id).first() if account_id else None,
        matched_by=matched_by,
        created_at=clock(),
        created_by=acting_user,
        **cleaned,
    )
    score_prospect(prospect, prospect_list.profile)
    try:
        with transaction.atomic():
            prospect.save()
    except IntegrityError:  # a concurrent add of the same company won
        existing = Prospect.objects.filter(same, prospect_list=prospect_list).first()
        if existing is None:
            raise
        return AddResult(existing, created=False)
    return AddResult(prospect, created=True)


def prospect_set_status(
    *, prospect: Prospect, status: str, acting_user: User, reason: str = ""
) -> Prospect:
    """Set a prospect's status: new, researching, or disqualified (a reason is required).

    A converted prospect keeps its status; conversion is ``conversion.prospects_convert``'s.
    """
    require_writer(acting_user)
    allowed = (ProspectStatus.NEW, ProspectStatus.RESEARCHING, ProspectStatus.DISQUALIFIED)
    if status not in allowed:
        raise InvalidInput(
            _("Unknown prospect status '%(status)s'; use one of: %(statuses)s.")
            % {"status": status, "statuses": ", ".join(allowed)},
            details={"field": "status"},
        )
    if prospect.status == ProspectStatus.CONVERTED:
        raise InvalidInput(
            _("%(company)s is converted already.") % {"company": prospect.company_name},
            code="prospect_converted",
            details={"field": "status"},
        )
    reason = reason.strip()
    if status == ProspectStatus.DISQUALIFIED and not reason:
        raise InvalidInput(_("Say why the prospect is disqualified."), details={"field": "reason"})
    prospect.status = status
    prospect.disqualified_reason = reason[:300] if status == ProspectStatus.DISQUALIFIED else ""
    prospect.save(update_fields=["status", "disqualified_reason", "updated_at"])
    return prospect
