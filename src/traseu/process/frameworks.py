"""Loading qualification frameworks from YAML, with every problem's file, line, path and code.

The format is documented in ``docs/qualification.md``; the classes it builds, the registry and
the assessment are in :mod:`traseu.process.qualification`.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from traseu.process import yamlsource
from traseu.process.errors import DocumentProblem, ProcessDocumentError
from traseu.process.qualification import (
    DEFAULT_CREDIT,
    DEFAULT_LOG_ODDS,
    DEFAULT_PRIOR,
    FRAMEWORKS_DIR,
    PATHS_ENV,
    QUALIFICATION_LADDER,
    QUALIFICATION_STATUSES,
    Framework,
    FrameworkCriterion,
)

if TYPE_CHECKING:
    from traseu.process.loader import Reader

TOP_FIELDS = ("traseu", "framework", "name", "description", "source", "prior", "statuses")
TOP_FIELDS_ALL = (*TOP_FIELDS, "criteria")
CRITERION_FIELDS = ("key", "name", "questions", "help", "weight", "log_odds")
STATUS_FIELDS = ("credit", "log_odds")
LANGUAGE = re.compile(r"^[a-z]{2}(-[a-z]{2})?$")


def _reader(data: Any, path: str, problems: list[DocumentProblem]) -> Reader:
    # Imported here: the loader imports the definitions, which re-export this module's registry.
    from traseu.process.loader import Reader

    return Reader(data, path, problems)


def _texts(reader: Reader, name: str, *, required: bool) -> dict[str, str]:
    """A text written once (``name: BANT``) or per language (``name: {en: .., ro: ..}``)."""
    value = reader.data.get(name)
    if isinstance(value, Mapping):
        texts: dict[str, str] = {}
        for language, text in value.items():
            where = f"{reader.at(name)}.{language}"
            if not LANGUAGE.match(str(language)):
                reader.problems.append(
                    DocumentProblem(
                        "invalid_value", where, f"'{language}' is not a language code like en"
                    )
                )
            elif not isinstance(text, str) or not text.strip():
                reader.problems.append(DocumentProblem("invalid_type", where, "expected text"))
            else:
                texts[str(language)] = text.strip()
        if required and not texts and not value:
            reader.add(name, "required", f"'{name}' is required")
        return texts
    text = reader.text(name, required=required)
    return {"en": text} if text else {}


def _questions(reader: Reader) -> dict[str, tuple[str, ...]]:
    value = reader.data.get("questions")
    if value is None or isinstance(value, list):
        return {"en": reader.strings("questions")} if value else {}
    if not isinstance(value, Mapping):
        reader.add("questions", "invalid_type", "'questions' must be a list or a list per language")
        return {}
    questions: dict[str, tuple[str, ...]] = {}
    for language in value:
        nested = _reader(value, reader.at("questions"), reader.problems)
        if not LANGUAGE.match(str(language)):
            nested.add(str(language), "invalid_value", f"'{language}' is not a language code")
            continue
        questions[str(language)] = nested.strings(str(language))
    return questions


def _number_table(
    reader: Reader, name: str, defaults: Mapping[str, float], *, low: float, high: float
) -> dict[str, float]:
    """A ``{status: number}`` table; statuses not written keep ``defaults``."""
    table = dict(defaults)
    value = reader.data.get(name)
    if value is None:
        return table
    if not isinstance(value, Mapping):
        reader.add(name, "invalid_type", f"'{name}' must map statuses to numbers")
        return table
    for status, number in value.items():
        where = f"{reader.at(name)}.{status}"
        if status not in QUALIFICATION_STATUSES:
            reader.problems.append(
                DocumentProblem(
                    "unknown_status",
                    where,
                    f"unknown status '{status}'; statuses: " + ", ".join(QUALIFICATION_STATUSES),
                )
            )
        elif isinstance(number, bool) or not isinstance(number, int | float):
            reader.problems.append(DocumentProblem("invalid_type", where, "expected a number"))
        elif not low <= number <= high:
            reader.problems.append(
                DocumentProblem("value_range", where, f"{number:g} is outside [{low:g}, {high:g}]")
            )
        else:
            table[str(status)] = float(number)
    return table


def _statuses(reader: Reader) -> tuple[dict[str, float], dict[str, float]]:
    """The framework-wide ``statuses`` table: credit and log-odds per status."""
    credit, log_odds = dict(DEFAULT_CREDIT), dict(DEFAULT_LOG_ODDS)
    value = reader.data.get("statuses")
    if value is None:
        return credit, log_odds
    if not isinstance(value, Mapping):
        reader.add("statuses", "invalid_type", "'statuses' must map each status to its numbers")
        return credit, log_odds
    for status, entry in value.items():
        where = f"{reader.at('statuses')}.{status}"
        if status not in QUALIFICATION_STATUSES:
            reader.problems.append(
                DocumentProblem(
                    "unknown_status",
                    where,
                    f"unknown status '{status}'; statuses: " + ", ".join(QUALIFICATION_STATUSES),
                )
            )
            continue
        nested = _reader(entry, where, reader.problems)
        if not nested.ok:
            continue
        nested.only(STATUS_FIELDS)
        for name, table, low, high in (
            ("credit", credit, 0.0, 1.0),
            ("log_odds", log_odds, -10.0, 10.0),
        ):
            if name not in nested.data:
                continue
            number = nested.data[name]
            if isinstance(number, bool) or not isinstance(number, int | float):
                nested.add(name, "invalid_type", f"'{name}' must be a number")
            elif not low <= number <= high:
                nested.add(name, "value_range", f"{number:g} is outside [{low:g}, {high:g}]")
            else:
                table[str(status)] = float(number)
    return credit, log_odds


def _order_problems(
    table: Mapping[str, float], what: str, path: str, problems: list[DocumentProblem]
) -> None:
    """Better answers never count less: weak <= partial <= confirmed, disqualifying lowest."""
    rising = ("weak", "partial", "confirmed") if what == "log_odds" else QUALIFICATION_LADDER
    for lower, higher in itertools.pairwise(rising):
        if table[lower] > table[higher]:
            problems.append(
                DocumentProblem(
                    "status_order",
                    path,
                    f"{what} of '{higher}' ({table[higher]:g}) is below that of "
                    f"'{lower}' ({table[lower]:g}); a better answer never counts less",
                )
            )
    others = [table[status] for status in QUALIFICATION_LADDER]
    if table["disqualifying"] > min(others):
        problems.append(
            DocumentProblem(
                "status_order",
                path,
                f"{what} of 'disqualifying' ({table['disqualifying']:g}) must be the lowest",
            )
        )


def _criterion(
    item: Any, path: str, problems: list[DocumentProblem], log_odds: Mapping[str, float]
) -> FrameworkCriterion | None:
    reader = _reader(item, path, problems)
    if not reader.ok:
        return None
    reader.only(CRITERION_FIELDS)
    weight = reader.number("weight", default=1.0)
    if weight <= 0:
        reader.add("weight", "weight_range", f"weight {weight:g} must be above 0")
    own = _number_table(reader, "log_odds", log_odds, low=-10.0, high=10.0)
    if "log_odds" in reader.data:
        _order_problems(own, "log_odds", reader.at("log_odds"), problems)
    return FrameworkCriterion(
        key=reader.key(),
        name=_texts(reader, "name", required=True),
        questions=_questions(reader),
        weight=weight,
        log_odds=own,
        help=_texts(reader, "help", required=False),
    )


def build_framework(data: Any, *, file: str = "") -> tuple[Framework | None, list[DocumentProblem]]:
    """Validate a parsed framework document; the framework (when valid) and every problem."""
    problems: list[DocumentProblem] = []
    reader = _reader(data, "", problems)
    if not reader.ok:
        return None, problems
    reader.only(TOP_FIELDS_ALL)
    fmt = reader.integer("traseu", default=1)
    if fmt != 1:
        reader.add("traseu", "unsupported_format", f"format version {fmt} is not supported (1 is)")
    key = reader.key("framework")
    prior = reader.number("prior", default=DEFAULT_PRIOR)
    if not 0.0 < prior < 1.0:
        reader.add("prior", "probability_range", f"prior {prior:g} must be between 0 and 1")
    credit, log_odds = _statuses(reader)
    _order_problems(credit, "credit", reader.at("statuses"), problems)
    _order_problems(log_odds, "log_odds", reader.at("statuses"), problems)
    criteria = [
        (path, criterion)
        for path, item in reader.items("criteria")
        if (criterion := _criterion(item, path, problems, log_odds)) is not None
    ]
    if not reader.data.get("criteria"):
        reader.add("criteria", "criteria_required", "a framework needs at least one criterion")
    seen: set[str] = set()
    for path, criterion in criteria:
        if criterion.key in seen:
            problems.append(
                DocumentProblem(
                    "duplicate_key", f"{path}.key", f"criterion '{criterion.key}' is defined twice"
                )
            )
        seen.add(criterion.key)
    framework = Framework(
        key=key,
        name=_texts(reader, "name", required=True),
        description=_texts(reader, "description", required=False),
        source=reader.text("source"),
        prior=prior,
        credit=credit,
        criteria=tuple(criterion for _, criterion in criteria),
        file=file,
    )
    return (None if problems else framework), problems


def _located(
    problems: Sequence[DocumentProblem], source_map: yamlsource.SourceMap, file: str
) -> list[DocumentProblem]:
    return [
        DocumentProblem(p.code, p.path, p.message, p.line or source_map.line_of(p.path), file)
        for p in problems
    ]


def load_framework_text(text: str, *, file: str = "") -> Framework:
    """Parse and validate a framework document; raise :class:`ProcessDocumentError`."""
    data, source_map, problems = yamlsource.parse(text)
    framework = None
    if not problems:
        if data is None:
            problems = [DocumentProblem("empty_document", "", "the document is empty")]
        else:
            framework, problems = build_framework(data, file=file)
    if problems or framework is None:
        raise ProcessDocumentError(_located(problems, source_map, file))
    return framework


def load_framework_file(path: str | Path) -> Framework:
    """Load a framework file (UTF-8, with or without a byte-order mark)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ProcessDocumentError(
            [DocumentProblem("unreadable", "", f"cannot read the file: {error}", 0, str(path))]
        ) from error
    return load_framework_text(text, file=str(path))


