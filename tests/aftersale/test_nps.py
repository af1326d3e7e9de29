"""NPS maths (no database)."""

from __future__ import annotations

import pytest

from traseu.aftersale.nps import NpsSummary, category, summarise


def test_promoters_minus_detractors_as_a_percentage() -> None:
    # 3 promoters (9, 10, 10), 2 passives (7, 8), 3 detractors (0, 5, 6): (3 - 3) / 8 = 0.
    summary = summarise([9, 10, 10, 7, 8, 0, 5, 6])
    assert summary == NpsSummary(responses=8, promoters=3, passives=2, detractors=3)
    assert summary.score == 0.0
    assert summarise([10, 9, 8]).score == 66.7  # 2/3 promoters, rounded to one decimal
    assert summarise([6, 6, 9]).score == -33.3


def test_the_boundaries() -> None:
    assert [category(n) for n in (0, 6, 7, 8, 9, 10)] == [
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
    ]
    assert summarise([10] * 4).score == 100.0
    assert summarise([0] * 4).score == -100.0


def test_no_answers_have_no_score() -> None:
    summary = summarise([])
    assert (summary.responses, summary.score) == (0, None)


@pytest.mark.parametrize("bad", [-1, 11])
def test_scores_outside_0_to_10_are_refused(bad: int) -> None:
    with pytest.raises(ValueError, match="0 to 10"):
        summarise([5, bad])
