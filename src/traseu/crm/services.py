"""Writes of the CRM core. Stage moves live in :mod:`traseu.crm.transitions`.

Every service takes keyword arguments, runs in one transaction, and writes a timeline event for
what a person would want to read later.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.audit import services as audit
from traseu.core.concurrency import check_version
from traseu.core.errors import InvalidInput, NotFound, PermissionDenied
from traseu.core.models import User
from traseu.crm import access
from traseu.crm.models import (
    Account,
    Activity,
    ActivityType,
    BuyingRole,
    Contact,
    Deal,
    DealContact,
    DealDocument,
    DealStatus,
    DocumentStatus,
    QualificationAnswer,
    StageChange,
    TimelineEvent,
)
from traseu.crm.transitions import create_stage_tasks, stage_probability
from traseu.process.definition import QUALIFICATION_STATUSES
from traseu.process.qualification import question_problem
from traseu.processes.models import ProcessVersion
from traseu.processes.selectors import process_definition

Clock = Callable[[], dt.datetime]
DOCUMENT_KIND = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
EDITABLE_DEAL_FIELDS = ("title", "amount", "currency", "expected_close", "source", "custom")


def _amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise InvalidInput(
            _("Amount '%(value)s' is not a number.") % {"value": value},
            details={"field": "amount"},
        ) from error
    if amount < 0 or not amount.is_finite():
        raise InvalidInput(_("Amount cannot be negative."), details={"field": "amount"})
    return amount.quantize(Decimal("0.01"))


def deal_create(
    *,
    title: str,
    account: Account,
    owner: User,
    process_version: ProcessVersion,
    acting_user: User,
    amount: Any = None,
    currency: str = "",
    expected_close: dt.date | None = None,
    source: str = "",
    custom: Mapping[str, Any] | None = None,
    clock: Clock = timezone.now,
) -> Deal:
    """Open a deal in the first stage of ``process_version``, with that stage's tasks.

    The deal's team is the owner's first team; the history starts with a ``created`` row.
    """
    if not title.strip():
        raise InvalidInput(_("A deal needs a title."), details={"field": "title"})
    if acting_user is not None:  # None: a script or the operator, not a person's request
        access.require_writer(acting_user)
    definition = process_definition(process_version)
    first = definition.first_stage
    now = clock()
    with transaction.atomic():
        deal = Deal.objects.create(
            title=title.strip(),
            account=account,
            owner=owner,
            team=owner.teams.order_by("pk").first(),
            process_version=process_version,
            stage=first.key,
            status=DealStatus.OPEN,
            amount=_amount(amount),
            currency=(currency or definition.currency).upper(),
            expected_close=expected_close,
            probability=stage_probability(first),
            source=source,
            custom=dict(custom or {}),
            stage_entered_at=now,
            created_at=now,
        )
        StageChange.objects.create(
            deal=deal,
            process_version=process_version,
            from_stage="",
            to_stage=first.key,
            kind="created",
            changed_at=now,
            actor=acting_user,
        )
        TimelineEvent.objects.create(
            deal=deal,
            kind="deal.created",
            at=now,
            actor=acting_user,
            data={"stage": first.key, "process": definition.key, "version": process_version.number},
        )
        create_stage_tasks(deal=deal, stage=first, now=now, actor=acting_user)
        audit.record(
            action="create",
            obj=deal,
            actor=acting_user,
            deal_id=deal.pk,
            at=now,
            after=audit.values(deal),
        )
    return deal


def deal_update(
    *,
    deal_id: int,
    acting_user: User,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
    clock: Clock = timezone.now,
) -> Deal:
    """Change a deal's editable fields (custom attributes are merged key by key).

    Guarantees: with ``expected_version`` a stale copy is refused (:class:`Conflict`) and
    nothing changes; without it the read-modify-write happens under the row lock, so concurrent
    edits of different custom keys are all kept. The stage is never changed here.
    """
    unknown = sorted(set(changes) - set(EDITABLE_DEAL_FIELDS))
    if unknown:
        raise InvalidInput(
            _("These deal fields cannot be edited here: %(fields)s.")
            % {"fields": ", ".join(unknown)},
            details={"fields": unknown},
        )
    with transaction.atomic():
        deal = Deal.objects.select_for_update().filter(pk=deal_id).first()
        if deal is None:
            raise NotFound(_("No deal %(id)s.") % {"id": deal_id}, code="deal_not_found")
        check_version(
            deal.version,
            expected_version,
            _("The deal changed since you read it (version %(now)s, not %(then)s)."),
        )
        before = {name: _jsonable(getattr(deal, name)) for name in changes}
        for name, value in changes.items():
            if name == "custom":
                deal.custom = {**(deal.custom or {}), **dict(value or {})}
            elif name == "amount":
                deal.amount = _amount(value)
            elif name == "title" and not str(value).strip():
                raise InvalidInput(_("A deal needs a title."), details={"field": "title"})
            else:
                setattr(deal, name, value)
        deal.version = F("version") + 1
        deal.save(update_fields=[*changes, "version", "updated_at"])
        deal.refresh_from_db()
        after, now = {n: _jsonable(getattr(deal, n)) for n in changes}, clock()
        TimelineEvent.objects.create(
            deal=deal,
            kind="deal.updated",
            at=now,
            actor=acting_user,
            data={"before": before, "after": after},
        )
        audit.record(
            action="update",
            obj=deal,
            actor=acting_user,
            deal_id=deal.pk,
            at=now,
            before=before,
            after=after,
        )
    return deal


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal | dt.date):
        return str(value)
    return value


def activity_log(
    *,
    deal: Deal,
    type: str,
    subject: str,
    acting_user: User,
    notes: str = "",
    done: bool = True,
    due_at: dt.datetime | None = None,
    technique: str = "",
    clock: Clock = timezone.now,
) -> Activity:
    """Log an activity on a deal (done now) or plan one (``done=False`` with a due date).

    The activity remembers the stage the deal was in, which stage criteria can require.
    """
    if type not in ActivityType.values:
        raise InvalidInput(
            _("Unknown activity type '%(type)s'.") % {"type": type}, details={"field": "type"}
        )
    now = clock()
    with transaction.atomic():
        activity = Activity.objects.create(
            deal=deal,
            account_id=deal.account_id,
            type=type,
            subject=subject.strip() or str(ActivityType(type).label),
            notes=notes,
            owner=acting_user,
            due_at=due_at,
            done=done,
            done_at=now if done else None,
            stage=deal.stage,
            technique=technique,
            created_at=now,
            created_by=acting_user,
        )
        TimelineEvent.objects.create(
            deal=deal,
            kind="activity.logged" if done else "activity.planned",
            at=now,
            actor=acting_user,
            data={"activity": activity.pk, "type": type, "subject": subject},
        )
        audit.record(
            action="create",
            obj=activity,
            actor=acting_user,
            deal_id=deal.pk,
            at=now,
            after=audit.values(activity),
        )
    return activity


def task_complete(*, task_id: int, acting_user: User, clock: Clock = timezone.now) -> Activity:
    """Mark a task done (idempotent: completing a done task changes nothing)."""
    with transaction.atomic():
        task = Activity.objects.select_for_update().filter(pk=task_id).first()
        if task is None:
            raise NotFound(_("No task %(id)s.") % {"id": task_id}, code="task_not_found")
        if task.done:
            return task
        task.done, task.done_at = True, clock()
        task.save(update_fields=["done", "done_at"])
        if task.deal_id:
            TimelineEvent.objects.create(
                deal_id=task.deal_id,
                kind="task.done",
                at=task.done_at,
                actor=acting_user,
                data={"task": task.pk, "template": task.template, "subject": task.subject},
            )
        audit.record(
            action="update",
            obj=task,
            actor=acting_user,
            deal_id=task.deal_id,
            at=task.done_at,
            before={"done": False, "done_at": None},
            after=audit.values(task, ("done", "done_at")),
        )
    return task


def deal_contact_set(
    *, deal: Deal, contact: Contact, role: str, acting_user: User, clock: Clock = timezone.now
) -> DealContact:
    """Put a contact on a deal with a buying role (or change the role)."""
    if role not in BuyingRole.values:
        raise InvalidInput(
            _("Unknown buying role '%(role)s'.") % {"role": role}, details={"field": "role"}
        )
    with transaction.atomic():
        previous = DealContact.objects.filter(deal=deal, contact=contact).first()
        link, created = DealContact.objects.update_or_create(
            deal=deal, contact=contact, defaults={"role": role}
        )
        now = clock()
        TimelineEvent.objects.create(
            deal=deal,
            kind="contact.role",
            at=now,
            actor=acting_user,
            data={"contact": contact.pk, "name": str(contact), "role": role},
        )
        audit.record(
            action="create" if created else "update",
            obj=link,
            actor=acting_user,
            deal_id=deal.pk,
            at=now,
            label=f"{contact} ({link.get_role_display()})",
            before=audit.values(previous) if previous else {},
            after=audit.values(link),
        )
    return link


def deal_document_set(
    *,
    deal: Deal,
    kind: str,
    title: str,
    status: str,
    acting_user: User,
    link: str = "",
    clock: Clock = timezone.now,
) -> DealDocument:
    """Record a document of the deal (the newest of a kind is updated) and its status."""
    if not DOCUMENT_KIND.fullmatch(kind):
        raise InvalidInput(
            _("A document kind is a short slug such as proposal or contract."),
            details={"field": "kind"},
        )
    if status not in DocumentStatus.values:
        raise InvalidInput(
            _("Unknown document status '%(status)s'.") % {"status": status},
            details={"field": "status"},
        )
    now = clock()
    with transaction.atomic():
        document = DealDocument.objects.filter(deal=deal, kind=kind).order_by("-updated_at").first()
        document = document or DealDocument(deal=deal, kind=kind)
        before = audit.values(document) if document.pk else {}
        document.title, document.status, document.updated_at = title, status, now
        document.link = link or document.link
        document.save()
        TimelineEvent.objects.create(
            deal=deal,
            kind="document.status",
            at=now,
            actor=acting_user,
            data={"document": kind, "status": status, "title": title},
        )
        audit.record(
            action="update" if before else "create",
            obj=document,
            actor=acting_user,
            deal_id=deal.pk,
            at=now,
            before=before,
            after=audit.values(document),
        )
    return document


def qualification_answer(
    *,
    deal: Deal,
    criterion: str,
    status: str,
    acting_user: User,
    framework: str = "bant",
    note: str = "",
    evidence: str = "",
    clock: Clock = timezone.now,
) -> QualificationAnswer:
    """Answer (or re-answer) a qualification question of a known framework (the registry in
    :mod:`traseu.process.qualification`); earlier answers stay as history."""
    if status not in QUALIFICATION_STATUSES:
        raise InvalidInput(
            _("Unknown qualification status '%(status)s'; use one of: %(statuses)s.")
            % {"status": status, "statuses": ", ".join(QUALIFICATION_STATUSES)},
            details={"field": "status"},
        )
    problem = question_problem(framework.lower(), criterion.lower())
    if problem is not None:
        raise InvalidInput(problem.message, details={"field": problem.field})
    now = clock()
    with transaction.atomic():
        answer = QualificationAnswer.objects.create(
            deal=deal,
            framework=framework.lower(),
            criterion=criterion.lower(),
            status=status,
            note=note,
            evidence=evidence,
            stage=deal.stage,
            answered_at=now,
            answered_by=acting_user,
        )
        TimelineEvent.objects.create(
            deal=deal,
            kind="qualification.answered",
            at=now,
            actor=acting_user,
            data={"framework": framework, "criterion": criterion, "status": status},
        )
        audit.record(
            action="create",
            obj=answer,
            actor=acting_user,
            deal_id=deal.pk,
            at=now,
            after=audit.values(answer),
        )
    return answer


ACCOUNT_FIELDS = (
    "name",
    "domain",
    "industry",
    "employees",
    "annual_revenue",
    "country",
    "is_customer",
    "owner",
    "account_manager",
    "custom",
)
CONTACT_FIELDS = ("account", "first_name", "last_name", "email", "phone", "job_title", "custom")


def _clean_account(values: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    if "name" in cleaned and not str(cleaned["name"] or "").strip():
        raise InvalidInput(_("An account needs a name."), details={"field": "name"})
    if "domain" in cleaned:
        cleaned["domain"] = normalise_domain(str(cleaned["domain"] or ""))
    if "country" in cleaned:
        country = str(cleaned["country"] or "").strip().upper()
        if country and (len(country) != 2 or not country.isalpha()):
            raise InvalidInput(
                _("Country '%(value)s' is not a two-letter ISO code such as RO.")
                % {"value": cleaned["country"]},
                details={"field": "country"},
            )
        cleaned["country"] = country
    if "annual_revenue" in cleaned:
        cleaned["annual_revenue"] = _amount(cleaned["annual_revenue"])
    return cleaned


def _check_account_manager_assignment(values: Mapping[str, Any], acting_user: User) -> None:
    """Who looks after a customer (and so sees the account) is a manager's call."""
    if "account_manager" not in values or acting_user is None:  # None: the operator
        return
    if not acting_user.may_override_gates:
        raise PermissionDenied(
            _("Only a sales manager or an administrator may assign an account manager."),
            code="assign_forbidden",
            details={"field": "account_manager"},
        )


