"""A sales process as immutable data: the route, its stages and everything each stage asks for.

Definitions are built by :mod:`traseu.process.loader` from a YAML document and never mutated; a
changed document is a new definition (and, once stored, a new version).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from traseu.process.qualification import DEFAULT_FRAMEWORK
from traseu.process.qualification import QUALIFICATION_FRAMEWORKS as QUALIFICATION_FRAMEWORKS
from traseu.process.qualification import QUALIFICATION_LADDER as QUALIFICATION_LADDER
from traseu.process.qualification import QUALIFICATION_STATUSES as QUALIFICATION_STATUSES


class StageKind(StrEnum):
    PRE_SALE = "pre_sale"
    AFTER_SALE = "after_sale"
    WON = "won"
    LOST = "lost"


WORKING_KINDS = frozenset({StageKind.PRE_SALE, StageKind.AFTER_SALE})
OUTCOME_KINDS = frozenset({StageKind.WON, StageKind.LOST})
MIN_WORKING_STAGES = 5
MAX_WORKING_STAGES = 9

# The roles a stage or task can name as responsible. They match the user roles of the CRM.
ROLES = ("admin", "sales_manager", "sales_rep", "account_manager")

# Buying roles a contact can hold on a deal (the ``contact_role`` criterion names one of them).
BUYING_ROLES = (
    "decision_maker",
    "economic_buyer",
    "champion",
    "influencer",
    "technical_buyer",
    "user",
    "gatekeeper",
    "other",
)

# The qualification seam lives in traseu.process.qualification: the statuses (a ladder, plus
# "disqualifying" outside it) and the registry of frameworks loaded from YAML (BANT, MEDDICC,
# CHAMP, a team's own). Re-exported here, where criteria and pages have always imported them.

# Statuses a deal document can have (the ``document_status`` criterion names some of them).
DOCUMENT_STATUSES = (
    "draft",
    "sent",
    "accepted",
    "rejected",
    "negotiating",
    "signed",
    "cancelled",
)

ACTIVITY_TYPES = ("call", "meeting", "email", "demo", "note", "task", "visit", "message")

KPI_METRICS = (
    "days_in_stage",  # time a deal spends in the stage (target is a ceiling)
    "conversion_rate",  # share of deals that reach the next stage (target is a floor)
    "activities_per_deal",  # activities logged per deal while in the stage
    "win_rate",  # share of deals that entered the stage and were won
    "deals_entered",  # deals that entered the stage in the period
    "custom",  # measured outside Traseu; shown with its target only
)


@dataclass(frozen=True, slots=True)
class CriterionSpec:
    """One entry or exit criterion as written in the document.

    ``kind`` names a registered check (see :mod:`traseu.process.criteria`), ``params`` are its
    validated parameters. ``key`` is stable within the stage and becomes part of the code a
    rejection reports; ``label`` and ``help`` override the check's generated texts.
    """

    kind: str
    key: str
    params: Mapping[str, Any]
    label: str = ""
    help: str = ""


@dataclass(frozen=True, slots=True)
class TaskTemplate:
    key: str
    title: str
    due_days: int = 0
    role: str = ""  # empty: the stage's responsible role
    description: str = ""


@dataclass(frozen=True, slots=True)
class Resource:
    title: str
    link: str = ""
    text: str = ""


@dataclass(frozen=True, slots=True)
class Kpi:
    key: str
    name: str
    metric: str
    target: float
    unit: str = ""
    # "max": the measured value should stay at or below the target; "min": at or above it.
    direction: str = "max"


@dataclass(frozen=True, slots=True)
class Technique:
    """A sales technique: a method of action recommended at one or more stages."""

    key: str
    name: str
    summary: str
    when: str = ""
    steps: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True, slots=True)
class Stage:
    key: str
    name: str
    kind: StageKind
    goal: str = ""
    responsible_role: str = ""
    probability: float = 0.0
    entry: tuple[CriterionSpec, ...] = ()
    exit: tuple[CriterionSpec, ...] = ()
    tasks: tuple[TaskTemplate, ...] = ()
    resources: tuple[Resource, ...] = ()
    kpis: tuple[Kpi, ...] = ()
    techniques: tuple[str, ...] = ()
    description: str = ""

    @property
    def is_working(self) -> bool:
        return self.kind in WORKING_KINDS

    @property
    def is_outcome(self) -> bool:
        return self.kind in OUTCOME_KINDS

    def task(self, key: str) -> TaskTemplate | None:
        return next((task for task in self.tasks if task.key == key), None)


@dataclass(frozen=True, slots=True)
class ProcessDefinition:
    """A validated process: stages in route order, with exactly one won and one lost outcome.

    The route is the order of ``stages``: pre-sale stages, the won outcome, then after-sale
    stages. The lost outcome sits off the route and can be reached from any open stage.
    """

    key: str
    name: str
    language: str
    currency: str
    stages: tuple[Stage, ...]
    techniques: Mapping[str, Technique] = field(default_factory=dict)
    description: str = ""
    allow_skip: bool = True
    lost_reasons: tuple[str, ...] = ()
    # With a list of lost reasons, whether a reason outside it is accepted too.
    lost_reason_free_text: bool = False
    follow_up_days: tuple[int, int] = (14, 28)
    # Who makes the after-sale follow-up call (a holder of this role in the deal's team).
    follow_up_role: str = "account_manager"
    version: int | None = None
    # The qualification framework the deal page asks about (and criteria default to).
    qualification: str = DEFAULT_FRAMEWORK

    def stage(self, key: str) -> Stage | None:
        return next((stage for stage in self.stages if stage.key == key), None)

    def listed_lost_reason(self, text: str) -> str | None:
        """The lost reason of the list that ``text`` names (case and spacing ignored)."""
        wanted = " ".join(text.split()).casefold()
        return next(
            (r for r in self.lost_reasons if " ".join(r.split()).casefold() == wanted), None
        )

    def accepts_lost_reason(self, text: str) -> bool:
        """A lost move needs a reason; from the list, when there is one, unless free text is on."""
        if not text.strip():
            return False
        return (
            not self.lost_reasons
            or self.lost_reason_free_text
            or self.listed_lost_reason(text) is not None
        )

    def index(self, key: str) -> int:
        """Position of a stage on the route (the lost outcome has none: -1)."""
        for position, stage in enumerate(self.route):
            if stage.key == key:
                return position
        return -1

    @property
    def route(self) -> tuple[Stage, ...]:
        """Stages a deal travels in order: everything but the lost outcome."""
        return tuple(stage for stage in self.stages if stage.kind is not StageKind.LOST)

    @property
    def working_stages(self) -> tuple[Stage, ...]:
        return tuple(stage for stage in self.stages if stage.is_working)

    @property
    def first_stage(self) -> Stage:
        return self.route[0]

    @property
    def won(self) -> Stage:
        return next(stage for stage in self.stages if stage.kind is StageKind.WON)

    @property
    def lost(self) -> Stage:
        return next(stage for stage in self.stages if stage.kind is StageKind.LOST)

    def techniques_for(self, stage_key: str) -> tuple[Technique, ...]:
        stage = self.stage(stage_key)
        if stage is None:
            return ()
        return tuple(self.techniques[key] for key in stage.techniques if key in self.techniques)
