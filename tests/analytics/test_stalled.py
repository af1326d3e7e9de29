"""Stalled deals against an independent computation."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.analytics import oracle
from tests.analytics.histories import History
from traseu.analytics import stalled as stalled_module
from traseu.analytics.scope import report_scope
from traseu.analytics.stalled import stalled_report
from traseu.analytics.tables import ReportRequest
from traseu.crm.board import stall_days

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("min_history", [10, 1000])
def test_stalled_deals_match_the_independent_computation(
    history: History, min_history: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With enough won stays the threshold is learned; with a bar nobody reaches, every stage
    falls back to its KPI in the deal's own version."""
    monkeypatch.setattr(stalled_module, "MIN_HISTORY", min_history)
    now = history.end + dt.timedelta(days=10)
    world = oracle.load_world()
    fallback = {
        (version, stage.key): stall_days(stage)
        for version, definition in world.definitions.items()
        for stage in definition.route
    }
    learned, over, idle = oracle.stalled(
        world, now=now, idle_days=7, min_history=min_history, fallback=fallback
    )
    report = stalled_report(report_scope(ReportRequest(process="analytics-route", now=now)))
    assert {t.stage.key: t.learned for t in report.thresholds if t.from_history} == {
        key: pytest.approx(value, rel=1e-6) for key, value in learned.items()
    }
    assert (min_history == 10) == bool(learned)
    assert {d.deal.pk for d in report.deals} == idle
    assert report.total == len(idle) > 0
    assert sum(s.over for s in report.stages) == len(over) > len(idle) - 1
    assert sum(s.open for s in report.stages) == sum(
        1 for d in world.deals.values() if d.status == "open"
    )