def framework_files(paths: Sequence[str | Path]) -> list[Path]:
    """The YAML files named by ``paths``: files as they are, directories' ``*.yaml`` sorted."""
    files: list[Path] = []
    for entry in paths:
        path = Path(entry)
        files += sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    return files


def configured_paths() -> list[str]:
    """The shipped frameworks, then those named by ``TRASEU_QUALIFICATION_FRAMEWORKS``."""
    extra = os.environ.get(PATHS_ENV, "")
    return [str(FRAMEWORKS_DIR), *(p.strip() for p in extra.split(os.pathsep) if p.strip())]


def load_frameworks(paths: Sequence[str | Path]) -> dict[str, Framework]:
    """Every framework in ``paths``; every problem of every file in one error.

    A key defined in two files is a problem (``duplicate_framework``): a team's file cannot
    silently replace a shipped framework.
    """
    frameworks: dict[str, Framework] = {}
    problems: list[DocumentProblem] = []
    for file in framework_files(paths):
        try:
            framework = load_framework_file(file)
        except ProcessDocumentError as error:
            problems += error.problems
            continue
        if framework.key in frameworks:
            problems.append(
                DocumentProblem(
                    "duplicate_framework",
                    "framework",
                    f"framework '{framework.key}' is already defined in "
                    f"{frameworks[framework.key].file}",
                    1,
                    str(file),
                )
            )
            continue
        frameworks[framework.key] = framework
    if problems:
        raise ProcessDocumentError(problems)
    return frameworks
