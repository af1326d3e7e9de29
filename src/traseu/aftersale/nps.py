"""Net Promoter Score maths, free of Django so the CLI, pages and tests share one definition.

A score of 9 or 10 is a promoter, 7 or 8 passive, 0 to 6 a detractor. The NPS is the share of
promoters minus the share of detractors, in percentage points (-100 to 100).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

PROMOTER_FROM = 9
DETRACTOR_UP_TO = 6


@dataclass(frozen=True)
class NpsSummary:
    responses: int
    promoters: int
    passives: int
    detractors: int

    @property
    def score(self) -> float | None:
        """Promoters minus detractors as a percentage of responses; None with no responses."""
        if not self.responses:
            return None
        return round((self.promoters - self.detractors) * 100 / self.responses, 1)


def category(score: int) -> str:
    """``promoter``, ``passive`` or ``detractor``; ValueError outside 0-10."""
    if not 0 <= score <= 10:
        raise ValueError(f"an NPS answer is 0 to 10, not {score}")
    if score >= PROMOTER_FROM:
        return "promoter"
    return "detractor" if score <= DETRACTOR_UP_TO else "passive"


def summarise(scores: Iterable[int]) -> NpsSummary:
    """Counts and score of ``scores`` (each 0-10; ValueError otherwise)."""
    counts = {"promoter": 0, "passive": 0, "detractor": 0}
    for score in scores:
        counts[category(score)] += 1
    return NpsSummary(
        responses=sum(counts.values()),
        promoters=counts["promoter"],
        passives=counts["passive"],
        detractors=counts["detractor"],
    )
