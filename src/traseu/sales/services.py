"""Writes for proposals, and what other apps read from an accepted proposal.

Each service runs in one transaction, checks access through :mod:`traseu.sales.access`, refuses
stale copies (``expected_version``), writes an audit row and, for deal records, a timeline event.
Status changes of proposals live in :mod:`traseu.sales.proposal_status`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.audit import services as audit
from traseu.core.errors import Conflict, InvalidInput, NotFound
from traseu.core.models import User
from traseu.crm.models import Deal, TimelineEvent
from traseu.sales import validation as check
from traseu.sales.access import deal_for_writer, proposal_for
from traseu.sales.models import Product, Proposal, ProposalLine, ProposalStatus
from traseu.sales.products import product_create, product_update
from traseu.sales.selectors import line_input, proposal_totals

Clock = Callable[[], dt.datetime]
PROPOSAL_FIELDS = ("title", "introduction", "valid_until", "language", "currency")
LINE_FIELDS = ("description", "quantity", "unit_price", "discount_percent", "tax_percent")
LANGUAGES = ("en", "ro")


# Proposals ----------------------------------------------------------------------------------


def _event(deal: Deal, kind: str, actor: User, now: dt.datetime, **data: Any) -> None:
    TimelineEvent.objects.create(deal=deal, kind=kind, at=now, actor=actor, data=data)


def _proposal_values(data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - set(PROPOSAL_FIELDS))
    if unknown:
        raise InvalidInput(
            _("Unknown proposal fields: %(fields)s.") % {"fields": ", ".join(unknown)},
            details={"fields": unknown},
        )
    cleaned: dict[str, Any] = {}
    if "title" in data:
        cleaned["title"] = check.text(data["title"], "title", required=True, max_length=200)
    if "introduction" in data:
        cleaned["introduction"] = check.text(data["introduction"], "introduction")
    if "valid_until" in data:
        cleaned["valid_until"] = check.date(data["valid_until"], "valid_until")
    if "language" in data:
        cleaned["language"] = check.choice(data["language"], "language", list(LANGUAGES))
    if "currency" in data:
        cleaned["currency"] = check.currency(data["currency"])
    return cleaned


def proposal_create(
    *,
    deal_id: int,
    acting_user: User,
    data: Mapping[str, Any] | None = None,
    clock: Clock = timezone.now,
) -> Proposal:
    """Start the next version of the deal's proposal (v1, v2 …), copying the newest version's
    header and lines. Refused once a proposal of the deal is accepted."""
    deal = deal_for_writer(acting_user, deal_id)
    values = _proposal_values(dict(data or {}))
    now = clock()
    with transaction.atomic():
        Deal.objects.select_for_update().filter(pk=deal.pk).first()  # serialises numbering
        previous = Proposal.objects.filter(deal=deal).order_by("-number").first()
        if Proposal.objects.filter(deal=deal, status=ProposalStatus.ACCEPTED).exists():
            raise Conflict(
                _("This deal's proposal is accepted; no new version can be made."),
                code="proposal_already_accepted",
            )
        number = (Proposal.objects.filter(deal=deal).aggregate(n=Max("number"))["n"] or 0) + 1
        base: dict[str, Any] = {
            "title": previous.title if previous else deal.title,
            "introduction": previous.introduction if previous else "",
            "valid_until": previous.valid_until if previous else None,
            "language": previous.language if previous else _deal_language(deal),
            "currency": previous.currency if previous else deal.currency,
        }
        proposal = Proposal.objects.create(
            deal=deal, number=number, created_at=now, created_by=acting_user, **{**base, **values}
        )
        if previous is not None:
            ProposalLine.objects.bulk_create(
                ProposalLine(
                    proposal=proposal,
                    position=line.position,
                    product_id=line.product_id,
                    code=line.code,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    discount_percent=line.discount_percent,
                    tax_percent=line.tax_percent,
                )
                for line in previous.lines.all()
            )
        _event(deal, "proposal.created", acting_user, now, proposal=proposal.pk, number=number)
        audit.record(
            action="create",
            obj=proposal,
            actor=acting_user,
            deal_id=deal.pk,
            at=now,
            after=audit.values(proposal, ("number", "title", "language", "currency", "status")),
        )
    return proposal


def _deal_language(deal: Deal) -> str:
    language = (deal.process_version.language or "en").split("-")[0].lower()
    return language if language in LANGUAGES else "en"


def locked_draft(user: User, proposal_id: int, expected_version: int | None) -> Proposal:
    """The proposal, locked, if the user may write it, it is a draft and the copy is fresh.
    Call inside a transaction."""
    deal_for_writer(user, proposal_for(user, proposal_id).deal_id)
    proposal = Proposal.objects.select_for_update().get(pk=proposal_id)
    check.check_version(proposal.version, expected_version, _("proposal"))
    if proposal.status != ProposalStatus.DRAFT:
        raise Conflict(
            _("Only a draft can be edited; this proposal is %(status)s. Make a new version.")
            % {"status": proposal.get_status_display()},
            code="proposal_not_draft",
        )
    return proposal


def _touch(proposal: Proposal) -> None:
    proposal.version = F("version") + 1
    proposal.save(update_fields=["version", "updated_at"])
    proposal.refresh_from_db()


def proposal_update(
    *,
    proposal_id: int,
    acting_user: User,
    changes: Mapping[str, Any],
    expected_version: int | None,
) -> Proposal:
    """Edit a draft's header (title, introduction, validity, language, currency)."""
    values = _proposal_values(changes)
    with transaction.atomic():
        proposal = locked_draft(acting_user, proposal_id, expected_version)
        before = audit.values(proposal, list(values))
        for name, value in values.items():
            setattr(proposal, name, value)
        proposal.save(update_fields=[*values, "updated_at"])
        _touch(proposal)
        audit.record(
            action="update",
            obj=proposal,
            actor=acting_user,
            deal_id=proposal.deal_id,
            before=before,
            after=audit.values(proposal, list(values)),
        )
    return proposal