def normalise_domain(raw: str) -> str:
    """``https://www.Acme.ro/contact`` and ``acme.ro`` are the same company domain."""
    domain = raw.strip().lower()
    for prefix in ("https://", "http://"):
        domain = domain.removeprefix(prefix)
    domain = domain.split("/", 1)[0].split("?", 1)[0].removeprefix("www.")
    return domain.rstrip(".")


def _account_changed(account: Account) -> None:
    """Keep the account's ICP fit scores and recognition keys current (prospecting)."""
    from traseu.prospecting.fit import account_changed  # here: prospecting imports the CRM

    account_changed(account=account)


def account_create(*, acting_user: User, **values: Any) -> Account:
    """Create an account (a company). Unknown fields are refused; the name is required."""
    unknown = sorted(set(values) - set(ACCOUNT_FIELDS))
    if unknown:
        raise InvalidInput(
            _("Unknown account fields: %(fields)s.") % {"fields": ", ".join(unknown)},
            details={"fields": unknown},
        )
    values.setdefault("name", "")
    if acting_user is not None:  # None: a script or the operator, not a person's request
        access.require_writer(acting_user)
    _check_account_manager_assignment(values, acting_user)
    with transaction.atomic():
        account = Account.objects.create(**_clean_account(values))
        audit.record(action="create", obj=account, actor=acting_user, after=audit.values(account))
        _account_changed(account)
    return account


