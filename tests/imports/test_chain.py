"""Rebuilding stage history from dates (pure: no database)."""

from __future__ import annotations

import datetime as dt

from traseu.imports.chain import Ending, build_chain
from traseu.process.loader import load_file

from .conftest import CLASSIC

DEFINITION = load_file(CLASSIC)


def day(n: int) -> dt.datetime:
    return dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=n)


def kinds(steps) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(s.to_stage, s.kind) for s in steps]


def test_open_and_close_dates_only_give_two_rows() -> None:
    steps = build_chain(
        DEFINITION, created_at=day(0), points=[], ending=Ending("won", "won", day(30))
    )
    assert kinds(steps) == [("prospecting", "created"), ("won", "won")]
    assert steps[1].duration == dt.timedelta(days=30)


def test_an_open_deal_without_history_has_one_row_in_its_stage() -> None:
    steps = build_chain(
        DEFINITION, created_at=day(0), points=[], ending=Ending("preparation", "open")
    )
    assert kinds(steps) == [("preparation", "created")]


def test_points_give_forward_skip_back_and_lost() -> None:
    points = [
        (day(0), "prospecting"),
        (day(2), "qualification"),
        (day(3), "qualification"),
        (day(5), "preparation"),
        (day(8), "first_contact"),
    ]
    steps = build_chain(
        DEFINITION, created_at=day(0), points=points, ending=Ending("", "lost", day(9))
    )
    assert kinds(steps) == [
        ("prospecting", "created"),
        ("qualification", "forward"),
        ("preparation", "skip"),
        ("first_contact", "back"),
        ("lost", "lost"),
    ]
    assert [s.duration for s in steps[1:]] == [dt.timedelta(days=d) for d in (2, 3, 3, 1)]


def test_a_win_into_after_sale_writes_the_won_row_too() -> None:
    points = [(day(0), "contract"), (day(4), "accompaniment")]
    steps = build_chain(
        DEFINITION, created_at=day(0), points=points, ending=Ending("accompaniment", "won", day(4))
    )
    assert kinds(steps) == [("contract", "created"), ("won", "won"), ("accompaniment", "forward")]


def test_a_close_date_before_the_last_point_is_clamped() -> None:
    points = [(day(0), "prospecting"), (day(10), "contract")]
    steps = build_chain(
        DEFINITION, created_at=day(0), points=points, ending=Ending("", "won", day(9))
    )
    assert steps[-1].changed_at == day(10)
    assert steps[-1].duration == dt.timedelta(0)