def _line_values(data: Mapping[str, Any], product: Product | None, currency: str) -> dict[str, Any]:
    """A line's values; a product fills the description and, when it is priced in the
    proposal's currency, the unit price (otherwise the price must be given)."""
    description = check.text(data.get("description"), "description", max_length=500)
    price = data.get("unit_price")
    if product is not None:
        description = description or product.name
        if price in (None, "") and product.currency != currency:
            raise check.invalid(
                "unit_price",
                _(
                    "%(code)s is priced in %(product)s, the proposal in %(proposal)s: give the "
                    "unit price."
                )
                % {"code": product.code, "product": product.currency, "proposal": currency},
                "currency_mismatch",
            )
        price = product.unit_price if price in (None, "") else price
    if not description:
        raise check.invalid("description", _("Describe the line or choose a product."), "required")
    return {
        "product": product,
        "code": product.code if product else check.text(data.get("code"), "code", max_length=60),
        "description": description,
        "quantity": check.required_decimal(data.get("quantity"), "quantity", positive=True),
        "unit_price": check.required_decimal(price, "unit_price"),
        "discount_percent": check.decimal(
            data.get("discount_percent") or 0, "discount_percent", maximum=Decimal(100), places=2
        ),
        "tax_percent": check.decimal(
            data.get("tax_percent") or 0, "tax_percent", maximum=Decimal(100), places=2
        ),
    }


def _product(data: Mapping[str, Any]) -> Product | None:
    code = str(data.get("product_code") or "").strip()
    product_id = str(data.get("product_id") or data.get("product") or "").strip()
    if not code and not product_id:
        return None
    products = Product.objects.filter(active=True)
    if code:
        product = products.filter(code__iexact=code).first()
    else:
        product = products.filter(pk=int(product_id)).first() if product_id.isdigit() else None
    if product is None:
        raise check.invalid("product", _("No active product %(p)s.") % {"p": code or product_id})
    return product


