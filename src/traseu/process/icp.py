"""Ideal customer profiles: weighted criteria over account attributes, and the fit score.

An ICP is a YAML document (``documents/icp/*.yaml`` ships examples; the format is in
``docs/prospecting.md``; :mod:`traseu.process.icp_document` parses and validates it). Each
criterion names an account attribute, one operator and a weight; :func:`fit` scores an
account's attributes from 0 to 100 (the weighted share of criteria met) and says, for every
criterion, whether it matched, whether the value was known at all, and how many points it
brought. Pure: attributes come in as a plain mapping.
"""

from __future__ import annotations

import functools
import hashlib
import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from traseu.process.errors import DocumentProblem
from traseu.process.i18n import _
from traseu.process.qualification import round_score

DOCUMENTS = Path(__file__).parent / "documents" / "icp"
ATTRIBUTES = (
    "name",
    "domain",
    "industry",
    "employees",
    "annual_revenue",
    "country",
    "is_customer",
    "tags",
)
NUMERIC = frozenset({"employees", "annual_revenue"})
OPERATORS = (
    *("in", "not_in", "between", "at_least", "at_most"),
    *("equals", "any_of", "all_of", "present"),
)
LIST_OPERATORS = frozenset({"in", "not_in", "any_of", "all_of"})
NUMBER_OPERATORS = frozenset({"between", "at_least", "at_most"})
# Regions a country criterion may name instead of listing the countries (ISO 3166 codes).
REGIONS: Mapping[str, tuple[str, ...]] = {
    "eu": (
        *("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"),
        *("IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"),
    ),
    "cee": ("BG", "CZ", "EE", "HR", "HU", "LT", "LV", "PL", "RO", "SI", "SK"),
    "dach": ("DE", "AT", "CH"),
    "benelux": ("BE", "NL", "LU"),
    "nordics": ("DK", "FI", "IS", "NO", "SE"),
}


def fold(value: Any) -> str:
    """Text as compared: trimmed, case-folded, without diacritics (``Ț`` is ``t``)."""
    decomposed = unicodedata.normalize("NFKD", str(value).strip().casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@dataclass(frozen=True, slots=True)
class IcpCriterion:
    """One criterion: ``attribute`` compared with ``value`` by ``operator``, worth ``weight``."""

    key: str
    attribute: str
    operator: str
    value: Any  # a tuple for list operators, (low, high) for between, else a scalar
    weight: float = 1.0
    label: str = ""

    def describe(self) -> str:
        """The criterion in words (its ``label`` when the document gives one), in the active
        language."""
        if self.label:
            return self.label
        name, value = attribute_label(self.attribute), self.value
        if self.operator == "between":
            low, high = value
            if low is None or high is None:
                operator, value = ("at_most", high) if low is None else ("at_least", low)
                return _(OPERATOR_TEXTS[operator]) % {"name": name, "value": _number(value)}
            return _(BETWEEN_TEXT) % {"name": name, "low": _number(low), "high": _number(high)}
        if self.operator in NUMBER_OPERATORS:
            shown = _number(value)
        elif isinstance(value, bool):
            shown = _("yes") if value else _("no")
        else:
            shown = ", ".join(map(str, value)) if isinstance(value, tuple) else str(value)
        operator = self.operator if self.operator != "present" or value else "absent"
        return _(OPERATOR_TEXTS[operator]) % {"name": name, "value": shown}


def gettext_noop(message: str) -> str:
    """Marks a message for the catalogue; it is translated where it is shown."""
    return message


OPERATOR_TEXTS = {
    "in": gettext_noop("%(name)s is one of %(value)s"),
    "not_in": gettext_noop("%(name)s is none of %(value)s"),
    "at_least": gettext_noop("%(name)s at least %(value)s"),
    "at_most": gettext_noop("%(name)s at most %(value)s"),
    "equals": gettext_noop("%(name)s is %(value)s"),
    "any_of": gettext_noop("%(name)s include any of %(value)s"),
    "all_of": gettext_noop("%(name)s include all of %(value)s"),
    "present": gettext_noop("%(name)s is known"),
    "absent": gettext_noop("%(name)s is not known"),
}
BETWEEN_TEXT = gettext_noop("%(name)s between %(low)s and %(high)s")
ATTRIBUTE_TEXTS = {
    "name": gettext_noop("Name"),
    "domain": gettext_noop("Web domain"),
    "industry": gettext_noop("Industry"),
    "employees": gettext_noop("Employees"),
    "annual_revenue": gettext_noop("Annual revenue"),
    "country": gettext_noop("Country"),
    "is_customer": gettext_noop("Existing customer"),
    "tags": gettext_noop("Tags"),
}


def _number(value: Any) -> str:
    number = Decimal(str(value))
    return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,}"


