"""Build the plain facts snapshot of a deal that the process engine evaluates.

This is the only bridge from the database to the criteria: a criterion can only look at what
is gathered here. Five small queries, whatever the deal's size, plus a fixed few per registered
provider (another app's facts, see :func:`register_facts_provider`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from traseu.crm.models import Activity, Deal, DealContact, DealDocument, QualificationAnswer
from traseu.process.facts import ActivityFact, ContactFact, DealFacts, DocumentFact, TaskFact


@dataclass(frozen=True)
class FactsContribution:
    """What another app adds to a deal's facts: ``deal.<field>`` values (each field declared in
    :data:`traseu.process.facts.DEAL_FIELDS`) and documents for ``document_status``."""

    deal: Mapping[str, Any] = field(default_factory=dict)
    documents: Sequence[DocumentFact] = ()


FactsProvider = Callable[[Deal, dt.datetime], FactsContribution]
_PROVIDERS: list[FactsProvider] = []


def register_facts_provider(provider: FactsProvider) -> FactsProvider:
    """Add ``provider(deal, now)`` to every facts snapshot (an app calls this in its
    ``AppConfig.ready``, so the CRM never imports the app). A provider runs a fixed number of
    queries."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def _deal_values(deal: Deal, now: dt.datetime) -> dict[str, Any]:
    return {
        "title": deal.title,
        "amount": deal.amount,
        "currency": deal.currency,
        "expected_close": deal.expected_close,
        "source": deal.source,
        "status": deal.status,
        "stage": deal.stage,
        "probability": deal.probability,
        "owner": deal.owner.username,
        "age_days": (now - deal.created_at).days,
        "days_in_stage": (now - deal.stage_entered_at).days,
        "custom": dict(deal.custom or {}),
    }


def _account_values(deal: Deal) -> dict[str, Any]:
    account = deal.account
    return {
        "name": account.name,
        "domain": account.domain,
        "industry": account.industry,
        "employees": account.employees,
        "annual_revenue": account.annual_revenue,
        "country": account.country,
        "is_customer": account.is_customer,
        "custom": dict(account.custom or {}),
    }


def qualification_current_answers(
    deal_id: int,
) -> dict[str, dict[str, tuple[str, dt.datetime]]]:
    """The newest answer per framework and criterion with its time (one query):
    ``{"bant": {"budget": ("confirmed", answered_at)}}``."""
    current: dict[str, dict[str, tuple[str, dt.datetime]]] = {}
    answers = QualificationAnswer.objects.filter(deal_id=deal_id).order_by(
        "framework", "criterion", "-answered_at", "-pk"
    )
    rows = answers.values_list("framework", "criterion", "status", "answered_at")
    for framework, criterion, status, answered_at in rows:
        current.setdefault(framework, {}).setdefault(criterion, (status, answered_at))
    return current


def qualification_current(deal_id: int) -> dict[str, dict[str, str]]:
    """The newest answer per framework and criterion: ``{"bant": {"budget": "confirmed"}}``."""
    return {
        framework: {criterion: status for criterion, (status, _at) in answers.items()}
        for framework, answers in qualification_current_answers(deal_id).items()
    }


def deal_facts(deal: Deal, *, now: dt.datetime) -> DealFacts:
    """Snapshot ``deal`` (with ``owner`` and ``account`` loaded) for the engine."""
    activities = list(
        Activity.objects.filter(deal_id=deal.pk).values_list(
            "type", "stage", "done", "done_at", "created_at", "template"
        )
    )
    answers = qualification_current_answers(deal.pk)
    contributions = [provider(deal, now) for provider in _PROVIDERS]
    extra_values = {k: v for c in contributions for k, v in c.deal.items()}
    extra_documents = [document for c in contributions for document in c.documents]
    return DealFacts(
        deal={**_deal_values(deal, now), **extra_values},
        account=_account_values(deal),
        contacts=[
            ContactFact(name=str(link.contact), role=link.role, email=link.contact.email)
            for link in DealContact.objects.filter(deal_id=deal.pk).select_related("contact")
        ],
        activities=[
            ActivityFact(type=kind, stage=stage, done=done, at=done_at or created_at)
            for kind, stage, done, done_at, created_at, _ in activities
        ],
        tasks=[
            TaskFact(stage=stage, template=template, done=done)
            for _, stage, done, _, _, template in activities
            if template
        ],
        qualification={
            framework: {criterion: status for criterion, (status, _at) in current.items()}
            for framework, current in answers.items()
        },
        qualification_answered={
            framework: {criterion: at for criterion, (_status, at) in current.items()}
            for framework, current in answers.items()
        },
        documents=[
            DocumentFact(kind=kind, status=status)
            for kind, status in DealDocument.objects.filter(deal_id=deal.pk).values_list(
                "kind", "status"
            )
        ]
        + extra_documents,
    )