def proposal_line_add(
    *,
    proposal_id: int,
    acting_user: User,
    data: Mapping[str, Any],
    expected_version: int | None,
) -> ProposalLine:
    """Add a line at the end of a draft (``product_code`` or ``product_id`` optional)."""
    currency = proposal_for(acting_user, proposal_id).currency
    values = _line_values(data, _product(data), currency)
    with transaction.atomic():
        proposal = locked_draft(acting_user, proposal_id, expected_version)
        position = (proposal.lines.aggregate(p=Max("position"))["p"] or 0) + 1
        line = ProposalLine.objects.create(proposal=proposal, position=position, **values)
        _touch(proposal)
        audit.record(
            action="create",
            obj=line,
            actor=acting_user,
            deal_id=proposal.deal_id,
            after=audit.values(line, ("proposal", *LINE_FIELDS, "code")),
        )
    return line


def proposal_line_update(
    *,
    line_id: int,
    acting_user: User,
    data: Mapping[str, Any],
    expected_version: int | None,
) -> ProposalLine:
    """Replace a draft line's values (``expected_version`` is the proposal's version)."""
    line = _line(acting_user, line_id)
    values = _line_values(data, _product(data), line.proposal.currency)
    with transaction.atomic():
        locked_draft(acting_user, line.proposal_id, expected_version)
        before = audit.values(line, LINE_FIELDS)
        for name, value in values.items():
            setattr(line, name, value)
        line.save()
        _touch(line.proposal)
        audit.record(
            action="update",
            obj=line,
            actor=acting_user,
            deal_id=line.proposal.deal_id,
            before=before,
            after=audit.values(line, LINE_FIELDS),
        )
    return line


def proposal_line_remove(*, line_id: int, acting_user: User, expected_version: int | None) -> None:
    line = _line(acting_user, line_id)
    with transaction.atomic():
        proposal = locked_draft(acting_user, line.proposal_id, expected_version)
        audit.record(
            action="delete",
            obj=line,
            actor=acting_user,
            deal_id=proposal.deal_id,
            before=audit.values(line, LINE_FIELDS),
        )
        line.delete()
        _touch(proposal)


def _line(user: User, line_id: int) -> ProposalLine:
    line = ProposalLine.objects.select_related("proposal").filter(pk=line_id).first()
    if line is None:
        raise NotFound(_("No proposal line %(id)s.") % {"id": line_id}, code="line_not_found")
    proposal_for(user, line.proposal_id)  # 404 for another team's deal
    return line


# What other apps read -----------------------------------------------------------------------


def accepted_proposal_lines(deal: Deal) -> list[dict[str, str]]:
    """The lines of the deal's accepted proposal as text, for the handoff to delivery.

    Keys: ``product_code``, ``description``, ``quantity``, ``unit_price``, ``discount_percent``,
    ``tax_percent``, ``line_total`` (net + tax, rounded by :mod:`traseu.sales.money`) and
    ``currency``. ``[]`` when no proposal of the deal is accepted.
    """
    proposal = Proposal.objects.filter(deal_id=deal.pk, status=ProposalStatus.ACCEPTED).first()
    if proposal is None:
        return []
    lines = list(proposal.lines.all())
    totals = proposal_totals(proposal, lines)
    return [
        {
            "product_code": line.code,
            "description": line.description,
            "quantity": _plain(line.quantity),
            "unit_price": _plain(line.unit_price),
            "discount_percent": _plain(line.discount_percent),
            "tax_percent": _plain(line.tax_percent),
            "line_total": str(amounts.total),
            "currency": proposal.currency,
        }
        for line, amounts in zip(lines, totals.lines, strict=True)
    ]


def _plain(value: Decimal) -> str:
    """``2.5000`` as ``2.5``, ``3.0000`` as ``3`` (never scientific notation)."""
    return format(value.normalize(), "f")


# Products live in traseu.sales.products; importable from here too.
__all__ = ["accepted_proposal_lines", "line_input", "product_create", "product_update"]
