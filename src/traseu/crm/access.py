"""Who may see which deals: one place, used by pages, the API and the CLI.

The policy today: administrators see every deal; everyone else sees the deals of the teams they
belong to and the deals they own. (Finer rules per role, such as account managers seeing only
the won accounts assigned to them, belong to the permissions work and will change only this
module.) Fetch-and-authorise answers the same 404 for "missing" and "not yours", so ids cannot
be probed.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from traseu.core.errors import InvalidInput, NotFound, PermissionDenied
from traseu.core.models import Role, User
from traseu.crm.models import Deal


def deals_visible_to(user: User) -> QuerySet[Deal]:
    """The deals ``user`` may see."""
    deals = Deal.objects.all()
    if user.is_superuser or user.role == Role.ADMIN:
        return deals
    return deals.filter(Q(owner=user) | Q(team__in=user.teams.all()))


def deal_for(user: User, deal_id: int) -> Deal:
    """The deal, with account, owner and process version, if ``user`` may see it; else 404."""
    deal = (
        deals_visible_to(user)
        .select_related("account", "owner", "team", "process_version__process")
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        raise NotFound(_("No deal %(id)s.") % {"id": deal_id}, code="deal_not_found")
    return deal


def require_writer(user: User) -> None:
    """Read-only users (and deactivated ones) change nothing."""
    if not user.is_active or user.role == Role.READ_ONLY:
        raise PermissionDenied(_("%(user)s may not change records.") % {"user": user.username})


def deal_owner_for(user: User, username: str | None) -> User:
    """Who will own a deal ``user`` creates: themselves, or (for managers and administrators)
    the active user named ``username``."""
    if not username or username == user.username:
        return user
    if not user.may_override_gates:
        raise PermissionDenied(
            _("Only a sales manager or an administrator may give a deal to someone else."),
            code="assign_forbidden",
        )
    owner = User.objects.filter(username=username, is_active=True).first()
    if owner is None:
        raise InvalidInput(
            _("No active user %(name)s.") % {"name": username},
            code="user_not_found",
            details={"field": "owner"},
        )
    return owner
