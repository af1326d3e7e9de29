"""ICP documents: parsing and validating the YAML into an :class:`IdealCustomerProfile`.

Every problem is collected with its file, line, path and code (the format and the codes are in
``docs/prospecting.md``). :mod:`traseu.process.icp` is the public face: it scores, and its
``load_text``/``load_file`` come here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from traseu.process import yamlsource
from traseu.process.errors import DocumentProblem, ProcessDocumentError
from traseu.process.icp import (
    ATTRIBUTES,
    LIST_OPERATORS,
    NUMBER_OPERATORS,
    NUMERIC,
    OPERATORS,
    REGIONS,
    IcpCriterion,
    IdealCustomerProfile,
)

if TYPE_CHECKING:
    from traseu.process.loader import Reader

TOP_FIELDS = ("traseu", "icp", "name", "description", "criteria")
CRITERION_FIELDS = ("key", "label", "attribute", "weight", *OPERATORS)


def _reader(data: Any, path: str, problems: list[DocumentProblem]) -> Reader:
    from traseu.process.loader import Reader  # the loader imports the core's definitions

    return Reader(data, path, problems)


def _attribute(reader: Reader) -> tuple[str, bool]:
    """The attribute as written, and whether it is one (else a problem is recorded)."""
    attribute = reader.text("attribute", required=True)
    custom = attribute.removeprefix("custom.")
    known = attribute in ATTRIBUTES or bool(custom and custom != attribute)
    if attribute and not known:
        reader.add(
            "attribute",
            "unknown_attribute",
            f"unknown attribute '{attribute}'; attributes: "
            + ", ".join(ATTRIBUTES)
            + ", and custom.<name>",
        )
    return attribute, known


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and not (
        isinstance(value, str) and not value.strip()
    )


def _countries(reader: Reader, operator: str, values: list[Any]) -> tuple[str, ...]:
    """Codes and region names as written (upper-cased); a value that is neither: a problem."""
    codes: list[str] = []
    for value in values:
        text = str(value).strip()
        if (len(text) == 2 and text.isalpha()) or text.lower() in REGIONS:
            codes.append(text.upper())
        else:
            reader.add(
                operator,
                "unknown_region",
                f"'{text}' is neither a two-letter country code nor a region; regions: "
                + ", ".join(REGIONS),
            )
    return tuple(dict.fromkeys(codes))


def _operator_value(reader: Reader, attribute: str, operator: str) -> Any:
    """The operator's value, checked; ``attribute`` "" (unknown) skips the fit checks."""
    raw = reader.data[operator]
    numeric_ok = not attribute or attribute in NUMERIC or attribute.startswith("custom.")
    if operator in LIST_OPERATORS:
        if operator in ("any_of", "all_of") and attribute != "tags" and attribute in ATTRIBUTES:
            reader.add(operator, "operator_mismatch", f"'{operator}' applies to tags (lists)")
        if operator in ("in", "not_in") and attribute in (*NUMERIC, "is_customer", "tags"):
            reader.add(operator, "operator_mismatch", f"'{operator}' does not apply to {attribute}")
        if not isinstance(raw, list) or not raw or not all(_scalar(item) for item in raw):
            reader.add(operator, "invalid_value", f"'{operator}' needs a list of values")
            return ()
        if attribute == "country":
            return _countries(reader, operator, raw)
        return tuple(str(item).strip() for item in raw)
    if operator in NUMBER_OPERATORS:
        if not numeric_ok:
            reader.add(operator, "operator_mismatch", f"'{operator}' applies to numbers")
        return _numbers(reader, operator, raw)
    if operator == "present":
        if not isinstance(raw, bool):
            reader.add(operator, "invalid_value", "'present' must be true or false")
            return True
        return raw
    if not _scalar(raw):  # equals
        reader.add(operator, "invalid_value", "'equals' needs one value")
    if attribute == "is_customer" and not isinstance(raw, bool):
        reader.add(operator, "invalid_value", "'is_customer' is true or false")
    return raw


