"""Fetch-and-authorise for sales records: what belongs to a deal the user may not see is a 404,
exactly like the deal itself (:mod:`traseu.crm.access`)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from traseu.core.errors import NotFound, PermissionDenied
from traseu.core.models import Role, User
from traseu.crm.access import deal_for, deals_visible_to, require_deal_writer
from traseu.crm.models import Deal
from traseu.sales.models import DealCompetitor, Proposal


def deal_for_writer(user: User, deal_id: int) -> Deal:
    """The deal if ``user`` may see it (else 404) and may change it (else 403)."""
    deal = deal_for(user, deal_id)
    require_deal_writer(user, deal)
    return deal


def proposal_for(user: User, proposal_id: int) -> Proposal:
    proposal = (
        Proposal.objects.filter(pk=proposal_id, deal__in=deals_visible_to(user))
        .select_related("deal__process_version", "deal__account")
        .first()
    )
    if proposal is None:
        raise NotFound(_("No proposal %(id)s.") % {"id": proposal_id}, code="proposal_not_found")
    return proposal


def deal_competitor_for(user: User, deal_competitor_id: int) -> DealCompetitor:
    row = (
        DealCompetitor.objects.filter(pk=deal_competitor_id, deal__in=deals_visible_to(user))
        .select_related("competitor", "deal")
        .first()
    )
    if row is None:
        raise NotFound(
            _("No competitor entry %(id)s.") % {"id": deal_competitor_id},
            code="deal_competitor_not_found",
        )
    return row


def may_manage_catalogue(user: User) -> bool:
    return user.is_active and (user.is_superuser or user.role in (Role.ADMIN, Role.SALES_MANAGER))


def require_catalogue_manager(user: User) -> None:
    """Products and the competitor list are shared by every team: managers and admins edit them."""
    if not may_manage_catalogue(user):
        raise PermissionDenied(
            _("Only a sales manager or an administrator may change the catalogue."),
            code="catalogue_forbidden",
        )
