"""Compare two versions of a process: what changed per stage, and the diff of their YAML.

Stages, criteria, tasks and KPIs are matched by key (keys are what deals and history refer to);
resources by title, techniques by key. A renamed stage is a change of the same stage; a changed
key is a stage removed and another added.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from traseu.process.definition import CriterionSpec, Kpi, ProcessDefinition, Resource, Stage
from traseu.processes.designer import KIND_LABELS, criterion_view, percent, role_label

T = TypeVar("T")


@dataclass(frozen=True)
class Change:
    """One difference: ``before`` is empty for something added, ``after`` for something removed."""

    what: str
    before: str = ""
    after: str = ""

    @property
    def kind(self) -> str:
        return "added" if not self.before else "removed" if not self.after else "changed"


@dataclass(frozen=True)
class StageDiff:
    key: str
    name: str
    status: str  # "added", "removed", "changed" or "same"
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class Comparison:
    process: tuple[Change, ...]
    stages: tuple[StageDiff, ...]

    @property
    def identical(self) -> bool:
        return not self.process and all(s.status == "same" for s in self.stages)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "file", "hunk", "add", "del" or "ctx"
    text: str
    old: int | None = None  # line number in the older text
    new: int | None = None


def _items(
    what: str,
    before: Iterable[tuple[str, T]],
    after: Iterable[tuple[str, T]],
    describe: Callable[[T], str],
) -> list[Change]:
    """Added, removed and changed items matched by key; ``what`` names one (``%(key)s``)."""
    old, new = dict(before), dict(after)
    changes = []
    for key in [*new, *(k for k in old if k not in new)]:
        label = what % {"key": key}
        if key not in old:
            changes.append(Change(label, "", describe(new[key])))
        elif key not in new:
            changes.append(Change(label, describe(old[key]), ""))
        elif old[key] != new[key]:
            first, second = describe(old[key]), describe(new[key])
            if first == second:  # the difference is in what the summary leaves out
                first, second = _full(old[key]), _full(new[key])
            changes.append(Change(label, first, second))
    return changes


def _full(item: Any) -> str:
    fields = {name: getattr(item, name) for name in item.__slots__}
    return json.dumps(fields, ensure_ascii=False, default=str, sort_keys=True)


def _criterion(spec: CriterionSpec) -> str:
    return criterion_view(spec).message


def _task(task: Any) -> str:
    due = ngettext("due in %(days)s day", "due in %(days)s days", task.due_days)
    parts = [task.title, due % {"days": task.due_days}]
    if task.role:
        parts.append(role_label(task.role))
    return " · ".join(parts)


def _kpi(kpi: Kpi) -> str:
    sign = "≤" if kpi.direction == "max" else "≥"
    return f"{kpi.name}: {kpi.metric} {sign} {kpi.target:g} {kpi.unit}".strip()


def _resource(resource: Resource) -> str:
    return " · ".join(part for part in (resource.title, resource.link, resource.text) if part)


def _value(what: str, before: str, after: str) -> list[Change]:
    return [Change(what, before, after)] if before != after else []


def _stage_changes(a: Stage, b: Stage) -> list[Change]:
    changes = [
        *_value(_("Name"), a.name, b.name),
        *_value(_("Kind"), str(KIND_LABELS[a.kind]), str(KIND_LABELS[b.kind])),
        *_value(_("Goal"), a.goal, b.goal),
        *_value(_("Description"), a.description, b.description),
        *_value(
            _("Responsible role"), role_label(a.responsible_role), role_label(b.responsible_role)
        ),
        *_value(_("Probability"), f"{percent(a.probability)}%", f"{percent(b.probability)}%"),
    ]
    phases = (("entry", _("Entry criterion %(key)s")), ("exit", _("Exit criterion %(key)s")))
    for phase, what in phases:
        changes += _items(
            what,
            ((c.key, c) for c in getattr(a, phase)),
            ((c.key, c) for c in getattr(b, phase)),
            _criterion,
        )
    changes += _items(_("Task %(key)s"), _keyed(a.tasks), _keyed(b.tasks), _task)
    changes += _items(
        _("Resource %(key)s"),
        ((r.title, r) for r in a.resources),
        ((r.title, r) for r in b.resources),
        _resource,
    )
    changes += _items(_("KPI %(key)s"), _keyed(a.kpis), _keyed(b.kpis), _kpi)
    changes += _items(
        _("Technique %(key)s"),
        ((t, t) for t in a.techniques),
        ((t, t) for t in b.techniques),
        str,
    )
    return changes


def _keyed(items: Sequence[Any]) -> list[tuple[str, Any]]:
    return [(item.key, item) for item in items]


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _process_changes(a: ProcessDefinition, b: ProcessDefinition) -> list[Change]:
    changes = [
        *_value(_("Name"), a.name, b.name),
        *_value(_("Language"), a.language, b.language),
        *_value(_("Currency"), a.currency, b.currency),
        *_value(_("Description"), a.description, b.description),
        *_value(
            _("Qualification framework"),
            getattr(a, "qualification", ""),
            getattr(b, "qualification", ""),
        ),
        *_value(_("Skipping stages allowed"), _yes_no(a.allow_skip), _yes_no(b.allow_skip)),
        *_value(_("Lost reasons"), ", ".join(a.lost_reasons), ", ".join(b.lost_reasons)),
        *_value(
            _("Follow-up days"),
            " to ".join(map(str, a.follow_up_days)),
            " to ".join(map(str, b.follow_up_days)),
        ),
        *_value(
            _("Stage order"),
            " → ".join(s.key for s in a.stages),
            " → ".join(s.key for s in b.stages),
        ),
    ]
    changes += _items(
        _("Technique %(key)s"), a.techniques.items(), b.techniques.items(), lambda t: t.name
    )
    return changes


def compare(a: ProcessDefinition, b: ProcessDefinition) -> Comparison:
    """What changed from ``a`` (older) to ``b`` (newer): per process and per stage."""
    old = {stage.key: stage for stage in a.stages}
    new = {stage.key: stage for stage in b.stages}
    stages = []
    for key in [*new, *(k for k in old if k not in new)]:
        if key not in old:
            stages.append(StageDiff(key, new[key].name, "added"))
        elif key not in new:
            stages.append(StageDiff(key, old[key].name, "removed"))
        else:
            changes = tuple(_stage_changes(old[key], new[key]))
            stages.append(StageDiff(key, new[key].name, "changed" if changes else "same", changes))
    return Comparison(tuple(_process_changes(a, b)), tuple(stages))


HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def yaml_diff(before: str, after: str, *, before_name: str, after_name: str) -> list[DiffLine]:
    """A unified diff (three lines of context) with each line's numbers in both texts."""
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), before_name, after_name, lineterm=""
    )
    result: list[DiffLine] = []
    old = new = 0
    for index, line in enumerate(lines):
        if index < 2:  # the "---" and "+++" lines that name the two texts
            result.append(DiffLine("file", line))
        elif match := HUNK.match(line):
            old, new = int(match[1]), int(match[2])
            result.append(DiffLine("hunk", line))
        elif line[0] == "+":
            result.append(DiffLine("add", line[1:], new=new))
            new += 1
        elif line[0] == "-":
            result.append(DiffLine("del", line[1:], old=old))
            old += 1
        else:
            result.append(DiffLine("ctx", line[1:], old, new))
            old, new = old + 1, new + 1
    return result