def attribute_label(attribute: str) -> str:
    if attribute in ATTRIBUTE_TEXTS:
        return _(ATTRIBUTE_TEXTS[attribute])
    return attribute.removeprefix("custom.").replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True)
class IdealCustomerProfile:
    key: str
    name: str
    criteria: tuple[IcpCriterion, ...]
    description: str = ""

    @property
    def total_weight(self) -> float:
        return sum(criterion.weight for criterion in self.criteria)


# --- scoring --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CriterionFit:
    """How one criterion went: ``known`` is false when the attribute had no usable value."""

    key: str
    label: str
    attribute: str
    weight: float
    matched: bool
    known: bool
    value: Any  # the account's value, as JSON-able text, number, boolean or list
    points: float  # its part of the 0-100 score

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "attribute": self.attribute,
            "weight": self.weight,
            "matched": self.matched,
            "known": self.known,
            "value": self.value,
            "points": round(self.points, 2),
        }


@dataclass(frozen=True, slots=True)
class Fit:
    profile: str
    score: int  # 0-100
    criteria: tuple[CriterionFit, ...]

    def explanation(self) -> list[dict[str, Any]]:
        """Every criterion, matched or not, as JSON-able dicts (what is stored and shown)."""
        return [criterion.as_dict() for criterion in self.criteria]


def lookup(attributes: Mapping[str, Any], attribute: str) -> Any:
    """An attribute's value: ``industry`` or ``custom.<name>``; absent is None."""
    if attribute.startswith("custom."):
        custom = attributes.get("custom")
        if not isinstance(custom, Mapping):
            return None
        return custom.get(attribute.removeprefix("custom."))
    return attributes.get(attribute)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple) and not value)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _items(value: Any) -> list[str]:
    """A list attribute (tags) as folded items; text is split at commas."""
    raw = value.split(",") if isinstance(value, str) else value
    if not isinstance(raw, list | tuple):
        raw = [raw]
    return [fold(item) for item in raw if str(item).strip()]


def _matches(criterion: IcpCriterion, value: Any) -> tuple[bool, bool]:
    """(matched, known) for one value."""
    operator, wanted = criterion.operator, criterion.value
    if operator == "present":
        return (not _blank(value)) is wanted, True
    if _blank(value):
        return False, False
    if operator in NUMBER_OPERATORS:
        number = _decimal(value)
        if number is None:
            return False, False
        low, high = wanted if operator == "between" else (None, None)
        if operator == "at_least":
            low = wanted
        if operator == "at_most":
            high = wanted
        below = low is not None and number < Decimal(str(low))
        above = high is not None and number > Decimal(str(high))
        return not (below or above), True
    if operator in ("any_of", "all_of"):
        have = set(_items(value))
        want = _folded(wanted)
        return (bool(have & want) if operator == "any_of" else want <= have), True
    if operator == "equals":
        if isinstance(wanted, bool) or isinstance(value, bool):
            return value is wanted, True
        left, right = _decimal(value), _decimal(wanted)
        if left is not None and right is not None:
            return left == right, True
        return fold(value) == fold(wanted), True
    listed = expand_countries(tuple(wanted)) if criterion.attribute == "country" else wanted
    inside = fold(value) in _folded(tuple(listed))
    return (inside if operator == "in" else not inside), True


