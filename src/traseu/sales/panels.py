"""The deal page's sales panels: proposals, competitors and market notes, contract.

The deal page gets a placeholder per panel (no query); the page fetches each panel's content
as it loads (``GET /sales/deals/<id>/panels/<key>/``), and every write answers with the panel
rebuilt, with the bound form that failed when there is an error. Queries per panel: proposals
2, competitors and market 3, contract 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from traseu.core.models import User
from traseu.crm.checklist import register_fix_panel
from traseu.crm.models import Deal, DealStatus
from traseu.crm.panels import DealPanel, register_deal_panel
from traseu.sales import forms
from traseu.sales.models import Competitor, Contract, DealCompetitor, MarketNote, ProposalStatus
from traseu.sales.selectors import deal_proposals

Bound = Mapping[str, forms.SalesForm]
PROPOSALS, COMPETITORS, CONTRACT = "sales-proposals", "sales-competitors", "sales-contract"


def proposals_panel(deal: Deal, bound: Bound | None = None) -> DealPanel:
    bound = bound or {}
    versions = deal_proposals(deal.pk)
    rows = []
    for proposal, totals in versions:
        draft = proposal.status == ProposalStatus.DRAFT
        lines = list(proposal.lines.all())
        rows.append(
            {
                "proposal": proposal,
                "totals": totals,
                "lines": [
                    {
                        "line": line,
                        "amounts": amounts,
                        "form": bound.get(f"line-{line.pk}")
                        or forms.LineForm(
                            initial={
                                "version": proposal.version,
                                "product_code": line.code,
                                "description": line.description,
                                "quantity": line.quantity.normalize(),
                                "unit_price": line.unit_price.normalize(),
                                "discount_percent": line.discount_percent.normalize(),
                                "tax_percent": line.tax_percent.normalize(),
                            },
                            auto_id=f"line-{line.pk}-%s",
                        ),
                    }
                    for line, amounts in zip(lines, totals.lines, strict=True)
                ],
                "header_form": bound.get(f"header-{proposal.pk}")
                or forms.ProposalHeaderForm(
                    initial={
                        "version": proposal.version,
                        "title": proposal.title,
                        "introduction": proposal.introduction,
                        "valid_until": proposal.valid_until.isoformat()
                        if proposal.valid_until
                        else "",
                        "language": proposal.language,
                        "currency": proposal.currency,
                    },
                    auto_id=f"proposal-{proposal.pk}-%s",
                ),
                "line_form": bound.get(f"line-add-{proposal.pk}")
                or forms.LineForm(
                    initial={"version": proposal.version, "quantity": "1"},
                    auto_id=f"proposal-{proposal.pk}-line-%s",
                ),
                "errors": _errors(bound, proposal.pk, [] if draft else lines, forms_shown=draft),
            }
        )
    accepted = any(p.status == ProposalStatus.ACCEPTED for p, _ in versions)
    return DealPanel(
        key=PROPOSALS,
        template="sales/panel_proposals.html",
        context={
            "rows": rows,
            "may_create": not accepted,
            "new_form": bound.get("new") or forms.ProposalNewForm(),
        },
        order=110,
    )


def _errors(bound: Bound, proposal_id: int, lines: list[Any], *, forms_shown: bool) -> list[str]:
    """Messages of a failed write that no shown form displays: a status change, or any write
    on a proposal that is no longer a draft (whose forms are hidden)."""
    keys = [f"status-{proposal_id}"]
    if not forms_shown:
        keys += [f"line-add-{proposal_id}", f"header-{proposal_id}"]
        keys += [f"line-{line.pk}" for line in lines]
    return [
        str(message)
        for key in keys
        if key in bound
        for messages in bound[key].errors.values()
        for message in messages
    ]


def competitors_panel(deal: Deal, bound: Bound | None = None) -> DealPanel:
    bound = bound or {}
    entries = list(DealCompetitor.objects.filter(deal_id=deal.pk).select_related("competitor"))
    notes = list(MarketNote.objects.filter(deal_id=deal.pk).select_related("author")[:20])
    choices = [(str(c.pk), c.name) for c in Competitor.objects.only("pk", "name")]
    on_deal = {e.competitor_id for e in entries}
    add_form = bound.get("add") or forms.CompetitorAddForm()
    assert isinstance(add_form, forms.CompetitorAddForm)
    add_form.widget_choices([c for c in choices if int(c[0]) not in on_deal])
    winner_form = bound.get("winner") or forms.WinnerForm(
        initial={
            "competitor": next(
                (str(e.competitor_id) for e in entries if e.outcome == "they_won"), ""
            )
        }
    )
    winner_form.fields["competitor"].widget.choices = [("", "—"), *choices]
    return DealPanel(
        key=COMPETITORS,
        template="sales/panel_competitors.html",
        context={
            "entries": [
                {
                    "entry": entry,
                    "form": bound.get(f"entry-{entry.pk}")
                    or forms.CompetitorEditForm(
                        initial={
                            "version": entry.version,
                            "offer": entry.offer,
                            "price": entry.price if entry.price is not None else "",
                            "strengths": entry.strengths,
                            "weaknesses": entry.weaknesses,
                            "likely_next_move": entry.likely_next_move,
                            "positioning": entry.positioning,
                            "outcome": entry.outcome,
                        },
                        auto_id=f"competitor-{entry.pk}-%s",
                    ),
                }
                for entry in entries
            ],
            "analysed": sum(1 for e in entries if e.analysed),
            "notes": notes,
            "add_form": add_form,
            "note_form": bound.get("note") or forms.MarketNoteForm(),
            "winner_form": winner_form
            if deal.status == DealStatus.LOST or "winner" in bound
            else None,
        },
        order=120,
    )


def contract_panel(deal: Deal, bound: Bound | None = None) -> DealPanel:
    bound = bound or {}
    contract = Contract.objects.filter(deal_id=deal.pk).first()
    rounds = list(contract.rounds.select_related("recorded_by")) if contract else []
    initial: dict[str, Any] = {"currency": deal.currency, "value": deal.amount or ""}
    if contract is not None:
        initial = {
            "version": contract.version,
            "terms": contract.terms,
            "value": contract.value if contract.value is not None else "",
            "currency": contract.currency,
            "start_date": contract.start_date.isoformat() if contract.start_date else "",
            "end_date": contract.end_date.isoformat() if contract.end_date else "",
            "status": contract.status,
            "signed_on": contract.signed_on.isoformat() if contract.signed_on else "",
        }
    return DealPanel(
        key=CONTRACT,
        template="sales/panel_contract.html",
        context={
            "contract": contract,
            "rounds": rounds,
            "form": _contract_form(
                bound.get("contract") or forms.ContractForm(initial=initial),
                started=contract is not None,
            ),
            "round_form": bound.get("round") or forms.RoundForm(),
        },
        order=130,
    )


def _contract_form(form: forms.SalesForm, *, started: bool) -> forms.SalesForm:
    """A contract starts as drafting: its status and signing date are set later."""
    if not started:
        for name in ("status", "signed_on", "version"):
            form.fields.pop(name, None)
    return form


BUILDERS = {PROPOSALS: proposals_panel, COMPETITORS: competitors_panel, CONTRACT: contract_panel}
TITLES = {
    PROPOSALS: _("Proposals"),
    COMPETITORS: _("Competitors and market"),
    CONTRACT: _("Contract"),
}


def _lazy(deal: Deal, key: str, order: int) -> DealPanel:
    """A placeholder the page fills with one GET as it loads (no query on the deal page,
    whose query budget is shared by every app's panels); without JavaScript, a link."""
    return DealPanel(
        key=key,
        template="sales/panel_lazy.html",
        context={"url": reverse("sales_deal_panel", args=[deal.pk, key]), "title": TITLES[key]},
        order=order,
    )


# The checklist's "fix it" links of the facts these panels set point here, not to the CRM's
# generic documents panel.
for _fact, _panel, _label in (
    ("deal.proposal_status", PROPOSALS, _("Open the proposals")),
    ("documents.proposal", PROPOSALS, _("Open the proposals")),
    ("deal.competitors_analysed", COMPETITORS, _("Analyse the competitors")),
    ("deal.contract_status", CONTRACT, _("Open the contract")),
    ("documents.contract", CONTRACT, _("Open the contract")),
):
    register_fix_panel(_fact, _panel, _label)


@register_deal_panel
def _proposals(deal: Deal, user: User, may_write: bool) -> DealPanel:
    return _lazy(deal, PROPOSALS, 110)


@register_deal_panel
def _competitors(deal: Deal, user: User, may_write: bool) -> DealPanel:
    return _lazy(deal, COMPETITORS, 120)


@register_deal_panel
def _contract(deal: Deal, user: User, may_write: bool) -> DealPanel:
    return _lazy(deal, CONTRACT, 130)
