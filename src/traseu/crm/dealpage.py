"""Reads for the deal page, shaped so the templates only display (no queries in templates).

:func:`deal_page` gathers everything the page shows in a fixed number of queries, however many
activities, contacts, answers or moves the deal has: the deal (already fetched by
:func:`traseu.crm.access.deal_for`), the facts snapshot the gates look at (four queries), then
one query each for the activities, the deal's contacts, the account's other contacts, the
qualification answers, the documents, the stage history and the holders of the stage's role.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from traseu.core.models import Role, User
from traseu.crm.checklist import ChecklistItem, checklist, fact_read, fix_panel
from traseu.crm.facts import deal_facts
from traseu.crm.models import (
    Activity,
    ActivityType,
    BuyingRole,
    Contact,
    Deal,
    DealContact,
    DealDocument,
    DealStatus,
    MoveKind,
    StageChange,
    TimelineEvent,
)
from traseu.crm.qualification_panel import (
    QUALIFICATION_STATUS_LABELS as QUALIFICATION_STATUS_LABELS,
)
from traseu.crm.qualification_panel import QUESTION_LABELS as QUESTION_LABELS
from traseu.crm.qualification_panel import (
    QualificationPanel,
    QuestionRow,
    qualification_panel,
    qualification_rows,
    shown_framework,
)
from traseu.crm.transitions import criterion_dict
from traseu.process.criteria import EvaluationContext
from traseu.process.definition import (
    Kpi,
    ProcessDefinition,
    Stage,
    Technique,
)
from traseu.process.engine import evaluate_stage
from traseu.processes.selectors import process_definition

# What the link beside an unmet criterion says, per panel of the page (see checklist.FIX_PANEL).
FIX_LABELS: dict[str, Promise] = {
    "details": _("Edit the details"),
    "qualification": _("Answer the qualification"),
    "tasks": _("Go to the tasks"),
    "activities": _("Log an activity"),
    "contacts": _("Add a contact"),
    "documents": _("Update the documents"),
}
DOCUMENT_LABELS: dict[str, Promise] = {"proposal": _("Proposal"), "contract": _("Contract")}
PERCENT_METRICS = ("conversion_rate", "win_rate")


def duration_text(delta: dt.timedelta | None) -> str:
    """A stay in words: whole days from one day on, else hours, else minutes."""
    if delta is None:
        return ""
    seconds = max(int(delta.total_seconds()), 0)
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days:
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if hours:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


@dataclass(frozen=True)
class RouteStep:
    """One stage on the drawn route. ``state``: current, visited, skipped or ahead."""

    stage: Stage
    state: str
    spent: dt.timedelta | None

    @property
    def spent_text(self) -> str:
        return duration_text(self.spent)


@dataclass(frozen=True)
class CheckRow:
    """A criterion as the page lists it: met or not, its help, and the panel that fixes it."""

    item: ChecklistItem
    fix_label: str


@dataclass(frozen=True)
class KpiRow:
    kpi: Kpi
    target_text: str
    actual_text: str = ""
    off_target: bool = False


@dataclass(frozen=True)
class TaskRow:
    task: Activity
    stage_name: str
    overdue: bool


@dataclass(frozen=True)
class TimelineRow:
    activity: Activity
    technique_name: str


@dataclass(frozen=True)
class DocumentRow:
    kind: str
    label: str
    document: DealDocument | None


@dataclass(frozen=True)
class HistoryRow:
    change: StageChange
    from_name: str
    to_name: str
    duration_text: str


@dataclass(frozen=True)
class StallNotice:
    """The worker's stalled-deal alert for the deal's current stay in its stage."""

    at: dt.datetime
    days: float
    threshold: float


def _stall(deal: Deal) -> StallNotice | None:
    """The newest ``deal.stalled`` event since the deal entered its stage, if it is still open
    there (an alert of an earlier stay or a closed deal is history, not news)."""
    if deal.status != DealStatus.OPEN:
        return None
    event = (
        TimelineEvent.objects.filter(
            deal=deal, kind="deal.stalled", at__gte=deal.stage_entered_at, data__stage=deal.stage
        )
        .order_by("-at", "-pk")
        .first()
    )
    if event is None:
        return None
    return StallNotice(
        at=event.at,
        days=float(event.data.get("days", 0)),
        threshold=float(event.data.get("threshold", 0)),
    )


@dataclass
class DealPage:
    deal: Deal
    definition: ProcessDefinition
    stage: Stage
    route: list[RouteStep]
    lost_step: RouteStep
    exit_checklist: list[CheckRow]
    next_stage: Stage | None
    next_entry: list[CheckRow]
    responsible_label: str
    responsible: list[User]
    kpis: list[KpiRow]
    techniques: tuple[Technique, ...]
    stage_tasks: list[TaskRow]
    tasks: list[TaskRow]
    timeline: list[TimelineRow]
    qualification: list[QuestionRow]
    qualification_panel: QualificationPanel
    contacts: list[DealContact]
    other_contacts: list[Contact]
    documents: list[DocumentRow]
    history: list[HistoryRow]
    move_targets: list[Stage] = field(default_factory=list)
    stall: StallNotice | None = None

    @property
    def checklist_met(self) -> int:
        return sum(row.item.met for row in self.exit_checklist)

    @property
    def fix_panels(self) -> set[str]:
        """Panels whose forms would satisfy an unmet criterion: the page opens them."""
        return {
            row.item.panel for row in (*self.exit_checklist, *self.next_entry) if not row.item.met
        }

    @property
    def open_tasks(self) -> int:
        return sum(not row.task.done for row in self.tasks)

    @property
    def buying_roles(self) -> list[tuple[str, str]]:
        return [(role.value, str(role.label)) for role in BuyingRole]


def deal_page(
    *, deal: Deal, now: dt.datetime | None = None, framework: str | None = None
) -> DealPage:
    """Everything the deal page shows for ``deal`` (fetched with ``deal_for``), in fixed queries.

    The checklists are evaluated on the same facts snapshot the transition service builds, so
    the page shows exactly what a move would be refused for. The qualification panel shows
    ``framework`` if it is a known one, else the framework of the deal's process.
    """
    now = now or timezone.now()
    definition = process_definition(deal.process_version)
    shown = shown_framework(framework, definition)
    questions = qualification_rows(deal, shown)
    stage = definition.stage(deal.stage) or definition.first_stage
    context = EvaluationContext(facts=deal_facts(deal, now=now), now=now)
    next_stage = _next_stage(definition, stage)
    names = {s.key: s.name for s in definition.stages}
    activities = list(
        Activity.objects.filter(deal=deal).select_related("owner").order_by("-created_at", "-pk")
    )
    changes = list(deal.stage_changes.select_related("actor").order_by("changed_at", "pk"))
    route, lost_step = _route(definition, deal, changes, now)
    tasks = _tasks(activities, names, now)
    return DealPage(
        deal=deal,
        definition=definition,
        stage=stage,
        route=route,
        lost_step=lost_step,
        exit_checklist=_checklist(stage, "exit", context),
        next_stage=next_stage,
        next_entry=_checklist(next_stage, "entry", context) if next_stage else [],
        responsible_label=_role_label(stage.responsible_role),
        responsible=_role_holders(deal, stage.responsible_role),
        kpis=[_kpi_row(kpi, deal, now) for kpi in stage.kpis],
        techniques=definition.techniques_for(stage.key),
        stage_tasks=[row for row in tasks if row.task.stage == stage.key],
        tasks=tasks,
        timeline=_timeline(activities, definition),
        qualification=questions,
        qualification_panel=qualification_panel(shown, definition, questions),
        contacts=list(
            deal.deal_contacts.select_related("contact").order_by(
                "contact__last_name", "contact__first_name", "pk"
            )
        ),
        other_contacts=account_contacts_off_deal(deal),
        documents=_documents(deal, definition),
        history=[_history_row(change, names) for change in reversed(changes)],
        move_targets=[s for s in definition.stages if s.key != deal.stage],
        stall=_stall(deal),
    )


def account_contacts_off_deal(deal: Deal) -> list[Contact]:
    """The account's contacts that are not on the deal yet (the ones the page can add)."""
    return list(Contact.objects.filter(account_id=deal.account_id).exclude(deal_roles__deal=deal))


