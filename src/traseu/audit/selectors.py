"""Reading the audit trail, for the people allowed to.

Who may read it: administrators (and superusers) everything; sales managers the entries about
the deals they can see (:func:`traseu.crm.access.deals_visible_to`) and the entries about other
records (accounts, contacts, users, tokens, processes) made by themselves or by members of their
teams. Everybody else is refused (403 ``audit_forbidden``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.audit.models import Action, AuditEntry, Via
from traseu.core.errors import InvalidInput, PermissionDenied
from traseu.core.models import Role, User
from traseu.crm.access import deal_for, deals_visible_to

OBJECT = re.compile(r"([a-z][a-z_]{0,39}):([0-9]{1,18})")
AUDIT_SORT_KEYS = {"at": "at"}


@dataclass(frozen=True)
class AuditFilters:
    """What to show; empty fields do not filter. ``since`` is inclusive, ``until`` exclusive."""

    object_type: str = ""
    object_id: int | None = None
    deal_id: int | None = None
    actor: str = ""
    via: str = ""
    action: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def may_read_audit(user: User) -> bool:
    return user.is_active and (user.is_superuser or user.role in (Role.ADMIN, Role.SALES_MANAGER))


def require_auditor(user: User) -> None:
    if not may_read_audit(user):
        raise PermissionDenied(
            _("Only sales managers and administrators may read the audit trail."),
            code="audit_forbidden",
        )


def audit_visible_to(user: User) -> QuerySet[AuditEntry]:
    """The entries ``user`` may read (403 for anyone but managers and administrators)."""
    require_auditor(user)
    entries = AuditEntry.objects.all()
    if user.is_superuser or user.role == Role.ADMIN:
        return entries
    colleagues = User.objects.filter(teams__in=user.teams.all()).values("pk")
    return entries.filter(
        Q(deal_id__in=deals_visible_to(user).values("pk"))
        | Q(deal_id__isnull=True) & (Q(actor=user) | Q(actor__in=colleagues))
    )


def audit_entries(*, user: User, filters: AuditFilters) -> QuerySet[AuditEntry]:
    """The entries ``user`` may read that match ``filters``, newest first, actors loaded.

    Filtering by deal answers 404 when the deal is missing or not the user's to see.
    """
    rows = audit_visible_to(user).select_related("actor")
    if filters.deal_id is not None:
        rows = rows.filter(deal_id=deal_for(user, filters.deal_id).pk)
    conditions = {
        "object_type": filters.object_type,
        "object_id": filters.object_id,
        "actor__username": filters.actor,
        "via": filters.via,
        "action": filters.action,
        "at__gte": filters.since,
        "at__lt": filters.until,
    }
    return rows.filter(**{k: v for k, v in conditions.items() if v not in (None, "")})


def audit_of_deal(*, user: User, deal_id: int) -> QuerySet[AuditEntry]:
    """Everything recorded about one deal and its parts (activities, contacts, documents,
    answers), newest first. 404 if the deal is missing or not the user's to see."""
    return audit_entries(user=user, filters=AuditFilters(deal_id=deal_id))


def parse_object(text: str) -> tuple[str, int]:
    """``deal:12`` → ``("deal", 12)``; anything else is refused (InvalidInput)."""
    match = OBJECT.fullmatch(text.strip())
    if match is None:
        raise InvalidInput(
            _("'%(value)s' does not name a record; write TYPE:ID, for example deal:12.")
            % {"value": text},
            details={"field": "object"},
        )
    return match.group(1), int(match.group(2))


def check_choice(value: str, field: str) -> str:
    """``value`` if it is a known ``via`` or ``action`` (or empty); else InvalidInput."""
    choices = {"via": Via.values, "action": Action.values}[field]
    if value and value not in choices:
        raise InvalidInput(
            _("Unknown %(field)s '%(value)s'; use one of: %(choices)s.")
            % {"field": field, "value": value, "choices": ", ".join(choices)},
            details={"field": field},
        )
    return value


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the configured time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def export_entries(*, since: dt.datetime | None = None) -> QuerySet[AuditEntry]:
    """Every entry (from ``since`` on), oldest first, for an export by the operator."""
    rows = AuditEntry.objects.select_related("actor").order_by("at", "pk")
    return rows.filter(at__gte=since) if since is not None else rows
