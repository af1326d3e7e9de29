"""What the process designer shows and how its forms become documents (no database here).

The diagram and the stage details are shaped from a :class:`ProcessDefinition`, so the
templates only display. The stage form and the "new process" flow produce YAML text, which the
designer then publishes through :func:`traseu.processes.publishing.process_publish` like any
text typed in the editor.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from traseu.core.models import Role
from traseu.process.criteria import REGISTRY
from traseu.process.definition import (
    CriterionSpec,
    Kpi,
    ProcessDefinition,
    Resource,
    Stage,
    StageKind,
    TaskTemplate,
    Technique,
)
from traseu.process.document import to_document, to_yaml
from traseu.process.loader import load_file
from traseu.process.techniques import shipped_documents

KIND_LABELS: dict[str, Promise] = {
    StageKind.PRE_SALE: _("Pre-sale"),
    StageKind.WON: _("Won"),
    StageKind.AFTER_SALE: _("After-sale"),
    StageKind.LOST: _("Lost"),
}
METRIC_LABELS: dict[str, Promise] = {
    "days_in_stage": _("Days in stage"),
    "conversion_rate": _("Conversion to the next stage"),
    "activities_per_deal": _("Activities per deal"),
    "win_rate": _("Win rate"),
    "deals_entered": _("Deals entered"),
    "custom": _("Measured outside Traseu"),
}
# The per-stage fields the stage form edits; everything else in the document is kept as is.
FORM_FIELDS = ("name", "goal", "probability", "responsible_role")


def role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


@dataclass(frozen=True)
class CriterionView:
    key: str
    kind: str
    message: str
    help: str


@dataclass(frozen=True)
class KpiView:
    kpi: Kpi
    metric_label: str
    target: str  # "≤ 14 days", "≥ 30 %"


@dataclass(frozen=True)
class TaskView:
    task: TaskTemplate
    role_label: str


@dataclass(frozen=True)
class ResourceView:
    resource: Resource
    href: str  # the link if it is a web or mail address, else empty (shown as text)


@dataclass(frozen=True)
class StageView:
    """One stage as the diagram box and the details section show it."""

    stage: Stage
    kind_label: str
    role_label: str
    percent: str  # the probability as a percentage, without trailing zeros
    entry: tuple[CriterionView, ...]
    exit: tuple[CriterionView, ...]
    tasks: tuple[TaskView, ...]
    resources: tuple[ResourceView, ...]
    kpis: tuple[KpiView, ...]
    techniques: tuple[Technique, ...]


@dataclass(frozen=True)
class Diagram:
    """The route in order: pre-sale stages, won, after-sale stages; lost apart."""

    pre_sale: tuple[StageView, ...]
    won: StageView
    after_sale: tuple[StageView, ...]
    lost: StageView
    stages: tuple[StageView, ...]  # every stage in document order, for the details

    @property
    def working_count(self) -> int:
        return len(self.pre_sale) + len(self.after_sale)


def percent(probability: float) -> str:
    """0.05 -> "5", 0.333 -> "33.3": exact, with no float noise and no trailing zeros."""
    value = Decimal(repr(probability)) * 100
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def safe_href(link: str) -> str:
    """Only full web and mail addresses become links: a document may hold anything
    (``javascript:`` included), and a bare path points into a playbook this site does not serve."""
    return link if link.lower().startswith(("https://", "http://", "mailto:")) else ""


def criterion_view(spec: CriterionSpec) -> CriterionView:
    kind = REGISTRY[spec.kind]
    message = spec.label or kind.describe(spec.params)
    return CriterionView(spec.key, spec.kind, message, spec.help or kind.help(spec.params))


def _kpi_view(kpi: Kpi) -> KpiView:
    sign = "≤" if kpi.direction == "max" else "≥"
    target = f"{kpi.target:g}"
    return KpiView(
        kpi, str(METRIC_LABELS.get(kpi.metric, kpi.metric)), f"{sign} {target} {kpi.unit}".strip()
    )


def stage_view(definition: ProcessDefinition, stage: Stage) -> StageView:
    return StageView(
        stage=stage,
        kind_label=str(KIND_LABELS[stage.kind]),
        role_label=role_label(stage.responsible_role),
        percent=percent(stage.probability),
        entry=tuple(criterion_view(spec) for spec in stage.entry),
        exit=tuple(criterion_view(spec) for spec in stage.exit),
        tasks=tuple(TaskView(task, role_label(task.role)) for task in stage.tasks),
        resources=tuple(ResourceView(r, safe_href(r.link)) for r in stage.resources),
        kpis=tuple(_kpi_view(kpi) for kpi in stage.kpis),
        techniques=definition.techniques_for(stage.key),
    )


def diagram(definition: ProcessDefinition) -> Diagram:
    views = tuple(stage_view(definition, stage) for stage in definition.stages)
    by_kind = {kind: tuple(v for v in views if v.stage.kind is kind) for kind in StageKind}
    return Diagram(
        pre_sale=by_kind[StageKind.PRE_SALE],
        won=by_kind[StageKind.WON][0],
        after_sale=by_kind[StageKind.AFTER_SALE],
        lost=by_kind[StageKind.LOST][0],
        stages=views,
    )


def stage_form_initial(definition: ProcessDefinition) -> list[dict[str, Any]]:
    """The stage form's rows: one per stage, in document order."""
    return [
        {
            "key": stage.key,
            "name": stage.name,
            "goal": stage.goal,
            "probability": Decimal(percent(stage.probability)),
            "responsible_role": stage.responsible_role,
        }
        for stage in definition.stages
    ]


def document_with_stage_fields(
    definition: ProcessDefinition, changes: Mapping[str, Mapping[str, Any]]
) -> str:
    """The canonical document with the stage form's fields written in, as YAML text.

    ``changes`` maps a stage key to new values of :data:`FORM_FIELDS` (probability as a
    percentage); an empty value removes the field, so the loader's defaults and rules apply.
    """
    document = to_document(definition)
    for stage in document["stages"]:
        for field, value in changes.get(stage["key"], {}).items():
            if field not in FORM_FIELDS:
                continue
            if field == "probability" and value is not None:
                value = float(Decimal(value) / 100)
            if value in ("", None):
                stage.pop(field, None)
            else:
                stage[field] = value.strip() if isinstance(value, str) else value
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


@dataclass(frozen=True)
class Template:
    """A shipped process document offered as the start of a new process."""

    filename: str
    key: str
    name: str
    language: str
    working: int


@functools.cache
def _shipped() -> dict[str, ProcessDefinition]:
    return {path.name: load_file(path) for path in shipped_documents()}


def templates() -> list[Template]:
    return [
        Template(name, d.key, d.name, d.language, len(d.working_stages))
        for name, d in _shipped().items()
    ]


def template_text(filename: str, *, key: str, name: str) -> str:
    """The shipped document ``filename`` under a new key and name, as canonical YAML."""
    definition = dataclasses.replace(_shipped()[filename], key=key, name=name)
    return to_yaml(definition)
