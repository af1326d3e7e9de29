"""An ideal customer profile prepared for scoring many rows (imports): the same result as
:func:`traseu.process.icp.fit`, straight to the stored form (score, explanation as JSON).

Each criterion's part of the explanation depends only on the one value it reads, and most
values repeat across a file (industries, countries, sizes), so each criterion keeps the JSON
of the values it has seen (a bounded cache: memory stays flat). The explanation is those
parts joined as ``json.dumps`` joins a list, and the score the same sum of the same floats in
the same order, so the text and the number are identical to what ``fit`` would give.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from traseu.process.icp import (
    NUMBER_OPERATORS,
    CriterionFit,
    IcpCriterion,
    IdealCustomerProfile,
    _jsonable,
)
from traseu.process.icp import _matches as matches
from traseu.process.icp import lookup as lookup_attribute
from traseu.process.qualification import round_score

CACHE_LIMIT = 10_000  # values remembered per criterion before the cache starts afresh
_CACHEABLE = frozenset({str, int, bool, Decimal, type(None)})


def _value_json(value: Any) -> str:
    """``json.dumps(_jsonable(value))``, with the common cases spelled out."""
    kind = type(value)
    if kind is str:
        return json.dumps(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    plain = _jsonable(value)
    if type(plain) is int:
        return int.__repr__(plain)
    if type(plain) is float and math.isfinite(plain):
        return float.__repr__(plain)  # as json.dumps writes a float
    return json.dumps(plain)


@dataclass
class _Part:
    criterion: IcpCriterion
    label: str
    points: float  # when matched
    cache: dict[tuple[type, Any], tuple[float, str]] = field(default_factory=dict)
    # The criterion's explanation as JSON around its value, per (matched, known).
    around: dict[tuple[bool, bool], tuple[str, str]] = field(default_factory=dict)

    # For number criteria: (low, high) as decimals, either None when open.
    bounds: tuple[Decimal | None, Decimal | None] | None = None

    def __post_init__(self) -> None:
        operator, wanted = self.criterion.operator, self.criterion.value
        if operator in NUMBER_OPERATORS:
            low, high = wanted if operator == "between" else (None, None)
            low = wanted if operator == "at_least" else low
            high = wanted if operator == "at_most" else high
            self.bounds = (
                None if low is None else Decimal(str(low)),
                None if high is None else Decimal(str(high)),
            )
        marker = "\x00value\x00"
        for matched in (True, False):
            for known in (True, False):
                text = json.dumps(
                    CriterionFit(
                        key=self.criterion.key,
                        label=self.label,
                        attribute=self.criterion.attribute,
                        weight=self.criterion.weight,
                        matched=matched,
                        known=known,
                        value=marker,
                        points=self.points if matched else 0.0,
                    ).as_dict()
                )
                head, _, tail = text.partition(json.dumps(marker))
                self.around[matched, known] = (head, tail)

    def evaluate(self, value: Any) -> tuple[float, str]:
        """(points, JSON of this criterion's explanation) for one value."""
        kind = type(value)
        key = (kind, value) if kind in _CACHEABLE else None
        if key is not None:
            found = self.cache.get(key)
            if found is not None:
                return found
        if self.bounds is not None and (kind is int or (kind is Decimal and value.is_finite())):
            low, high = self.bounds  # what _matches does for a number, without the detours
            matched = not ((low is not None and value < low) or (high is not None and value > high))
            known = True
        else:
            matched, known = matches(self.criterion, value)
        head, tail = self.around[matched, known]
        result = (self.points if matched else 0.0), head + _value_json(value) + tail
        if key is not None:
            if len(self.cache) >= CACHE_LIMIT:
                self.cache.clear()
            self.cache[key] = result
        return result


@dataclass
class CompiledProfile:
    """A profile ready to score: labels described once, each criterion's weight share known."""

    profile: IdealCustomerProfile
    parts: list[_Part]
    reads: list[tuple[_Part, str, bool]] = field(default_factory=list)
    rounded: dict[float, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.reads = [
            (part, part.criterion.attribute, part.criterion.attribute.startswith("custom."))
            for part in self.parts
        ]

    def score_json(self, attributes: Mapping[str, Any]) -> tuple[int, str]:
        """The fit score and its explanation as JSON text, as ``fit`` and ``json.dumps``."""
        total: float = 0
        texts = []
        get = attributes.get
        for part, attribute, custom in self.reads:
            value = lookup_attribute(attributes, attribute) if custom else get(attribute)
            kind = type(value)
            found = part.cache.get((kind, value)) if kind in _CACHEABLE else None
            points, text = found if found is not None else part.evaluate(value)
            total += points
            texts.append(text)
        score = self.rounded.get(total)
        if score is None:  # few distinct totals: sums of some of the weights
            if len(self.rounded) >= CACHE_LIMIT:
                self.rounded.clear()
            score = self.rounded[total] = round_score(total)
        return score, "[" + ", ".join(texts) + "]"


def compile_profile(profile: IdealCustomerProfile) -> CompiledProfile:
    """Prepare ``profile`` for :meth:`CompiledProfile.score_json` (labels in the active
    language, as ``fit`` describes them)."""
    total = profile.total_weight or 1.0
    parts = [
        _Part(criterion, criterion.describe(), 100.0 * criterion.weight / total)
        for criterion in profile.criteria
    ]
    return CompiledProfile(profile, parts)