def account_update(
    *,
    account_id: int,
    acting_user: User,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
) -> Account:
    """Change an account's fields (custom attributes merged key by key).

    Guarantees: with ``expected_version`` a stale copy is refused (:class:`Conflict`, code
    ``stale_version``) and nothing changes; every edit adds one to ``version``.
    """
    unknown = sorted(set(changes) - set(ACCOUNT_FIELDS))
    if unknown:
        raise InvalidInput(
            _("Unknown account fields: %(fields)s.") % {"fields": ", ".join(unknown)},
            details={"fields": unknown},
        )
    cleaned = _clean_account(changes)
    _check_account_manager_assignment(cleaned, acting_user)
    with transaction.atomic():
        account = Account.objects.select_for_update().filter(pk=account_id).first()
        if account is None:
            raise NotFound(_("No account %(id)s.") % {"id": account_id}, code="account_not_found")
        check_version(
            account.version,
            expected_version,
            _("The account changed since you read it (version %(now)s, not %(then)s)."),
        )
        before = audit.values(account, cleaned)
        for name, value in cleaned.items():
            if name == "custom":
                account.custom = {**(account.custom or {}), **dict(value or {})}
            else:
                setattr(account, name, value)
        account.version += 1
        account.save()
        _account_changed(account)
        audit.record(
            action="update",
            obj=account,
            actor=acting_user,
            before=before,
            after=audit.values(account, cleaned),
        )
    return account


def contact_create(*, acting_user: User, **values: Any) -> Contact:
    """Create a contact; a last name (or, failing that, an e-mail) is required."""
    unknown = sorted(set(values) - set(CONTACT_FIELDS))
    if unknown:
        raise InvalidInput(
            _("Unknown contact fields: %(fields)s.") % {"fields": ", ".join(unknown)},
            details={"fields": unknown},
        )
    values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    if not values.get("last_name") and not values.get("email"):
        raise InvalidInput(
            _("A contact needs a last name or an e-mail address."),
            details={"field": "last_name"},
        )
    if values.get("email"):
        values["email"] = str(values["email"]).lower()
    values.setdefault("last_name", "")
    if acting_user is not None:  # None: a script or the operator, not a person's request
        access.require_writer(acting_user)
    with transaction.atomic():
        contact = Contact.objects.create(**values)
        audit.record(action="create", obj=contact, actor=acting_user, after=audit.values(contact))
    return contact
