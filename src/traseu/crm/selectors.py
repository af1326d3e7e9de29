"""Reads of the CRM core, shaped for pages, the API and the CLI."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, DecimalField, Expression, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from traseu.core.errors import NotFound
from traseu.core.models import User
from traseu.crm.access import (
    account_for,
    accounts_visible_to,
    contact_for,
    contacts_visible_to,
    deals_visible_to,
)
from traseu.crm.facts import deal_facts
from traseu.crm.models import (
    Account,
    Activity,
    ActivityType,
    Contact,
    Deal,
    DealContact,
    DealDocument,
    QualificationAnswer,
    StageChange,
    TimelineEvent,
)
from traseu.process.criteria import CriterionResult, EvaluationContext
from traseu.process.engine import evaluate_stage
from traseu.processes.selectors import process_definition


def deal_get(*, deal_id: int) -> Deal:
    """A deal with its account, owner, team and process version, or NotFound.

    Not limited by role: for operators' tools (the command line) and background work only.
    Anything acting for a person uses :func:`traseu.crm.access.deal_for`."""
    deal = (
        Deal.objects.select_related("account", "owner", "team", "process_version__process")
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        raise NotFound(_("No deal %(id)s.") % {"id": deal_id}, code="deal_not_found")
    return deal


def deal_history(*, deal: Deal) -> QuerySet[StageChange]:
    """The deal's stage changes in the order they happened, with who made them."""
    return deal.stage_changes.select_related("actor").order_by("changed_at", "pk")


def deal_counts_by_process() -> dict[int, int]:
    """Deals per process id, over all its versions (one query)."""
    rows = Deal.objects.values("process_version__process_id").annotate(deals=Count("pk"))
    return {row["process_version__process_id"]: row["deals"] for row in rows}


# Sort keys of deal lists. Each is never null (a cursor cannot point between nulls): deals
# without an amount sort as zero.
DEAL_SORT_KEYS: dict[str, str | Expression] = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "stage_entered_at": "stage_entered_at",
    "title": "title",
    "amount": Coalesce(
        "amount", Value(Decimal(0)), output_field=DecimalField(max_digits=14, decimal_places=2)
    ),
}


def deal_list(
    *,
    user: User,
    owner: str | None = None,
    stage: str | None = None,
    status: str | None = None,
    process: str | None = None,
) -> QuerySet[Deal]:
    """The deals ``user`` may see, filtered, with what a list shows loaded (one query)."""
    deals = (
        deals_visible_to(user)
        .select_related("account", "owner", "team", "process_version__process")
        # The process document is large and a list never reads it; loaded, it made SQLite sort
        # every visible deal's copy of it (a page of 50 out of 2,000 deals: 45 ms -> 4 ms).
        .defer("process_version__document", "process_version__source")
    )
    if owner:
        deals = deals.filter(owner__username=owner)
    if stage:
        deals = deals.filter(stage=stage)
    if status:
        deals = deals.filter(status=status)
    if process:
        deals = deals.filter(process_version__process__key=process)
    return deals


def deal_timeline(*, deal: Deal) -> QuerySet[TimelineEvent]:
    """What happened to the deal, oldest first, with who did it."""
    return deal.events.select_related("actor").order_by("at", "pk")


def deal_activities(
    *, deal: Deal, tasks: bool | None = None, done: bool | None = None
) -> QuerySet[Activity]:
    """The deal's activities and tasks (``tasks`` True: only tasks; False: only the rest)."""
    rows = deal.activities.select_related("owner").order_by("done", "due_at", "-created_at", "pk")
    if tasks is not None:
        rows = rows.filter(type=ActivityType.TASK) if tasks else rows.exclude(type="task")
    if done is not None:
        rows = rows.filter(done=done)
    return rows


def deal_activity(*, deal: Deal, activity_id: int) -> Activity:
    """One activity or task of the deal; NotFound if missing or on another deal."""
    activity = deal.activities.select_related("owner").filter(pk=activity_id).first()
    if activity is None:
        raise NotFound(_("No task %(id)s.") % {"id": activity_id}, code="task_not_found")
    return activity


def deal_contacts(*, deal: Deal) -> QuerySet[DealContact]:
    return DealContact.objects.filter(deal=deal).select_related("contact").order_by("pk")


def deal_documents(*, deal: Deal) -> QuerySet[DealDocument]:
    return DealDocument.objects.filter(deal=deal).order_by("kind", "-updated_at", "pk")


def qualification_history(*, deal: Deal) -> QuerySet[QualificationAnswer]:
    """Every answer, newest first (the newest per criterion is the current one)."""
    return deal.qualification_answers.select_related("answered_by").order_by(
        "framework", "criterion", "-answered_at", "-pk"
    )


def deal_exit_checklist(*, deal: Deal, now: dt.datetime) -> tuple[CriterionResult, ...]:
    """The exit criteria of the deal's current stage, each met or not, as the gate would judge
    them now (``deal`` with owner, account and process version loaded)."""
    stage = process_definition(deal.process_version).stage(deal.stage)
    if stage is None:
        return ()
    context = EvaluationContext(facts=deal_facts(deal, now=now), now=now)
    return evaluate_stage(stage, "exit", context)


def account_get(*, user: User, account_id: int) -> Account:
    """An account ``user`` may see, with its owner; else NotFound (missing or not theirs)."""
    return account_for(user, account_id)


def contact_get(*, user: User, contact_id: int) -> Contact:
    """A contact ``user`` may see, with its account; else NotFound (missing or not theirs)."""
    return contact_for(user, contact_id)


ACCOUNT_SORT_KEYS = {"name": "name", "created_at": "created_at", "updated_at": "updated_at"}
CONTACT_SORT_KEYS = {"last_name": "last_name", "email": "email", "created_at": "created_at"}


def account_list(
    *,
    user: User,
    search: str = "",
    domain: str = "",
    owner: str = "",
    customer: bool | None = None,
) -> QuerySet[Account]:
    """The accounts ``user`` may see matching the filters, with their owners."""
    rows = accounts_visible_to(user).select_related("owner", "account_manager")
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(domain__icontains=search))
    if domain:
        rows = rows.filter(domain=domain.lower())
    if owner:
        rows = rows.filter(owner__username=owner)
    if customer is not None:
        rows = rows.filter(is_customer=customer)
    return rows


def contact_list(*, user: User, account: int | None = None, search: str = "") -> QuerySet[Contact]:
    """The contacts ``user`` may see matching the filters, with their accounts."""
    rows = contacts_visible_to(user).select_related("account")
    if account is not None:
        rows = rows.filter(account_id=account)
    if search:
        rows = rows.filter(
            Q(last_name__icontains=search)
            | Q(first_name__icontains=search)
            | Q(email__icontains=search)
        )
    return rows
