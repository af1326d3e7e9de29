"""What a proposal document shows, in the proposal's language: the plain data both the HTML
page and the PDF render, so the two always agree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import formats, translation
from django.utils.translation import gettext as _

from traseu.sales.models import Proposal, ProposalLine
from traseu.sales.money import Totals, minor_unit
from traseu.sales.selectors import proposal_totals


@dataclass(frozen=True)
class DocumentLine:
    code: str
    description: str
    quantity: str
    unit_price: str
    discount: str
    tax: str
    total: str


@dataclass(frozen=True)
class ProposalDocument:
    language: str
    title: str
    heading: str
    client: str
    deal: str
    introduction: str
    meta: tuple[tuple[str, str], ...]
    columns: tuple[str, ...]
    lines: tuple[DocumentLine, ...]
    sums: tuple[tuple[str, str], ...]
    footer: str
    status: str


def _number(value: Decimal, places: int | None = None) -> str:
    """Localised number (``1.234,50`` in Romanian); ``places`` None keeps significant
    decimals."""
    if places is None:
        value = value.normalize()
        places = max(0, -int(value.as_tuple().exponent))
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)


def proposal_document(proposal: Proposal) -> ProposalDocument:
    """Build the document in ``proposal.language`` (labels, dates and numbers)."""
    lines: list[ProposalLine] = list(proposal.lines.order_by("position", "pk"))
    totals: Totals = proposal_totals(proposal, lines)
    places, currency = minor_unit(proposal.currency), proposal.currency
    with translation.override(proposal.language):

        def money(value: Decimal) -> str:
            return f"{_number(value, places)} {currency}"

        meta = [(_("Version"), f"v{proposal.number}"), (_("Date"), _date(proposal.created_at))]
        if proposal.valid_until:
            meta.append((_("Valid until"), _date(proposal.valid_until)))
        meta.append((_("Currency"), currency))
        sums = [(_("Subtotal"), money(totals.subtotal)), (_("Tax"), money(totals.tax))]
        if totals.discount:
            sums.insert(0, (_("Discounts"), "-" + money(totals.discount)))
        sums.append((_("Total"), money(totals.total)))
        return ProposalDocument(
            language=proposal.language,
            title=proposal.title,
            heading=_("Proposal"),
            client=proposal.deal.account.name,
            deal=proposal.deal.title,
            introduction=proposal.introduction,
            meta=tuple(meta),
            columns=(
                _("Code"),
                _("Description"),
                _("Quantity"),
                _("Unit price"),
                _("Discount"),
                _("Tax"),
                _("Total"),
            ),
            lines=tuple(
                DocumentLine(
                    code=line.code,
                    description=line.description,
                    quantity=_number(line.quantity),
                    unit_price=_number(line.unit_price, max(places, _decimals(line.unit_price))),
                    discount=f"{_number(line.discount_percent)} %",
                    tax=f"{_number(line.tax_percent)} %",
                    total=_number(amounts.total, places),
                )
                for line, amounts in zip(lines, totals.lines, strict=True)
            ),
            sums=tuple(sums),
            footer=_(
                "Amounts are rounded half up to the currency's smallest unit on each line; "
                "totals are the sums of the rounded lines."
            ),
            status=proposal.get_status_display(),
        )


def _decimals(value: Decimal) -> int:
    return max(0, -int(value.normalize().as_tuple().exponent))


def _date(value: dt.date) -> str:
    return str(formats.date_format(value, "SHORT_DATE_FORMAT", use_l10n=True))