@functools.lru_cache(maxsize=1024)
def _folded(values: tuple[Any, ...]) -> frozenset[str]:
    """A criterion's list as compared (computed once, not once per account)."""
    return frozenset(fold(item) for item in values)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def fit(
    profile: IdealCustomerProfile,
    attributes: Mapping[str, Any],
    *,
    labels: Sequence[str] | None = None,
) -> Fit:
    """Score ``attributes`` against ``profile``.

    Score: ``100 * (sum of the weights of matched criteria) / (sum of all weights)``, rounded
    half up. A criterion whose attribute has no value is not matched (and marked unknown),
    except ``present: false``, which such a value satisfies. ``labels`` (the criteria's
    :meth:`~IcpCriterion.describe`, in order) saves describing them again for every account
    of a batch.
    """
    total = profile.total_weight or 1.0
    labels = labels or [criterion.describe() for criterion in profile.criteria]
    results = []
    for criterion, label in zip(profile.criteria, labels, strict=True):
        value = lookup(attributes, criterion.attribute)
        matched, known = _matches(criterion, value)
        results.append(
            CriterionFit(
                key=criterion.key,
                label=label,
                attribute=criterion.attribute,
                weight=criterion.weight,
                matched=matched,
                known=known,
                value=_jsonable(value),
                points=100.0 * criterion.weight / total if matched else 0.0,
            )
        )
    score = round_score(sum(result.points for result in results))
    return Fit(profile=profile.key, score=score, criteria=tuple(results))


# --- documents (parsing and validation live in traseu.process.icp_document) -----------------


@functools.lru_cache(maxsize=256)
def expand_countries(values: tuple[str, ...]) -> tuple[str, ...]:
    """Country codes, with each region name replaced by its countries."""
    codes: list[str] = []
    for value in values:
        codes += REGIONS.get(value.lower(), (value.upper(),))
    return tuple(dict.fromkeys(codes))


def build_profile(data: Any) -> tuple[IdealCustomerProfile | None, list[DocumentProblem]]:
    """Validate a parsed ICP document: the profile (when valid) and every problem."""
    from traseu.process import icp_document  # it builds this module's classes

    return icp_document.build_profile(data)


def load_text(text: str, *, file: str = "") -> IdealCustomerProfile:
    """Parse and validate an ICP document; raise ``ProcessDocumentError`` on any problem."""
    from traseu.process import icp_document

    return icp_document.load_text(text, file=file)


def load_file(path: str | Path) -> IdealCustomerProfile:
    """Load an ICP document from disk (an unreadable file is a document problem)."""
    from traseu.process import icp_document

    return icp_document.load_file(path)


def to_document(profile: IdealCustomerProfile) -> dict[str, Any]:
    """The canonical document (what is stored); loading it gives an equal profile."""
    criteria = []
    for criterion in profile.criteria:
        value = criterion.value
        entry: dict[str, Any] = {"key": criterion.key, "attribute": criterion.attribute}
        entry[criterion.operator] = list(value) if isinstance(value, tuple) else value
        entry["weight"] = criterion.weight
        if criterion.label:
            entry["label"] = criterion.label
        criteria.append(entry)
    document: dict[str, Any] = {"traseu": 1, "icp": profile.key, "name": profile.name}
    if profile.description:
        document["description"] = profile.description
    document["criteria"] = criteria
    return document


def digest(profile: IdealCustomerProfile) -> str:
    """A fingerprint of the canonical document: equal documents, equal digests."""
    canonical = json.dumps(to_document(profile), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def shipped_profiles() -> Sequence[Path]:
    return sorted(DOCUMENTS.glob("*.yaml"))