def _next_stage(definition: ProcessDefinition, stage: Stage) -> Stage | None:
    position = definition.index(stage.key)
    if position < 0 or position + 1 >= len(definition.route):
        return None
    return definition.route[position + 1]


def _checklist(stage: Stage, phase: str, context: EvaluationContext) -> list[CheckRow]:
    specs = stage.exit if phase == "exit" else stage.entry
    results = evaluate_stage(stage, phase, context)
    rows = []
    for spec, item in zip(specs, checklist(map(criterion_dict, results)), strict=True):
        registered = fix_panel(fact_read(spec.kind, spec.params))
        if registered is not None:  # another app's panel is where this fact is set
            panel, label = registered
            item = replace(item, panel=panel)
            rows.append(CheckRow(item, str(label)))
        else:
            rows.append(CheckRow(item, str(FIX_LABELS.get(item.panel, item.panel))))
    return rows


def _route(
    definition: ProcessDefinition, deal: Deal, changes: Iterable[StageChange], now: dt.datetime
) -> tuple[list[RouteStep], RouteStep]:
    """Where the deal is, where it has been (time summed over every stay) and what it skipped.

    A stage never visited but before the furthest stage reached counts as skipped.
    """
    spent: dict[str, dt.timedelta] = defaultdict(dt.timedelta)
    visited = {deal.stage}
    for change in changes:
        visited.add(change.to_stage)
        if change.from_stage:
            visited.add(change.from_stage)
            spent[change.from_stage] += change.duration or dt.timedelta()
    spent[deal.stage] += max(now - deal.stage_entered_at, dt.timedelta())
    furthest = max((definition.index(key) for key in visited), default=-1)

    def step(stage: Stage, position: int) -> RouteStep:
        if stage.key == deal.stage:
            state = "current"
        elif stage.key in visited:
            state = "visited"
        elif position < furthest:
            state = "skipped"
        else:
            state = "ahead"
        return RouteStep(stage, state, spent.get(stage.key) if stage.key in visited else None)

    route = [step(stage, position) for position, stage in enumerate(definition.route)]
    return route, step(definition.lost, len(definition.route))


