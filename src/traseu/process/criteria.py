"""Stage criteria: small named, parameterised checks over a deal's facts.

Every kind validates its own parameters when a document loads (so a broken criterion is a load
error, not a surprise at move time) and, when evaluated, answers met or unmet with a message and
a help text. A gate evaluates all of its criteria and reports every unmet one.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import cel

from traseu.process.definition import (
    ACTIVITY_TYPES,
    BUYING_ROLES,
    DOCUMENT_STATUSES,
    QUALIFICATION_FRAMEWORKS,
    QUALIFICATION_LADDER,
    CriterionSpec,
)
from traseu.process.errors import DocumentProblem
from traseu.process.facts import FIELDS, DealFacts, is_present
from traseu.process.i18n import _
from traseu.process.qualification import DEFAULT_FRAMEWORK

FIELD_ROOTS = ("deal", "account")
CEL_VARIABLES = ("deal", "account", "contacts", "activities", "tasks", "qualification", "documents")
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "in": lambda a, b: a in b,
    "not_in": lambda a, b: a not in b,
}


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """The answer of one criterion: met or not, what it asks, and how to satisfy it."""

    stage: str
    phase: str  # "entry" or "exit"
    key: str
    kind: str
    code: str
    met: bool
    message: str
    help: str
    area: str = "deal"  # the facts it reads: deal, account, contacts, activities, tasks, ...

    @property
    def criterion(self) -> str:
        """A stable reference to the criterion: ``<stage>.<phase>.<key>``."""
        return f"{self.stage}.{self.phase}.{self.key}"


@dataclass(frozen=True, slots=True)
class EvaluationContext:
    facts: DealFacts
    now: dt.datetime


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a criterion may refer to while the document loads."""

    stage: str
    tasks_by_stage: Mapping[str, Sequence[str]]
    framework: str = DEFAULT_FRAMEWORK  # the process's qualification framework


class ParamReader:
    """Reads a criterion's parameters and records a problem for each bad one."""

    def __init__(self, raw: Mapping[str, Any], path: str, problems: list[DocumentProblem]):
        self.raw = raw
        self.path = path
        self.problems = problems

    def problem(self, name: str, code: str, message: str) -> None:
        self.problems.append(DocumentProblem(code, f"{self.path}.{name}", message))

    def text(self, name: str, *, choices: Sequence[str] = (), default: str | None = None) -> str:
        value = self.raw.get(name, default)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.problem(name, "criterion_param_missing", f"'{name}' is required")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.problem(name, "criterion_param_invalid", f"'{name}' must be text")
            return ""
        value = str(value).strip()
        if choices and value not in choices:
            self.problem(
                name,
                "criterion_param_invalid",
                f"'{value}' is not one of: {', '.join(choices)}",
            )
        return value

    def integer(self, name: str, *, default: int, minimum: int = 0) -> int:
        value = self.raw.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.problem(
                name, "criterion_param_invalid", f"'{name}' must be a whole number >= {minimum}"
            )
            return default
        return value

    def boolean(self, name: str, *, default: bool) -> bool:
        value = self.raw.get(name, default)
        if not isinstance(value, bool):
            self.problem(name, "criterion_param_invalid", f"'{name}' must be true or false")
            return default
        return value


class CriterionKind(ABC):
    """A kind of check. Subclasses declare ``kind`` and ``unmet_code`` and are registered."""

    kind: ClassVar[str]
    unmet_code: ClassVar[str]
    params: ClassVar[tuple[str, ...]]

    @abstractmethod
    def parse(self, reader: ParamReader, context: ParseContext) -> dict[str, Any]:
        """Validate and normalise the parameters written in the document."""

    @abstractmethod
    def describe(self, params: Mapping[str, Any]) -> str:
        """What the criterion asks, as a checklist line ("Amount is set")."""

    @abstractmethod
    def check(self, params: Mapping[str, Any], context: EvaluationContext) -> bool:
        """Whether the facts satisfy the criterion."""

    def help(self, params: Mapping[str, Any]) -> str:
        """How to satisfy it, unless the document gives its own help text."""
        return ""

    def default_key(self, params: Mapping[str, Any]) -> str:
        return self.kind

    def area(self, params: Mapping[str, Any]) -> str:
        """Which facts the criterion reads, so a page can point to where it is satisfied."""
        return self.fact_area

    fact_area: ClassVar[str] = "deal"


REGISTRY: dict[str, CriterionKind] = {}


def register(kind: type[CriterionKind]) -> type[CriterionKind]:
    REGISTRY[kind.kind] = kind()
    return kind


