"""Follow-up services: scheduled at the win, completed with the client's feedback.

The follow-up call is a CRM task (an :class:`~traseu.crm.models.Activity` of type call), so it
shows in My work, on the deal and in the calendar feed; the :class:`FollowUp` row keeps the
window, the outcome and the feedback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.aftersale import outbox
from traseu.aftersale.models import (
    Feedback,
    FeedbackIssue,
    FollowUp,
    FollowUpOutcome,
    FollowUpStatus,
    IssueCategory,
)
from traseu.aftersale.window import follow_up_due, follow_up_window
from traseu.audit import services as audit
from traseu.core.errors import Conflict, InvalidInput, NotFound
from traseu.core.models import Role, User
from traseu.crm.access import deal_for, deals_visible_to, require_writer
from traseu.crm.models import Activity, ActivityType, Deal, TimelineEvent
from traseu.crm.services import task_complete
from traseu.crm.transitions import assignee_for
from traseu.process.definition import ProcessDefinition

Clock = Callable[[], dt.datetime]
CALL_HOUR = 10  # local time of the planned call
ISSUE_TASK_DAYS = 7
FEEDBACK_FIELDS = ("nps", "satisfaction", "comment")


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def follow_up_schedule_for_win(
    *, deal: Deal, definition: ProcessDefinition, actor: User, now: dt.datetime
) -> FollowUp | None:
    """Plan the follow-up call at the deal's first win: the first working day of the process's
    window (``follow_up_days`` after the close), 10:00 local time, for the process's
    ``follow_up_role`` (for account managers: the account's, else the team's; else the
    owner). None if the deal already has one."""
    if FollowUp.objects.filter(deal=deal).exists():
        return None
    closed_on = local_day(now)
    start, end = follow_up_window(closed_on, definition.follow_up_days)
    due_on = follow_up_due(closed_on, definition.follow_up_days)
    role = definition.follow_up_role
    manager = deal.account.account_manager if role == Role.ACCOUNT_MANAGER else None
    owner = manager or assignee_for(deal, role)
    due_at = timezone.make_aware(dt.datetime.combine(due_on, dt.time(CALL_HOUR)))
    task = Activity.objects.create(
        deal=deal,
        account_id=deal.account_id,
        type=ActivityType.CALL,
        subject=_("Follow-up call: %(deal)s") % {"deal": deal.title},
        notes=_(
            "Ask how things are going, whether questions or problems came up; record the feedback."
        ),
        owner=owner,
        due_at=due_at,
        stage=definition.won.key,
        created_at=now,
        created_by=actor,
    )
    follow_up = FollowUp.objects.create(
        deal=deal,
        activity=task,
        owner=owner,
        due_on=due_on,
        window_start=start,
        window_end=end,
        created_at=now,
    )
    audit.record(
        action="create",
        obj=follow_up,
        actor=actor,
        deal_id=deal.pk,
        at=now,
        after=audit.values(follow_up, ("owner", "due_on", "window_start", "window_end")),
    )
    TimelineEvent.objects.create(
        deal=deal,
        kind="follow_up.scheduled",
        at=now,
        actor=actor,
        data={"follow_up": follow_up.pk, "due_on": due_on.isoformat(), "owner": owner.username},
    )
    return follow_up


def follow_up_for(user: User, follow_up_id: int) -> FollowUp:
    found = (
        FollowUp.objects.filter(deal__in=deals_visible_to(user).values("pk"), pk=follow_up_id)
        .select_related("deal__account", "owner", "activity")
        .first()
    )
    if found is None:
        raise NotFound(_("No follow-up %(id)s.") % {"id": follow_up_id}, code="follow_up_not_found")
    return found


@dataclass(frozen=True)
class IssueInput:
    category: str
    description: str
    owner: str = ""  # a username: the issue becomes a task for them


@dataclass(frozen=True)
class FeedbackInput:
    outcome: str
    nps: int | None = None
    satisfaction: int | None = None
    comment: str = ""
    issues: Sequence[IssueInput] = field(default_factory=tuple)


def _check(data: FeedbackInput) -> dict[str, str]:
    """Every problem of ``data`` by field (``issues.2.category`` for the second issue)."""
    errors: dict[str, str] = {}
    if data.outcome not in FollowUpOutcome.values:
        errors["outcome"] = _("Choose the outcome: %(choices)s.") % {
            "choices": ", ".join(FollowUpOutcome.values)
        }
    reached = data.outcome == FollowUpOutcome.REACHED
    if reached and (data.nps is None or not 0 <= data.nps <= 10):
        errors["nps"] = _("The score is a whole number from 0 to 10.")
    if reached and (data.satisfaction is None or not 1 <= data.satisfaction <= 5):
        errors["satisfaction"] = _("Satisfaction is a whole number from 1 to 5.")
    if len(data.comment) > 5000:
        errors["comment"] = _("At most 5000 characters.")
    if data.issues and not reached:
        errors["issues"] = _("Issues are recorded only when the client was reached.")
    for number, issue in enumerate(data.issues, start=1):
        if issue.category not in IssueCategory.values:
            errors[f"issues.{number}.category"] = _("Issue %(n)s: choose a category: %(c)s.") % {
                "n": number,
                "c": ", ".join(IssueCategory.values),
            }
        if not issue.description.strip() or len(issue.description) > 300:
            errors[f"issues.{number}.description"] = _(
                "Issue %(n)s: describe it (1 to 300 characters)."
            ) % {"n": number}
    return errors


def _issue_owners(issues: Sequence[IssueInput], errors: dict[str, str]) -> dict[str, User]:
    names = {i.owner for i in issues if i.owner}
    found = {
        u.username: u
        for u in User.objects.filter(username__in=names, is_active=True).exclude(
            role=Role.READ_ONLY
        )
    }
    for number, issue in enumerate(issues, start=1):
        if issue.owner and issue.owner not in found:
            errors[f"issues.{number}.owner"] = _(
                "Issue %(n)s: no active user %(name)s who may own a task."
            ) % {"n": number, "name": issue.owner}
    return found


def follow_up_complete(
    *, follow_up_id: int, acting_user: User, data: FeedbackInput, clock: Clock = timezone.now
) -> FollowUp:
    """Record the call's outcome and, when the client was reached, their feedback and the
    issues they raised (each with an owner becomes a task); completes the call task and emits
    ``feedback.received``. Bad input raises InvalidInput naming every bad field and changes
    nothing; a follow-up already done is a 409."""
    require_writer(acting_user)
    errors = _check(data)
    owners = _issue_owners(data.issues, errors)
    with transaction.atomic():
        follow_up = follow_up_for(acting_user, follow_up_id)
        deal = deal_for(acting_user, follow_up.deal_id, write=True)
        follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if follow_up.status == FollowUpStatus.DONE:
            raise Conflict(_("This follow-up is already done."), code="follow_up_done")
        if errors:
            raise InvalidInput(
                " ".join(errors.values()),
                code="invalid_feedback",
                details={"field": next(iter(errors)), "errors": errors},
            )
        now = clock()
        follow_up.status, follow_up.outcome = FollowUpStatus.DONE, data.outcome
        follow_up.completed_at, follow_up.completed_by = now, acting_user
        follow_up.save()
        audit.record(
            action="update",
            obj=follow_up,
            actor=acting_user,
            deal_id=deal.pk,
            at=now,
            before={"status": FollowUpStatus.SCHEDULED},
            after=audit.values(follow_up, ("status", "outcome", "completed_at")),
        )
        task_complete(task_id=follow_up.activity_id, acting_user=acting_user, clock=lambda: now)
        # The call was made in the stage the deal is in now (an after-sale stage, typically),
        # so it counts for that stage's "call logged" criterion.
        Activity.objects.filter(pk=follow_up.activity_id).update(stage=deal.stage)
        if data.outcome == FollowUpOutcome.REACHED:
            _record_feedback(follow_up, deal, acting_user, data, owners, now)
    return follow_up_for(acting_user, follow_up.pk)


def _record_feedback(
    follow_up: FollowUp,
    deal: Deal,
    actor: User,
    data: FeedbackInput,
    owners: dict[str, User],
    now: dt.datetime,
) -> Feedback:
    assert data.nps is not None
    assert data.satisfaction is not None
    feedback = Feedback.objects.create(
        follow_up=follow_up,
        deal=deal,
        nps=data.nps,
        satisfaction=data.satisfaction,
        comment=data.comment.strip(),
        received_at=now,
        recorded_by=actor,
    )
    audit.record(
        action="create",
        obj=feedback,
        actor=actor,
        deal_id=deal.pk,
        at=now,
        after=audit.values(feedback, FEEDBACK_FIELDS),
    )
    issues = []
    for item in data.issues:
        issue = FeedbackIssue.objects.create(
            feedback=feedback,
            category=item.category,
            description=item.description.strip(),
            created_at=now,
        )
        audit.record(
            action="create",
            obj=issue,
            actor=actor,
            deal_id=deal.pk,
            at=now,
            after=audit.values(issue, ("category", "description")),
        )
        if item.owner:
            _issue_task(issue, deal, owners[item.owner], actor, now)
        issues.append({"category": issue.category, "description": issue.description})
    TimelineEvent.objects.create(
        deal=deal,
        kind="feedback.received",
        at=now,
        actor=actor,
        data={"nps": feedback.nps, "satisfaction": feedback.satisfaction, "issues": len(issues)},
    )
    outbox.emit(
        "feedback.received",
        {
            "deal": deal.pk,
            "follow_up": follow_up.pk,
            "nps": feedback.nps,
            "satisfaction": feedback.satisfaction,
            "comment": feedback.comment,
            "issues": issues,
        },
        deal=deal,
        actor=actor,
    )
    return feedback


def _issue_task(
    issue: FeedbackIssue, deal: Deal, owner: User, actor: User, now: dt.datetime
) -> Activity:
    task = Activity.objects.create(
        deal=deal,
        account_id=deal.account_id,
        type=ActivityType.TASK,
        subject=_("Client issue (%(category)s): %(issue)s")
        % {"category": issue.get_category_display(), "issue": issue.description},
        owner=owner,
        due_at=now + dt.timedelta(days=ISSUE_TASK_DAYS),
        stage=deal.stage,
        created_at=now,
        created_by=actor,
    )
    issue.task = task
    issue.save(update_fields=["task"])
    audit.record(
        action="create",
        obj=task,
        actor=actor,
        deal_id=deal.pk,
        at=now,
        after=audit.values(task, ("deal", "type", "subject", "owner", "due_at")),
    )
    return task


def issue_make_task(
    *, issue_id: int, owner: str, acting_user: User, clock: Clock = timezone.now
) -> FeedbackIssue:
    """Turn an issue without a task into a task for ``owner`` (a username)."""
    require_writer(acting_user)
    with transaction.atomic():
        issue = (
            FeedbackIssue.objects.select_for_update()
            .filter(pk=issue_id, feedback__deal__in=deals_visible_to(acting_user).values("pk"))
            .first()
        )
        if issue is None:
            raise NotFound(_("No issue %(id)s.") % {"id": issue_id}, code="issue_not_found")
        deal = deal_for(acting_user, issue.feedback.deal_id, write=True)
        errors: dict[str, str] = {}
        owners = _issue_owners([IssueInput("product", "x", owner)], errors)
        if errors or not owner:
            raise InvalidInput(
                _("No active user %(name)s who may own a task.") % {"name": owner},
                code="user_not_found",
                details={"field": "owner"},
            )
        if issue.task_id is not None:
            raise Conflict(_("This issue already has a task."), code="issue_has_task")
        _issue_task(issue, deal, owners[owner], acting_user, clock())
    return issue
