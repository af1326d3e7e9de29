"""The one transition path: every stage move (web, API, CLI, imports, tasks) goes through here.

:func:`deal_move_to_stage` locks the deal, builds its facts, asks the engine, and either raises
:class:`GateRejected` with every unmet criterion or writes the move: deal fields, the
stage-change rows, the tasks of the stage entered, and the timeline, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.audit import services as audit
from traseu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from traseu.core.models import Role, User
from traseu.crm import assignees
from traseu.crm.facts import deal_facts
from traseu.crm.models import (
    Activity,
    ActivityType,
    Deal,
    DealStatus,
    StageChange,
    TimelineEvent,
)
from traseu.crm.signals import deal_moved
from traseu.process.criteria import CriterionResult
from traseu.process.definition import ProcessDefinition, Stage, StageKind
from traseu.process.engine import Decision, MoveKind, plan_transition
from traseu.processes.selectors import process_definition

Clock = Callable[[], dt.datetime]
MOVE_AUDIT_FIELDS = ("stage", "status", "probability", "lost_reason", "closed_at")


class GateRejected(Conflict):
    """The gate refused the move. ``details`` lists every unmet criterion and broken rule."""

    code = "gate_rejected"

    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        super().__init__(
            _("The deal cannot move from %(from)s to %(to)s.")
            % {"from": decision.from_stage, "to": decision.to_stage},
            details={
                "unmet": [criterion_dict(result) for result in decision.unmet],
                "violations": [
                    {"code": v.code, "message": v.message, "help": v.help}
                    for v in decision.violations
                ],
            },
        )


def criterion_dict(result: CriterionResult) -> dict[str, Any]:
    return {
        "code": result.code,
        "kind": result.kind,
        "area": result.area,
        "criterion": result.criterion,
        "stage": result.stage,
        "phase": result.phase,
        "met": result.met,
        "message": result.message,
        "help": result.help,
    }


@dataclass
class MoveOutcome:
    deal: Deal
    decision: Decision
    changes: list[StageChange] = field(default_factory=list)
    tasks: list[Activity] = field(default_factory=list)


def _locked_deal(deal_id: int) -> Deal:
    # select_for_update locks the row on PostgreSQL; on SQLite the IMMEDIATE transaction mode
    # already serialises writers, so a second mover waits and then sees the new stage.
    deal = (
        Deal.objects.select_for_update(of=("self",))
        # everything the API's answer shows, so the caller need not read the deal again
        .select_related("owner", "account", "team", "process_version__process")
        .defer("process_version__document", "process_version__source")
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        raise NotFound(_("No deal %(id)s.") % {"id": deal_id}, code="deal_not_found")
    return deal


def _check_actor(actor: User, *, override: bool, reason: str) -> None:
    if not actor.is_active or actor.role == Role.READ_ONLY:
        raise PermissionDenied(_("%(user)s may not move deals.") % {"user": actor.username})
    if override and not actor.may_override_gates:
        raise PermissionDenied(
            _("Only a sales manager or an administrator may override a gate."),
            code="override_forbidden",
        )
    if override and not reason.strip():
        raise InvalidInput(
            _("Overriding a gate needs a written reason."), code="override_reason_required"
        )


def deal_move_to_stage(
    *,
    deal_id: int,
    to_stage: str,
    acting_user: User,
    reason: str = "",
    lost_reason: str = "",
    override: bool = False,
    via: str = "service",
    clock: Clock = timezone.now,
) -> MoveOutcome:
    """Move a deal to ``to_stage`` if its gate allows (or a manager overrides it).

    Guarantees: all or nothing (one transaction); concurrent moves of one deal are serialised,
    so the second sees the first's result; a refused move changes nothing and raises
    :class:`GateRejected` listing every unmet criterion; history rows chain without gaps.
    """
    _check_actor(acting_user, override=override, reason=reason)
    with transaction.atomic():
        deal = _locked_deal(deal_id)
        now = clock()
        definition = process_definition(deal.process_version)
        facts = deal_facts(deal, now=now)
        decision = plan_transition(
            definition,
            facts,
            from_stage=deal.stage,
            to_stage=to_stage.strip(),
            reason=reason,
            lost_reason=lost_reason,
            override=override,
            clock=lambda: now,
        )
        if not decision.allowed:
            raise GateRejected(decision)
        # Stored as the process lists it, so reports group "price too high" with "Price too high".
        lost_reason = definition.listed_lost_reason(lost_reason) or lost_reason
        outcome = MoveOutcome(deal=deal, decision=decision)
        before = audit.values(deal, MOVE_AUDIT_FIELDS)
        for step_from, step_to, kind in _steps(definition, decision):
            _apply_step(
                outcome,
                definition,
                step_from,
                step_to,
                kind,
                acting_user,
                now,
                via,
                reason=reason,
                lost_reason=lost_reason,
                qualification={k: dict(v) for k, v in facts.qualification.items()},
            )
        deal.version += 1
        deal.save()
        _assign_account_manager(deal, outcome.tasks, acting_user, now)
        audit.record(
            action="override" if decision.overridden else "move",
            obj=deal,
            actor=acting_user,
            deal_id=deal.pk,
            at=now,
            before=before,
            after=audit.values(deal, MOVE_AUDIT_FIELDS),
            reason=lost_reason or reason,
            via=None if via == "service" else via,
        )
        deal_moved.send(sender=Deal, outcome=outcome, actor=acting_user, now=now, via=via)
    return outcome


def _assign_account_manager(
    deal: Deal, tasks: list[Activity], actor: User, now: dt.datetime
) -> None:
    """At the won handoff, the account manager who received a task of the move looks after the
    account from now on (it becomes visible to them, see :mod:`traseu.crm.access`), unless the
    account already has one. Recorded in the audit trail as an edit of the account."""
    account = deal.account
    if deal.status != DealStatus.WON or account.account_manager_id is not None:
        return
    manager = next((t.owner for t in tasks if t.owner.role == Role.ACCOUNT_MANAGER), None)
    if manager is None:
        return
    account.account_manager = manager
    account.save(update_fields=["account_manager", "updated_at"])
    audit.record(
        action="update",
        obj=account,
        actor=actor,
        at=now,
        before={"account_manager": None},
        after={"account_manager": manager.pk},
    )


def _steps(
    definition: ProcessDefinition, decision: Decision
) -> list[tuple[Stage, Stage, MoveKind]]:
    """The rows a decision writes. A win always records its own row into the won stage; a move
    from pre-sale straight into an after-sale stage writes that row and then one more (the
    engine has already checked won's entry and exit criteria for it)."""
    source = definition.stage(decision.from_stage)
    target = definition.stage(decision.to_stage)
    assert source is not None
    assert target is not None
    assert decision.kind is not None
    if decision.kind is not MoveKind.WON:
        return [(source, target, decision.kind)]
    won = definition.won
    steps = [(source, won, MoveKind.WON)]
    if target.key != won.key:
        steps.append((won, target, MoveKind.FORWARD))
    return steps


def _apply_step(
    outcome: MoveOutcome,
    definition: ProcessDefinition,
    source: Stage,
    target: Stage,
    kind: MoveKind,
    actor: User,
    now: dt.datetime,
    via: str,
    *,
    reason: str,
    lost_reason: str,
    qualification: dict[str, dict[str, str]],
) -> None:
    deal, decision = outcome.deal, outcome.decision
    first_step = not outcome.changes
    entered = deal.stage_entered_at
    outcome.changes.append(
        StageChange.objects.create(
            deal=deal,
            process_version_id=deal.process_version_id,
            from_stage=source.key,
            to_stage=target.key,
            kind=kind.value,
            from_entered_at=entered,
            changed_at=now,
            duration=now - entered,
            actor=actor,
            via=via,
            reason=(lost_reason or reason) if first_step else "",
            overridden=decision.overridden and first_step,
            criteria=[criterion_dict(r) for r in decision.checked] if first_step else [],
            qualification=qualification,
        )
    )
    _enter(deal, target, now, lost_reason=lost_reason)
    events: list[tuple[str, dict[str, Any]]] = [
        ("stage.changed", {"from": source.key, "to": target.key, "kind": kind.value})
    ]
    if decision.overridden and first_step:
        events.append(
            ("gate.overridden", {"reason": reason, "unmet": [r.criterion for r in decision.unmet]})
        )
    if target.kind is StageKind.WON:
        events.append(("deal.won", {"amount": str(deal.amount or "")}))
    elif target.kind is StageKind.LOST:
        events.append(("deal.lost", {"reason": lost_reason}))
    elif kind is MoveKind.REOPEN or (
        kind is MoveKind.BACK
        and target.kind is StageKind.PRE_SALE
        and source.kind is not StageKind.PRE_SALE
    ):
        events.append(("deal.reopened", {"reason": reason}))
    TimelineEvent.objects.bulk_create(
        [TimelineEvent(deal=deal, kind=k, at=now, actor=actor, data=d) for k, d in events]
    )
    outcome.tasks += create_stage_tasks(deal=deal, stage=target, now=now, actor=actor)


def stage_probability(stage: Stage) -> Decimal:
    return Decimal(str(stage.probability)).quantize(Decimal("0.0001"))


def _enter(deal: Deal, stage: Stage, now: dt.datetime, *, lost_reason: str) -> None:
    deal.stage = stage.key
    deal.stage_entered_at = now
    deal.probability = stage_probability(stage)
    if stage.kind is StageKind.LOST:
        deal.status, deal.lost_reason, deal.closed_at = DealStatus.LOST, lost_reason.strip(), now
    elif stage.kind is StageKind.PRE_SALE:
        deal.status, deal.lost_reason, deal.closed_at = DealStatus.OPEN, "", None
    elif deal.status != DealStatus.WON:
        deal.status, deal.lost_reason, deal.closed_at = DealStatus.WON, "", now


def assignee_for(deal: Deal, role: str) -> User:
    """Who does a stage's task: the owner when they hold the role, else the team member with
    that role who has the fewest open tasks, else the owner."""
    owner = deal.owner
    if not role or owner.role == role:
        return owner
    cache = assignees.current()
    if cache is not None and deal.team_id:
        return cache.pick(deal.team_id, role) or owner
    members = User.objects.filter(is_active=True, role=role)
    members = (
        members.filter(teams=deal.team_id)
        if deal.team_id
        else members.filter(teams__in=owner.teams.all())
    )
    candidate = (
        members.annotate(open_tasks=Count("activities", filter=Q(activities__done=False)))
        .order_by("open_tasks", "pk")
        .first()
    )
    return candidate or owner


def create_stage_tasks(
    *, deal: Deal, stage: Stage, now: dt.datetime, actor: User | None
) -> list[Activity]:
    """Create the tasks of ``stage`` for ``deal``, once: re-entering a stage keeps its tasks."""
    existing = set(
        Activity.objects.filter(deal=deal, stage=stage.key)
        .exclude(template="")
        .values_list("template", flat=True)
    )
    tasks = [
        Activity(
            deal=deal,
            account_id=deal.account_id,
            type=ActivityType.TASK,
            subject=template.title,
            notes=template.description,
            owner=assignee_for(deal, template.role or stage.responsible_role),
            due_at=now + dt.timedelta(days=template.due_days),
            stage=stage.key,
            template=template.key,
            created_at=now,
            created_by=actor,
        )
        for template in stage.tasks
        if template.key not in existing
    ]
    created = Activity.objects.bulk_create(tasks)
    cache = assignees.current()
    if cache is not None:
        cache.assigned(task.owner_id for task in created)
    if created:
        TimelineEvent.objects.create(
            deal=deal,
            kind="tasks.created",
            at=now,
            actor=actor,
            data={"stage": stage.key, "tasks": [t.template for t in created]},
        )
    return created