def _field_path(reader: ParamReader) -> str:
    """A dotted fact path: ``deal.<field>``, ``account.<field>`` or ``<root>.custom.<name>``."""
    path = reader.text("field")
    parts = path.split(".")
    if path and (parts[0] not in FIELD_ROOTS or path.endswith(".") or len(parts) < 2):
        reader.problem(
            "field",
            "criterion_param_invalid",
            f"'{path}' must start with one of: {', '.join(FIELD_ROOTS)} (e.g. deal.amount)",
        )
    elif path and (parts[1] not in FIELDS[parts[0]] or (parts[1] == "custom") != (len(parts) == 3)):
        reader.problem(
            "field",
            "unknown_field_path",
            f"'{path}' is not a fact: {parts[0]} has "
            + ", ".join(f for f in FIELDS[parts[0]] if f != "custom")
            + f", and custom attributes as {parts[0]}.custom.<name>",
        )
    return path


def _slug(path: str) -> str:
    return path.replace(".", "_")


def _field_label(path: str) -> str:
    return path.split(".", 1)[-1].replace("custom.", "").replace("_", " ").capitalize()


@register
class FieldPresent(CriterionKind):
    kind = "field_present"
    unmet_code = "field_missing"
    params = ("field",)

    def parse(self, reader: ParamReader, context: ParseContext) -> dict[str, Any]:
        return {"field": _field_path(reader)}

    def default_key(self, params: Mapping[str, Any]) -> str:
        return f"{_slug(params['field'])}_present"

    def area(self, params: Mapping[str, Any]) -> str:
        return str(params["field"]).split(".")[0] or "deal"

    def describe(self, params: Mapping[str, Any]) -> str:
        return _("%(field)s is filled in") % {"field": _field_label(params["field"])}

    def help(self, params: Mapping[str, Any]) -> str:
        return _("Fill in %(field)s on the deal or its account.") % {"field": params["field"]}

    def check(self, params: Mapping[str, Any], context: EvaluationContext) -> bool:
        return is_present(context.facts.lookup(params["field"]))


