"""The gate engine: may a deal move from one stage to another, and if not, why not.

:func:`plan_transition` is the only place where route rules live. It never touches storage: the
caller hands it a process, a facts snapshot and the wish, and gets back a :class:`Decision` that
lists every unmet criterion (not the first) and every broken rule.

Rules, in order of the route (pre-sale stages, won, after-sale stages; lost off the route):

* forward by one stage: the exit criteria of the stage being left and the entry criteria of the
  target must hold;
* forward over several stages (a skip): also the exit criteria of every stage skipped; a process
  with ``allow_skip: false`` refuses skips outright;
* backward (including reopening a won or lost deal): allowed with a written reason, no criteria;
* to the lost outcome: from any stage before won, with a lost reason;
* entering the after-sale stages requires the deal to be won first (passing through won).

Criteria can be overridden (by someone allowed to, which the caller decides) with a reason; rules
cannot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from traseu.process.criteria import CriterionResult, EvaluationContext, evaluate
from traseu.process.definition import ProcessDefinition, Stage, StageKind
from traseu.process.facts import DealFacts
from traseu.process.i18n import _

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class MoveKind(StrEnum):
    FORWARD = "forward"
    SKIP = "skip"
    BACK = "back"
    WON = "won"
    LOST = "lost"
    REOPEN = "reopen"


@dataclass(frozen=True, slots=True)
class RuleViolation:
    """A route rule the move breaks; unlike a criterion, no override lifts it."""

    code: str
    message: str
    help: str = ""


@dataclass(frozen=True)
class Decision:
    """The engine's answer. ``allowed`` is final; ``unmet`` and ``violations`` say why not.

    ``overridden`` is true when unmet criteria were waived by an override; ``checked`` holds
    every criterion evaluated, met or not, so the caller can keep a snapshot of the gate.
    """

    from_stage: str
    to_stage: str
    kind: MoveKind | None
    allowed: bool
    checked: tuple[CriterionResult, ...] = ()
    violations: tuple[RuleViolation, ...] = ()
    skipped: tuple[str, ...] = ()
    overridden: bool = False
    evaluated_at: dt.datetime = field(default_factory=system_clock)

    @property
    def unmet(self) -> tuple[CriterionResult, ...]:
        return tuple(result for result in self.checked if not result.met)


def gate_criteria(
    process: ProcessDefinition, *, from_stage: Stage, to_stage: Stage
) -> list[tuple[Stage, str]]:
    """The (stage, phase) pairs whose criteria a forward move must satisfy, in route order.

    A stage passed over contributes its exit criteria; passing over won (winning straight into
    an after-sale stage) also takes won's entry criteria, as winning is what the move does.
    """
    start, end = process.index(from_stage.key), process.index(to_stage.key)
    gates: list[tuple[Stage, str]] = [(from_stage, "exit")]
    for stage in process.route[start + 1 : end]:
        if stage.kind is StageKind.WON:
            gates.append((stage, "entry"))
        gates.append((stage, "exit"))
    gates.append((to_stage, "entry"))
    return gates


def evaluate_stage(
    stage: Stage, phase: str, context: EvaluationContext
) -> tuple[CriterionResult, ...]:
    """Every criterion of one side of a stage, met or not (the live checklist of a deal page)."""
    specs = stage.exit if phase == "exit" else stage.entry
    return tuple(evaluate(spec, stage=stage.key, phase=phase, context=context) for spec in specs)


def _classify(
    process: ProcessDefinition, current: Stage, target: Stage
) -> tuple[MoveKind | None, list[RuleViolation]]:
    if target.key == current.key:
        return None, [RuleViolation("same_stage", _("The deal is already in this stage."))]
    if target.kind is StageKind.LOST:
        if current.kind is not StageKind.PRE_SALE:
            return MoveKind.LOST, [
                RuleViolation("not_open", _("Only an open deal can be lost; reopen it first."))
            ]
        return MoveKind.LOST, []
    if current.kind is StageKind.LOST:
        if target.kind is not StageKind.PRE_SALE:
            return MoveKind.REOPEN, [
                RuleViolation("reopen_target", _("A lost deal reopens into a pre-sale stage."), "")
            ]
        return MoveKind.REOPEN, []
    here, there = process.index(current.key), process.index(target.key)
    if there < here:
        return MoveKind.BACK, []
    if target.kind is StageKind.WON:
        return MoveKind.WON, []
    if target.kind is StageKind.AFTER_SALE and current.kind is StageKind.PRE_SALE:
        return MoveKind.WON, []  # winning passes through won: checked with won's criteria
    return (MoveKind.FORWARD if there == here + 1 else MoveKind.SKIP), []


def plan_transition(
    process: ProcessDefinition,
    facts: DealFacts,
    *,
    from_stage: str,
    to_stage: str,
    reason: str = "",
    lost_reason: str = "",
    override: bool = False,
    clock: Clock = system_clock,
) -> Decision:
    """Decide whether a deal may move from ``from_stage`` to ``to_stage``.

    Guarantees: every applicable criterion is evaluated and reported (met or unmet); rule
    violations are never waived by ``override``; the result depends only on the arguments.
    """
    now = clock()
    current, target = process.stage(from_stage), process.stage(to_stage)
    if current is None or target is None:
        missing = to_stage if current is not None else from_stage
        violation = RuleViolation(
            "unknown_stage",
            _("There is no stage '%(stage)s' in this process.") % {"stage": missing},
            _("Known stages: %(stages)s.") % {"stages": ", ".join(s.key for s in process.stages)},
        )
        return Decision(
            from_stage, to_stage, None, False, violations=(violation,), evaluated_at=now
        )

    kind, violations = _classify(process, current, target)
    checked: tuple[CriterionResult, ...] = ()
    skipped: tuple[str, ...] = ()
    if kind in (MoveKind.BACK, MoveKind.REOPEN) and not reason.strip():
        violations.append(
            RuleViolation(
                "reason_required",
                _("Moving a deal back needs a reason."),
                _("Say why the deal goes back, e.g. the budget was cut."),
            )
        )
    if kind is MoveKind.LOST and not lost_reason.strip():
        violations.append(
            RuleViolation(
                "lost_reason_required",
                _("Losing a deal needs a lost reason."),
                _("Pick or write why the deal was lost."),
            )
        )
    elif kind is MoveKind.LOST and not process.accepts_lost_reason(lost_reason):
        violations.append(
            RuleViolation(
                "lost_reason_not_listed",
                _("'%(reason)s' is not one of this process's lost reasons.")
                % {"reason": lost_reason.strip()},
                _("Pick one of: %(reasons)s.") % {"reasons": "; ".join(process.lost_reasons)},
            )
        )
    if kind in (MoveKind.FORWARD, MoveKind.SKIP, MoveKind.WON):
        context = EvaluationContext(facts=facts, now=now)
        gates = gate_criteria(process, from_stage=current, to_stage=target)
        skipped = tuple(stage.key for stage, phase in gates[1:-1] if not stage.is_outcome)
        if skipped and not process.allow_skip:  # also when winning over a skipped stage
            violations.append(
                RuleViolation(
                    "skip_not_allowed",
                    _("This process does not allow skipping stages."),
                    _("Move the deal one stage at a time."),
                )
            )
        checked = tuple(
            result for stage, phase in gates for result in evaluate_stage(stage, phase, context)
        )

    unmet = any(not result.met for result in checked)
    allowed = not violations and (not unmet or override)
    return Decision(
        from_stage=current.key,
        to_stage=target.key,
        kind=kind,
        allowed=allowed,
        checked=checked,
        violations=tuple(violations),
        skipped=skipped,
        overridden=allowed and unmet,
        evaluated_at=now,
    )
