"""Load a process document (YAML) into a validated :class:`ProcessDefinition`.

The loader collects every problem it can find in one pass (so an author fixes a document in one
round) and raises :class:`ProcessDocumentError` with each problem's file, line, path and code.
The format is documented in ``docs/process-format.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from traseu.process import yamlsource
from traseu.process.criteria import REGISTRY, ParamReader, ParseContext
from traseu.process.definition import (
    KPI_METRICS,
    MAX_WORKING_STAGES,
    MIN_WORKING_STAGES,
    ROLES,
    CriterionSpec,
    Kpi,
    ProcessDefinition,
    Resource,
    Stage,
    StageKind,
    TaskTemplate,
    Technique,
)
from traseu.process.errors import DocumentProblem, ProcessDocumentError
from traseu.process.qualification import DEFAULT_FRAMEWORK, QUALIFICATION_FRAMEWORKS
from traseu.process.techniques import parse_technique, shipped_library

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
TOP_FIELDS = (
    "traseu",
    "key",
    "name",
    "language",
    "currency",
    "description",
    "allow_skip",
    "lost_reasons",
    "lost_reason_free_text",
    "follow_up_days",
    "follow_up_role",
    "techniques",
    "stages",
    "version",
    "qualification",
)
STAGE_FIELDS = (
    "key",
    "name",
    "kind",
    "goal",
    "description",
    "responsible_role",
    "probability",
    "entry",
    "exit",
    "tasks",
    "resources",
    "kpis",
    "techniques",
)
CRITERION_FIELDS = ("kind", "key", "label", "help")
TASK_FIELDS = ("key", "title", "due_days", "role", "description")
RESOURCE_FIELDS = ("title", "link", "text")
KPI_FIELDS = ("key", "name", "metric", "target", "unit", "direction")


class Reader:
    """Typed access to one mapping of the document; every bad value becomes a problem."""

    def __init__(self, data: Any, path: str, problems: list[DocumentProblem]):
        self.path = path
        self.problems = problems
        self.ok = isinstance(data, Mapping)
        self.data: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        if not self.ok:
            self.add("", "invalid_type", "expected a mapping of fields")

    def at(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path and name else self.path or name

    def add(self, name: str, code: str, message: str) -> None:
        self.problems.append(DocumentProblem(code, self.at(name), message))

    def only(self, allowed: tuple[str, ...]) -> None:
        for name in self.data:
            if name not in allowed:
                self.add(
                    name,
                    "unknown_field",
                    f"unknown field '{name}'; expected one of: " + ", ".join(allowed),
                )

    def text(self, name: str, *, required: bool = False, default: str = "") -> str:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.add(name, "required", f"'{name}' is required")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.add(name, "invalid_type", f"'{name}' must be text")
            return default
        return str(value).strip()

    def key(self, name: str = "key") -> str:
        value = self.text(name, required=True)
        if value and not KEY_PATTERN.match(value):
            self.add(
                name,
                "invalid_key",
                f"'{value}' must be lower-case letters, digits, '_' or '-', starting with a letter",
            )
        return value

    def number(self, name: str, *, default: float) -> float:
        value = self.data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(name, "invalid_type", f"'{name}' must be a number")
            return default
        return float(value)

    def integer(self, name: str, *, default: int) -> int:
        value = self.data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(name, "invalid_type", f"'{name}' must be a whole number")
            return default
        return int(value)

    def boolean(self, name: str, *, default: bool) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            self.add(name, "invalid_type", f"'{name}' must be true or false")
            return default
        return value

    def items(self, name: str) -> list[tuple[str, Any]]:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(name, "invalid_type", f"'{name}' must be a list")
            return []
        return [(f"{self.at(name)}[{i}]", item) for i, item in enumerate(value)]

    def strings(self, name: str) -> tuple[str, ...]:
        result = []
        for path, item in self.items(name):
            if not isinstance(item, str) or not item.strip():
                self.problems.append(DocumentProblem("invalid_type", path, "expected text"))
            else:
                result.append(item.strip())
        return tuple(result)


def _unique(keys: list[tuple[str, str]], what: str, problems: list[DocumentProblem]) -> None:
    seen: set[str] = set()
    for path, key in keys:
        if key and key in seen:
            problems.append(
                DocumentProblem("duplicate_key", path, f"{what} '{key}' is defined twice")
            )
        seen.add(key)


def _criteria(reader: Reader, phase: str, context: ParseContext) -> tuple[CriterionSpec, ...]:
    specs: list[CriterionSpec] = []
    keys: list[tuple[str, str]] = []
    for path, item in reader.items(phase):
        entry = Reader(item, path, reader.problems)
        if not entry.ok:
            continue
        kind_name = entry.text("kind", required=True)
        kind = REGISTRY.get(kind_name)
        if kind is None:
            if kind_name:
                entry.add(
                    "kind",
                    "unknown_criterion_kind",
                    f"unknown criterion kind '{kind_name}'; "
                    "known kinds: " + ", ".join(sorted(REGISTRY)),
                )
            continue
        entry.only(CRITERION_FIELDS + kind.params)
        params = kind.parse(ParamReader(entry.data, path, reader.problems), context)
        key = entry.key() if "key" in entry.data else kind.default_key(params)
        specs.append(CriterionSpec(kind_name, key, params, entry.text("label"), entry.text("help")))
        keys.append((path, key))
    _unique(keys, "criterion key", reader.problems)
    return tuple(specs)


def _tasks(reader: Reader) -> tuple[TaskTemplate, ...]:
    tasks = []
    keys: list[tuple[str, str]] = []
    for path, item in reader.items("tasks"):
        entry = Reader(item, path, reader.problems)
        if not entry.ok:
            continue
        entry.only(TASK_FIELDS)
        role = entry.text("role")
        if role and role not in ROLES:
            entry.add("role", "unknown_role", f"unknown role '{role}'; roles: {', '.join(ROLES)}")
        tasks.append(
            TaskTemplate(
                entry.key(),
                entry.text("title", required=True),
                entry.integer("due_days", default=0),
                role,
                entry.text("description"),
            )
        )
        keys.append((path, tasks[-1].key))
    _unique(keys, "task", reader.problems)
    return tuple(tasks)


def _resources(reader: Reader) -> tuple[Resource, ...]:
    resources = []
    for path, item in reader.items("resources"):
        entry = Reader(item, path, reader.problems)
        if entry.ok:
            entry.only(RESOURCE_FIELDS)
            resources.append(
                Resource(entry.text("title", required=True), entry.text("link"), entry.text("text"))
            )
    return tuple(resources)


def _kpis(reader: Reader) -> tuple[Kpi, ...]:
    kpis = []
    keys: list[tuple[str, str]] = []
    for path, item in reader.items("kpis"):
        entry = Reader(item, path, reader.problems)
        if not entry.ok:
            continue
        entry.only(KPI_FIELDS)
        metric = entry.text("metric", required=True)
        if metric and metric not in KPI_METRICS:
            entry.add(
                "metric",
                "unknown_metric",
                f"unknown KPI metric '{metric}'; metrics: " + ", ".join(KPI_METRICS),
            )
        direction = entry.text("direction", default="max")
        if direction not in ("max", "min"):
            entry.add("direction", "invalid_value", "'direction' must be max or min")
        if "target" not in entry.data:
            entry.add("target", "required", "'target' is required")
        kpis.append(
            Kpi(
                entry.key(),
                entry.text("name", required=True),
                metric,
                entry.number("target", default=0.0),
                entry.text("unit"),
                direction,
            )
        )
        keys.append((path, kpis[-1].key))
    _unique(keys, "KPI", reader.problems)
    return tuple(kpis)


def _stage(
    item: Any,
    path: str,
    problems: list[DocumentProblem],
    tasks_by_stage: Mapping[str, list[str]],
    framework: str = DEFAULT_FRAMEWORK,
) -> Stage | None:
    reader = Reader(item, path, problems)
    if not reader.ok:
        return None
    reader.only(STAGE_FIELDS)
    key = reader.key()
    kind_name = reader.text("kind", default="pre_sale")
    if kind_name not in StageKind.__members__.values():
        reader.add(
            "kind",
            "invalid_value",
            "'kind' must be one of: " + ", ".join(kind.value for kind in StageKind),
        )
        kind_name = "pre_sale"
    kind = StageKind(kind_name)
    working = kind in (StageKind.PRE_SALE, StageKind.AFTER_SALE)
    default_probability = {StageKind.WON: 1.0, StageKind.LOST: 0.0}.get(kind, 0.0)
    probability = reader.number("probability", default=default_probability)
    if not 0.0 <= probability <= 1.0:
        reader.add(
            "probability",
            "probability_range",
            f"probability {probability:g} is outside [0, 1] (write 0.4 for 40%)",
        )
    role = reader.text("responsible_role")
    if role and role not in ROLES:
        reader.add(
            "responsible_role", "unknown_role", f"unknown role '{role}'; roles: {', '.join(ROLES)}"
        )
    context = ParseContext(stage=key, tasks_by_stage=tasks_by_stage, framework=framework)
    stage = Stage(
        key=key,
        name=reader.text("name", required=True),
        kind=kind,
        goal=reader.text("goal"),
        description=reader.text("description"),
        responsible_role=role,
        probability=probability,
        entry=_criteria(reader, "entry", context),
        exit=_criteria(reader, "exit", context),
        tasks=_tasks(reader),
        resources=_resources(reader),
        kpis=_kpis(reader),
        techniques=reader.strings("techniques"),
    )
    if working:
        if not stage.goal:
            reader.add("goal", "goal_required", f"working stage '{key}' needs a goal")
        if not stage.responsible_role:
            reader.add(
                "responsible_role",
                "responsible_role_required",
                f"working stage '{key}' needs a responsible role",
            )
        if not reader.data.get("exit"):
            reader.add(
                "exit",
                "exit_criteria_required",
                f"working stage '{key}' needs at least one exit criterion",
            )
    return stage


def _route_problems(
    stages: list[tuple[str, Stage]], problems: list[DocumentProblem], stages_path: str
) -> None:
    working = [stage for _, stage in stages if stage.is_working]
    if not MIN_WORKING_STAGES <= len(working) <= MAX_WORKING_STAGES:
        problems.append(
            DocumentProblem(
                "stage_count",
                stages_path,
                f"a process has {MIN_WORKING_STAGES} to {MAX_WORKING_STAGES} working stages "
                f"(pre-sale and after-sale); this one has {len(working)}",
            )
        )
    for outcome in (StageKind.WON, StageKind.LOST):
        found = [(path, stage) for path, stage in stages if stage.kind is outcome]
        if not found:
            problems.append(
                DocumentProblem(
                    f"missing_{outcome.value}",
                    stages_path,
                    f"the process needs one stage of kind '{outcome}'",
                )
            )
        for path, _ in found[1:]:
            problems.append(
                DocumentProblem(
                    f"duplicate_{outcome.value}", path, f"only one stage may be of kind '{outcome}'"
                )
            )
    seen_won = False
    for path, stage in stages:
        if stage.kind is StageKind.WON:
            seen_won = True
        elif stage.kind is StageKind.PRE_SALE and seen_won:
            problems.append(
                DocumentProblem(
                    "route_order", f"{path}.kind", "pre-sale stages come before the won stage"
                )
            )
        elif stage.kind is StageKind.AFTER_SALE and not seen_won:
            problems.append(
                DocumentProblem(
                    "route_order", f"{path}.kind", "after-sale stages come after the won stage"
                )
            )
    if stages and stages[0][1].kind is not StageKind.PRE_SALE:
        problems.append(
            DocumentProblem(
                "route_order", f"{stages[0][0]}.kind", "the route starts with a pre-sale stage"
            )
        )


def _techniques(reader: Reader, library: Mapping[str, Technique]) -> dict[str, Technique]:
    techniques = dict(library)
    inline: list[tuple[str, str]] = []
    for path, item in reader.items("techniques"):
        technique = parse_technique(item, path, reader.problems)
        if technique is not None:
            techniques[technique.key] = technique
            inline.append((path, technique.key))
    _unique(inline, "technique", reader.problems)
    return techniques


def build_definition(
    data: Any, *, library: Mapping[str, Technique] | None = None
) -> tuple[ProcessDefinition | None, list[DocumentProblem]]:
    """Validate a parsed document; return the definition (when valid) and every problem."""
    problems: list[DocumentProblem] = []
    reader = Reader(data, "", problems)
    if not reader.ok:
        return None, problems
    reader.only(TOP_FIELDS)
    fmt = reader.integer("traseu", default=1)
    if fmt != 1:
        reader.add("traseu", "unsupported_format", f"format version {fmt} is not supported (1 is)")
    language = reader.text("language", default="en").lower()
    if not re.fullmatch(r"[a-z]{2}(-[a-z]{2})?", language):
        reader.add(
            "language", "invalid_value", f"'{language}' is not a language code like en or ro"
        )
    currency = reader.text("currency", default="EUR").upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        reader.add("currency", "invalid_value", f"'{currency}' is not an ISO 4217 code like EUR")
    follow_up = _follow_up_days(reader)
    framework = _framework(reader)
    techniques = _techniques(reader, shipped_library(language) if library is None else library)

    raw_stages = reader.items("stages")
    if "stages" not in reader.data:
        reader.add("stages", "required", "'stages' is required")
    tasks_by_stage: dict[str, list[str]] = {}
    for _path, item in raw_stages:
        if isinstance(item, Mapping) and isinstance(item.get("key"), str):
            tasks_by_stage[item["key"]] = [
                str(t.get("key")) for t in item.get("tasks") or [] if isinstance(t, Mapping)
            ]
    stages = [
        (path, stage)
        for path, item in raw_stages
        if (stage := _stage(item, path, problems, tasks_by_stage, framework)) is not None
    ]
    _unique([(f"{path}.key", stage.key) for path, stage in stages], "stage", problems)
    _route_problems(stages, problems, reader.at("stages"))
    for path, stage in stages:
        for i, technique in enumerate(stage.techniques):
            if technique not in techniques:
                problems.append(
                    DocumentProblem(
                        "unknown_technique",
                        f"{path}.techniques[{i}]",
                        f"unknown technique '{technique}'",
                    )
                )
    definition = ProcessDefinition(
        key=reader.key(),
        name=reader.text("name", required=True),
        language=language,
        currency=currency,
        description=reader.text("description"),
        stages=tuple(stage for _, stage in stages),
        techniques={key: techniques[key] for key in _used(stages, techniques)},
        allow_skip=reader.boolean("allow_skip", default=True),
        lost_reasons=reader.strings("lost_reasons"),
        lost_reason_free_text=reader.boolean("lost_reason_free_text", default=False),
        follow_up_days=follow_up,
        follow_up_role=_follow_up_role(reader),
        qualification=framework,
    )
    return (None if problems else definition), problems


def _used(stages: list[tuple[str, Stage]], techniques: Mapping[str, Technique]) -> list[str]:
    keys: list[str] = []
    for _, stage in stages:
        keys += [key for key in stage.techniques if key in techniques and key not in keys]
    return keys


def _framework(reader: Reader) -> str:
    """The qualification framework the process asks about (``bant`` unless named)."""
    key = reader.text("qualification", default=DEFAULT_FRAMEWORK).lower()
    if key not in QUALIFICATION_FRAMEWORKS:
        reader.add(
            "qualification",
            "unknown_framework",
            f"unknown qualification framework '{key}'; known: "
            + ", ".join(QUALIFICATION_FRAMEWORKS),
        )
        return DEFAULT_FRAMEWORK
    return key


def _follow_up_days(reader: Reader) -> tuple[int, int]:
    value = reader.data.get("follow_up_days", [14, 28])
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 0 <= value[0] <= value[1]
    ):
        return value[0], value[1]
    reader.add(
        "follow_up_days",
        "invalid_value",
        "'follow_up_days' must be [earliest, latest] days after the close, e.g. [14, 28]",
    )
    return 14, 28


def _follow_up_role(reader: Reader) -> str:
    role = reader.data.get("follow_up_role", "account_manager")
    if isinstance(role, str) and role in ROLES:
        return role
    reader.add(
        "follow_up_role",
        "invalid_value",
        f"'follow_up_role' must be one of {', '.join(ROLES)}, not {role!r}",
    )
    return "account_manager"


def load_text(
    text: str, *, file: str = "", library: Mapping[str, Technique] | None = None
) -> ProcessDefinition:
    """Parse and validate a YAML document; raise :class:`ProcessDocumentError` on any problem."""
    data, source_map, problems = yamlsource.parse(text)
    definition = None
    if not problems:
        if data is None:
            problems = [DocumentProblem("empty_document", "", "the document is empty")]
        else:
            definition, problems = build_definition(data, library=library)
    if problems or definition is None:
        raise ProcessDocumentError(
            [
                DocumentProblem(
                    p.code, p.path, p.message, p.line or source_map.line_of(p.path), file
                )
                for p in problems
            ]
        )
    return definition


def load_file(
    path: str | Path, *, library: Mapping[str, Technique] | None = None
) -> ProcessDefinition:
    """Load a document from disk (UTF-8, with or without a byte-order mark)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ProcessDocumentError(
            [DocumentProblem("unreadable", "", f"cannot read the file: {error}", 0, str(path))]
        ) from error
    return load_text(text, file=str(path), library=library)