def _comparable(value: Any, target: Any) -> tuple[Any, Any]:
    """Bring a fact and a written value to the same type so real data compares sensibly.

    Numbers compare as decimals, dates against ISO dates, text case-insensitively.
    """
    if isinstance(target, list | tuple):
        pairs = [_comparable(value, item) for item in target]
        return (pairs[0][0] if pairs else value), [pair[1] for pair in pairs]
    if isinstance(value, bool) or isinstance(target, bool):
        return value, target
    # When one side is not a number (or not a date), the pair is returned as it is: such values
    # are equal to nothing and ordering them raises TypeError, an unmet criterion. (Comparing
    # them as text would make "many" > 1000 hold.)
    if isinstance(value, int | float | Decimal) and isinstance(target, int | float | str):
        try:
            return Decimal(str(value)), Decimal(str(target))
        except InvalidOperation:
            return value, target
    if isinstance(value, str) and isinstance(target, dt.date):
        try:  # ISO text in the facts (a custom attribute) against a date written in YAML
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return value, target
    if isinstance(value, dt.date) and isinstance(target, str | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        if isinstance(target, str):
            try:
                return day, dt.date.fromisoformat(target)
            except ValueError:
                return day, target
        return day, target
    if isinstance(value, str) and isinstance(target, str):
        return value.strip().casefold(), target.strip().casefold()
    if isinstance(value, str) and isinstance(target, int | float):
        try:
            return Decimal(value.strip().replace(",", ".")), Decimal(str(target))
        except InvalidOperation:
            return value, target
    return value, target


@register
class FieldCompare(CriterionKind):
    kind = "field_compare"
    unmet_code = "field_mismatch"
    params = ("field", "op", "value")
    symbols: ClassVar[dict[str, str]] = {
        "eq": "=",
        "ne": "≠",
        "gt": ">",
        "ge": "≥",
        "lt": "<",
        "le": "≤",
        "in": "∈",
        "not_in": "∉",
    }

    def parse(self, reader: ParamReader, context: ParseContext) -> dict[str, Any]:
        field = _field_path(reader)
        op = reader.text("op", choices=tuple(COMPARISONS))
        if "value" not in reader.raw:
            reader.problem("value", "criterion_param_missing", "'value' is required")
        value = reader.raw.get("value")
        if op in ("in", "not_in") and not isinstance(value, list):
            reader.problem("value", "criterion_param_invalid", f"'{op}' needs a list of values")
        return {"field": field, "op": op, "value": value}

    def default_key(self, params: Mapping[str, Any]) -> str:
        return f"{_slug(params['field'])}_{params['op']}"

    def area(self, params: Mapping[str, Any]) -> str:
        return str(params["field"]).split(".")[0] or "deal"

    def describe(self, params: Mapping[str, Any]) -> str:
        value = params["value"]
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        return f"{_field_label(params['field'])} {self.symbols[params['op']]} {shown}"

    def help(self, params: Mapping[str, Any]) -> str:
        return _("Update %(field)s so that the condition holds.") % {"field": params["field"]}

    def check(self, params: Mapping[str, Any], context: EvaluationContext) -> bool:
        value = context.facts.lookup(params["field"])
        if not is_present(value):
            return params["op"] in ("ne", "not_in")
        left, right = _comparable(value, params["value"])
        try:
            return COMPARISONS[params["op"]](left, right)
        except (TypeError, ArithmeticError):  # ArithmeticError: ordering Decimal("NaN")
            return False


@register
class QualificationAtLeast(CriterionKind):
    """A qualification criterion (BANT's budget, say) is answered at least this well, and, with
    ``within_days``, the answer is that fresh (given less than that many days ago)."""

    kind = "qualification"
    fact_area = "qualification"
    unmet_code = "qualification_below"
    params = ("criterion", "at_least", "framework", "within_days")

    def parse(self, reader: ParamReader, context: ParseContext) -> dict[str, Any]:
        framework = reader.text("framework", default=context.framework).lower()
        questions = QUALIFICATION_FRAMEWORKS.get(framework)
        if questions is None:
            reader.problem(
                "framework",
                "criterion_param_invalid",
                f"unknown qualification framework '{framework}'; known: "
                + ", ".join(QUALIFICATION_FRAMEWORKS),
            )
        criterion = reader.text("criterion").lower()
        if questions and criterion and criterion not in questions:
            reader.problem(
                "criterion",
                "criterion_param_invalid",
                f"'{criterion}' is not a {framework.upper()} question; questions: "
                + ", ".join(questions),
            )
        return {
            "framework": framework,
            "criterion": criterion,
            "at_least": reader.text("at_least", choices=QUALIFICATION_LADDER[1:]),
            "within_days": reader.integer("within_days", default=0, minimum=0),
        }

    def default_key(self, params: Mapping[str, Any]) -> str:
        return f"{params['framework']}_{params['criterion']}"

    def describe(self, params: Mapping[str, Any]) -> str:
        values = {
            "framework": params["framework"].upper(),
            "criterion": params["criterion"].capitalize(),
            "status": params["at_least"],
            "days": params.get("within_days") or 0,
        }
        if values["days"]:
            message = _(
                "%(framework)s %(criterion)s is at least %(status)s, "
                "answered in the last %(days)d days"
            )
            return message % values
        return _("%(framework)s %(criterion)s is at least %(status)s") % values

    def help(self, params: Mapping[str, Any]) -> str:
        if params.get("within_days"):
            return _("Ask the %(criterion)s question again and record the answer.") % {
                "criterion": params["criterion"]
            }
        return _("Answer the %(criterion)s question of the qualification.") % {
            "criterion": params["criterion"]
        }

    def check(self, params: Mapping[str, Any], context: EvaluationContext) -> bool:
        framework, criterion = params["framework"], params["criterion"]
        status = context.facts.qualification.get(framework, {}).get(criterion, "unknown")
        if status not in QUALIFICATION_LADDER:
            return False  # "disqualifying" (or garbage) never satisfies a requirement
        if QUALIFICATION_LADDER.index(status) < QUALIFICATION_LADDER.index(params["at_least"]):
            return False
        days = params.get("within_days") or 0
        if not days:
            return True
        answered = context.facts.qualification_answered.get(framework, {}).get(criterion)
        return answered is not None and answered > context.now - dt.timedelta(days=days)


@register
class TaskDone(CriterionKind):
    """A task the stage created is done (``task: KEY``, or ``all: true`` for every one)."""

    kind = "task_done"
    fact_area = "tasks"
    unmet_code = "task_not_done"
    params = ("task", "all", "stage")

    def parse(self, reader: ParamReader, context: ParseContext) -> dict[str, Any]:
        stage = str(reader.raw.get("stage") or context.stage)
        known = context.tasks_by_stage.get(stage)
        if known is None:
            reader.problem("stage", "unknown_stage", f"no stage '{stage}' in this process")
            return {"stage": stage, "tasks": (), "all": False}
        if reader.boolean("all", default=False):
            if not known:
                reader.problem("all", "unknown_task", f"stage '{stage}' has no tasks")
            return {"stage": stage, "tasks": tuple(known), "all": True}
        task = reader.text("task")
        if task and task not in known:
            reader.problem("task", "unknown_task", f"stage '{stage}' has no task '{task}'")
        return {"stage": stage, "tasks": (task,), "all": False}

    def default_key(self, params: Mapping[str, Any]) -> str:
        if params["all"] or not params["tasks"]:
            return f"{params['stage']}_tasks_done"
        return f"task_{params['tasks'][0]}_done"

    def describe(self, params: Mapping[str, Any]) -> str:
        if not params["all"] and params["tasks"]:
            return _("Task '%(task)s' is done") % {"task": params["tasks"][0]}
        return _("Every task of the stage is done")

    def help(self, params: Mapping[str, Any]) -> str:
        return _("Complete the task in the deal's task list.")

    def check(self, params: Mapping[str, Any], context: EvaluationContext) -> bool:
        done = {t.template for t in context.facts.tasks if t.stage == params["stage"] and t.done}
        return all(task in done for task in params["tasks"])


@register
class ActivityLogged(CriterionKind):
    """At least ``min`` activities of a type were logged (optionally while in this stage)."""

    kind = "activity_logged"
    fact_area = "activities"
    unmet_code = "activity_missing"
    params = ("type", "min", "in_stage", "within_days")

    def parse(self, reader: ParamReader, context: ParseContext) -> dict[str, Any]:
        return {
            "type": reader.text("type", choices=ACTIVITY_TYPES),
            "min": reader.integer("min", default=1, minimum=1),
            "stage": context.stage if reader.boolean("in_stage", default=False) else "",
            "within_days": reader.integer("within_days", default=0),
        }

    def default_key(self, params: Mapping[str, Any]) -> str:
        return f"{params['type']}_logged"

    def describe(self, params: Mapping[str, Any]) -> str:
        if params["min"] == 1:
            return _("A %(type)s was logged") % {"type": params["type"]}
        return _("At least %(count)d %(type)s activities were logged") % {
            "count": params["min"],
            "type": params["type"],
        }

    def help(self, params: Mapping[str, Any]) -> str:
        return _("Log the %(type)s in the deal's activities.") % {"type": params["type"]}

    def check(self, params: Mapping[str, Any], context: EvaluationContext) -> bool:
        since = (
            context.now - dt.timedelta(days=params["within_days"])
            if params["within_days"]
            else None
        )
        count = sum(
            1
            for activity in context.facts.activities
            if activity.type == params["type"]
            and activity.done
            and (not params["stage"] or activity.stage == params["stage"])
            and (since is None or (activity.at is not None and activity.at >= since))
        )
        return count >= int(params["min"])


@register
class ContactRole(CriterionKind):
    """A contact on the deal holds a buying role (a decision maker, say)."""

    kind = "contact_role"
    fact_area = "contacts"
    unmet_code = "contact_role_missing"
    params = ("role", "min")

    def parse(self, reader: ParamReader, context: ParseContext) -> dict[str, Any]:
        return {
            "role": reader.text("role", choices=BUYING_ROLES),
            "min": reader.integer("min", default=1, minimum=1),
        }

    def default_key(self, params: Mapping[str, Any]) -> str:
        return f"{params['role']}_known"

    def describe(self, params: Mapping[str, Any]) -> str:
        return _("A contact with the role %(role)s is on the deal") % {
            "role": params["role"].replace("_", " ")
        }

    def help(self, params: Mapping[str, Any]) -> str:
        return _("Add the contact to the deal and set their buying role.")

    def check(self, params: Mapping[str, Any], context: EvaluationContext) -> bool:
        count = sum(1 for contact in context.facts.contacts if contact.role == params["role"])
        return count >= int(params["min"])


@register
class DocumentStatus(CriterionKind):
    """A document of the deal (proposal, contract …) has one of the given statuses."""

    kind = "document_status"
    fact_area = "documents"
    unmet_code = "document_status_missing"
    params = ("document", "status")

    def parse(self, reader: ParamReader, context: ParseContext) -> dict[str, Any]:
        document = reader.text("document").lower()
        raw = reader.raw.get("status")
        statuses = raw if isinstance(raw, list) else [raw]
        if not all(isinstance(s, str) and s.strip() for s in statuses):
            reader.problem(
                "status", "criterion_param_missing", "'status' must be a status or a list"
            )
            statuses = []
        normalised = tuple(s.strip().lower() for s in statuses)
        unknown = [s for s in normalised if s not in DOCUMENT_STATUSES]
        if unknown:
            reader.problem(
                "status",
                "criterion_param_invalid",
                f"unknown document status '{unknown[0]}'; statuses: "
                + ", ".join(DOCUMENT_STATUSES),
            )
        return {"document": document, "status": normalised}

    def default_key(self, params: Mapping[str, Any]) -> str:
        return f"{params['document']}_{params['status'][0] if params['status'] else 'status'}"

    def describe(self, params: Mapping[str, Any]) -> str:
        return _("The %(document)s is %(status)s") % {
            "document": params["document"],
            "status": _(" or ").join(params["status"]),
        }

    def help(self, params: Mapping[str, Any]) -> str:
        return _("Attach the %(document)s to the deal and update its status.") % {
            "document": params["document"]
        }

    def check(self, params: Mapping[str, Any], context: EvaluationContext) -> bool:
        return any(
            doc.kind == params["document"] and doc.status in params["status"]
            for doc in context.facts.documents
        )


@functools.lru_cache(maxsize=1024)
def compile_expression(source: str) -> cel.Program:
    """Compile a CEL expression once per process; a syntax error raises ``ValueError``."""
    return cel.compile(source)


KNOWN_CEL_NAMES = frozenset((*CEL_VARIABLES, "now"))
_MACRO_BINDING = re.compile(r"\.(?:all|exists|exists_one|map|filter)\(\s*([A-Za-z_]\w*)\s*,")


def _bound_names(source: str) -> set[str]:
    """Names a macro binds (the ``c`` of ``contacts.exists(c, ...)``): not facts, not typos."""
    return set(_MACRO_BINDING.findall(source))


def expression_inputs_all(source: str) -> list[str]:
    return list(compile_expression(source).variables())


@functools.lru_cache(maxsize=1024)
def expression_inputs(source: str) -> tuple[str, ...]:
    """The fact variables an expression reads. Only those are converted to CEL values at each
    evaluation: the conversion, not the evaluation, is most of the cost."""
    names = set(compile_expression(source).variables())
    return tuple(name for name in (*CEL_VARIABLES, "now") if name in names)


@register
class Expression(CriterionKind):
    """A free condition in CEL over the deal's facts, e.g. ``deal.amount >= 1000.0``."""

    kind = "expression"
    unmet_code = "expression_false"
    params = ("cel",)

    def parse(self, reader: ParamReader, context: ParseContext) -> dict[str, Any]:
        source = reader.text("cel")
        if source:
            try:
                compile_expression(source)
            except ValueError as error:
                first = str(error).splitlines()[0]
                detail = first.split("<input>:", 1)[-1].strip()  # "1:14: Syntax error: ..."
                reader.problem(
                    "cel",
                    "expression_invalid",
                    f"the CEL expression does not compile: {detail}",
                )
            else:
                unknown = sorted(
                    set(expression_inputs_all(source)) - KNOWN_CEL_NAMES - _bound_names(source)
                )
                if unknown:
                    reader.problem(
                        "cel",
                        "expression_unknown_variable",
                        f"the expression reads {', '.join(unknown)}, which is not a fact; "
                        f"facts: {', '.join(sorted(KNOWN_CEL_NAMES))}",
                    )
        return {"cel": source}

    def default_key(self, params: Mapping[str, Any]) -> str:
        return "expression"

    def area(self, params: Mapping[str, Any]) -> str:
        reads = expression_inputs(params["cel"]) if params["cel"] else ()
        for area in ("contacts", "activities", "tasks", "qualification", "documents", "account"):
            if area in reads:
                return area
        return "deal"

    def describe(self, params: Mapping[str, Any]) -> str:
        return str(params["cel"])

    def help(self, params: Mapping[str, Any]) -> str:
        return _("Update the deal so that the condition holds.")

    def check(self, params: Mapping[str, Any], context: EvaluationContext) -> bool:
        facts = context.facts
        variables = {
            name: context.now if name == "now" else facts.cel_value(name)
            for name in expression_inputs(params["cel"])
        }
        try:
            return compile_expression(params["cel"]).execute(variables) is True
        except (LookupError, ValueError, TypeError, ArithmeticError, RuntimeError):
            # A fact the expression needs is absent (a missing key, an empty list) or cannot be
            # computed with (a division by zero): the criterion is not met.
            return False


def evaluate(
    spec: CriterionSpec, *, stage: str, phase: str, context: EvaluationContext
) -> CriterionResult:
    """Evaluate one criterion and describe the outcome."""
    kind = REGISTRY[spec.kind]
    met = kind.check(spec.params, context)
    return CriterionResult(
        stage=stage,
        phase=phase,
        key=spec.key,
        kind=spec.kind,
        code=kind.unmet_code,
        met=met,
        message=spec.label or kind.describe(spec.params),
        help=spec.help or kind.help(spec.params),
        area=kind.area(spec.params),
    )