def _numbers(reader: Reader, operator: str, raw: Any) -> Any:
    def number(value: Any) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    if operator != "between":
        if not number(raw):
            reader.add(operator, "invalid_value", f"'{operator}' needs a number")
            return 0
        return raw
    if (
        not isinstance(raw, list)
        or len(raw) != 2
        or not all(value is None or number(value) for value in raw)
        or raw == [None, None]
    ):
        reader.add(
            operator, "invalid_value", "'between' needs [low, high] (numbers; null for no bound)"
        )
        return (None, None)
    low, high = raw
    if low is not None and high is not None and low > high:
        reader.add(operator, "invalid_value", f"'between' low {low} is above high {high}")
    return (low, high)


def _criterion(item: Any, path: str, problems: list[DocumentProblem]) -> IcpCriterion | None:
    reader = _reader(item, path, problems)
    if not reader.ok:
        return None
    reader.only(CRITERION_FIELDS)
    attribute, known = _attribute(reader)
    operators = [name for name in OPERATORS if name in reader.data]
    if not operators:
        reader.add("", "operator_required", "a criterion needs one of: " + ", ".join(OPERATORS))
        return None
    if len(operators) > 1:
        reader.add(
            operators[1],
            "operator_conflict",
            "a criterion has one operator; this one has " + ", ".join(operators),
        )
    operator = operators[0]
    value = _operator_value(reader, attribute if known else "", operator)
    weight = reader.number("weight", default=1.0)
    if weight <= 0:
        reader.add("weight", "weight_range", f"weight {weight:g} must be above 0")
    default_key = attribute.replace(".", "_")
    key = reader.key() if "key" in reader.data else default_key
    return IcpCriterion(key, attribute, operator, value, weight, reader.text("label"))


def build_profile(data: Any) -> tuple[IdealCustomerProfile | None, list[DocumentProblem]]:
    """Validate a parsed ICP document: the profile (when valid) and every problem."""
    problems: list[DocumentProblem] = []
    reader = _reader(data, "", problems)
    if not reader.ok:
        return None, problems
    reader.only(TOP_FIELDS)
    fmt = reader.integer("traseu", default=1)
    if fmt != 1:
        reader.add("traseu", "unsupported_format", f"format version {fmt} is not supported (1 is)")
    criteria = [
        (path, criterion)
        for path, item in reader.items("criteria")
        if (criterion := _criterion(item, path, problems)) is not None
    ]
    if not reader.data.get("criteria"):
        reader.add("criteria", "criteria_required", "a profile needs at least one criterion")
    seen: set[str] = set()
    for path, criterion in criteria:
        if criterion.key in seen:
            problems.append(
                DocumentProblem(
                    "duplicate_key",
                    path,
                    f"criterion key '{criterion.key}' is used twice; give one a 'key'",
                )
            )
        seen.add(criterion.key)
    profile = IdealCustomerProfile(
        key=reader.key("icp"),
        name=reader.text("name", required=True),
        description=reader.text("description"),
        criteria=tuple(criterion for _, criterion in criteria),
    )
    return (None if problems else profile), problems


def load_text(text: str, *, file: str = "") -> IdealCustomerProfile:
    """Parse and validate an ICP document; raise :class:`ProcessDocumentError` on any problem."""
    data, source_map, problems = yamlsource.parse(text)
    profile = None
    if not problems:
        if data is None:
            problems = [DocumentProblem("empty_document", "", "the document is empty")]
        else:
            profile, problems = build_profile(data)
    if problems or profile is None:
        raise ProcessDocumentError(
            [
                DocumentProblem(
                    p.code, p.path, p.message, p.line or source_map.line_of(p.path), file
                )
                for p in problems
            ]
        )
    return profile


def load_file(path: str | Path) -> IdealCustomerProfile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ProcessDocumentError(
            [DocumentProblem("unreadable", "", f"cannot read the file: {error}", 0, str(path))]
        ) from error
    return load_text(text, file=str(path))