def _role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


def _role_holders(deal: Deal, role: str) -> list[User]:
    """Who holds the stage's role for this deal: the team's active members with that role."""
    if not role:
        return []
    holders = User.objects.filter(is_active=True, role=role)
    if deal.team_id:
        holders = holders.filter(Q(teams=deal.team_id) | Q(pk=deal.owner_id))
    else:
        holders = holders.filter(Q(teams__in=deal.owner.teams.all()) | Q(pk=deal.owner_id))
    return list(holders.distinct().order_by("first_name", "last_name", "username"))


def _kpi_row(kpi: Kpi, deal: Deal, now: dt.datetime) -> KpiRow:
    sign = "≤" if kpi.direction == "max" else "≥"
    if kpi.metric in PERCENT_METRICS:
        target = f"{sign} {kpi.target:.0%}"
    else:
        target = f"{sign} {kpi.target:g} {kpi.unit}".strip()
    if kpi.metric != "days_in_stage":
        return KpiRow(kpi, target)
    days = max((now - deal.stage_entered_at).days, 0)
    off = days > kpi.target if kpi.direction == "max" else days < kpi.target
    return KpiRow(kpi, target, duration_text(dt.timedelta(days=days)), off)


def _tasks(activities: list[Activity], names: dict[str, str], now: dt.datetime) -> list[TaskRow]:
    """Every task of the deal (all stages): open ones first by due date, then the done ones."""
    tasks = [a for a in activities if a.type == ActivityType.TASK or a.template]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    tasks.sort(key=lambda t: (t.done, t.due_at or far, t.pk))
    return [
        TaskRow(
            task=task,
            stage_name=names.get(task.stage, task.stage),
            overdue=not task.done and task.due_at is not None and task.due_at < now,
        )
        for task in tasks
    ]


def _timeline(activities: list[Activity], definition: ProcessDefinition) -> list[TimelineRow]:
    """Logged calls, meetings, e-mails and notes, newest first (tasks have their own panel)."""
    logged = [a for a in activities if a.type != ActivityType.TASK and not a.template]
    logged.sort(key=lambda a: (a.done_at or a.created_at, a.pk), reverse=True)
    techniques = definition.techniques
    return [
        TimelineRow(
            activity,
            techniques[activity.technique].name
            if activity.technique in techniques
            else activity.technique,
        )
        for activity in logged
    ]


def document_kinds(definition: ProcessDefinition) -> list[str]:
    """Proposal and contract, then any other kind the process's criteria ask about."""
    kinds = list(DOCUMENT_LABELS)
    for stage in definition.stages:
        for spec in (*stage.entry, *stage.exit):
            kind = spec.params.get("document") if spec.kind == "document_status" else None
            if isinstance(kind, str) and kind not in kinds:
                kinds.append(kind)
    return kinds


def document_label(kind: str) -> str:
    label = DOCUMENT_LABELS.get(kind)
    return str(label) if label is not None else kind.replace("_", " ").replace("-", " ").title()


def _documents(deal: Deal, definition: ProcessDefinition) -> list[DocumentRow]:
    """The newest document of each kind (the one gates look at first), known kinds first."""
    newest: dict[str, DealDocument] = {}
    for document in DealDocument.objects.filter(deal=deal).order_by("kind", "-updated_at", "-pk"):
        newest.setdefault(document.kind, document)
    kinds = document_kinds(definition) + sorted(set(newest) - set(document_kinds(definition)))
    return [DocumentRow(kind, document_label(kind), newest.get(kind)) for kind in kinds]


def _history_row(change: StageChange, names: dict[str, str]) -> HistoryRow:
    created = change.kind == MoveKind.CREATED
    return HistoryRow(
        change=change,
        from_name=names.get(change.from_stage, change.from_stage) if not created else "",
        to_name=names.get(change.to_stage, change.to_stage),
        duration_text=duration_text(change.duration),
    )
