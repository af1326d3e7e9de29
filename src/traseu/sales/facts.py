"""What the sales records tell the stage criteria (registered with the CRM's facts builder).

``deal.proposal_status`` is the newest proposal version's status; ``deal.competitors_analysed``
counts the deal's competitors whose strengths, weaknesses and our positioning are all written
down; ``deal.contract_status`` is the contract's status (each None when there is none). Every
proposal version and the contract also appear as documents (kinds ``proposal`` and
``contract``) for the ``document_status`` criterion. One query (a UNION) per snapshot: the
deal page's query budget counts it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import CharField, IntegerField, Value

from traseu.crm.facts import FactsContribution, register_facts_provider
from traseu.crm.models import Deal
from traseu.process.facts import DocumentFact
from traseu.sales.models import Contract, DealCompetitor, Proposal


def _rows(deal_id: int) -> list[tuple[str, str, int]]:
    text: Any = CharField()
    number: Any = IntegerField()
    proposals = (
        Proposal.objects.filter(deal_id=deal_id)
        .values_list(Value("proposal", output_field=text), "status", "number")
        .order_by()
    )
    contract = (
        Contract.objects.filter(deal_id=deal_id)
        .values_list(Value("contract", output_field=text), "status", Value(0, output_field=number))
        .order_by()
    )
    # Services store these texts stripped, so "written down" is "not empty".
    analysed = (
        DealCompetitor.objects.filter(deal_id=deal_id)
        .exclude(strengths="")
        .exclude(weaknesses="")
        .exclude(positioning="")
        .values_list(Value("competitor", output_field=text), Value("", output_field=text), "pk")
        .order_by()
    )
    return list(proposals.union(contract, analysed, all=True))


@register_facts_provider
def sales_facts(deal: Deal, now: dt.datetime) -> FactsContribution:
    rows = _rows(deal.pk)
    proposals = sorted((row for row in rows if row[0] == "proposal"), key=lambda r: -r[2])
    contract = next((row[1] for row in rows if row[0] == "contract"), None)
    documents = [DocumentFact(kind=kind, status=status) for kind, status, _n in proposals]
    if contract is not None:
        documents.append(DocumentFact(kind="contract", status=contract))
    return FactsContribution(
        deal={
            "proposal_status": proposals[0][1] if proposals else None,
            "competitors_analysed": sum(1 for row in rows if row[0] == "competitor"),
            "contract_status": contract,
        },
        documents=documents,
    )
