"""Snapshots read a deal as it stood at a moment: stage, activities, answers, undone edits."""

from __future__ import annotations

import datetime as dt

import pytest

from traseu.forecasting.history import (
    Answer,
    DealRecord,
    Edit,
    Stay,
    current_snapshot,
    snapshot,
    training_snapshots,
)

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def day(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def record(**changes: object) -> DealRecord:
    values: dict[str, object] = {
        "deal_id": 7,
        "process": "p",
        "route": ("a", "b", "c"),
        "designed": {"a": 0.1, "b": 0.3, "c": 0.6},
        "created_at": T0,
        "stays": (Stay("a", T0, day(10)), Stay("b", day(10), day(30))),
        "won": True,
        "closed_at": day(30),
        "amount": 9000.0,
        "source": "web",
        "custom": {"tier": "gold", "seats": 40},
        "activities": ((day(1), "call"), (day(12), "call"), (day(20), "meeting")),
        "answers": (
            Answer(day(2), "bant.budget", "weak"),
            Answer(day(15), "bant.budget", "confirmed"),
        ),
        "edits": (
            Edit(day(18), {"amount": "5000.00"}, {"amount": "9000.00"}),
            Edit(
                day(25), {"custom": {"tier": "silver"}}, {"custom": {"tier": "gold", "seats": 40}}
            ),
        ),
    }
    values.update(changes)
    return DealRecord(**values)  # type: ignore[arg-type]


def test_a_snapshot_sees_only_what_had_happened() -> None:
    shot = snapshot(record(), day(16))

    assert shot is not None
    assert (shot.stage, shot.designed) == ("b", 0.3)
    assert shot.days_in_stage == pytest.approx(6)
    assert shot.age_days == pytest.approx(16)
    assert shot.activities == {"call": 2}
    assert shot.answers == {"bant.budget": "confirmed"}
    assert shot.amount == 5000.0  # raised to 9000 on day 18
    assert shot.custom == {"tier": "silver"}  # changed on day 25


def test_later_snapshots_see_the_edits() -> None:
    shot = snapshot(record(), day(26))
    assert shot is not None
    assert shot.amount == 9000.0
    assert shot.custom == {"tier": "gold", "seats": 40}
    assert shot.activities == {"call": 2, "meeting": 1}


def test_no_snapshot_outside_a_pre_sale_stay() -> None:
    assert snapshot(record(), day(31)) is None
    assert snapshot(record(), day(-1)) is None


def test_training_takes_each_finished_stay_halfway_with_the_outcome() -> None:
    rows = training_snapshots([record(), record(deal_id=8, won=None, closed_at=None)])

    assert [(shot.stage, shot.at, won) for shot, won in rows] == [
        ("a", day(5), True),
        ("b", day(20), True),
    ]


def test_an_open_deal_is_scored_in_its_last_stay_now() -> None:
    deal = record(won=None, closed_at=None, stays=(Stay("a", T0, day(4)), Stay("b", day(4))))
    shot = current_snapshot(deal, day(9))
    assert shot is not None
    assert (shot.stage, shot.days_in_stage) == ("b", pytest.approx(5))


def test_reached_stages() -> None:
    assert record().reached() == ("a", "b", "c")  # won: every pre-sale stage
    lost = record(won=False, stays=(Stay("a", T0, day(1)), Stay("c", day(1), day(2))))
    assert lost.reached() == ("a", "b", "c")  # b was skipped on the way to c
    assert record(won=False, stays=(Stay("a", T0, day(1)),)).reached() == ("a",)
