"""The embedded demo: shipped processes applied, the team created, a pipeline generated once."""

from __future__ import annotations

import io
import itertools

import pytest

from traseu.core.models import User
from traseu.crm.models import Deal, StageChange
from traseu.demo import run_demo
from traseu.processes.models import ProcessVersion

pytestmark = pytest.mark.django_db


def test_the_demo_builds_a_consistent_pipeline_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRASEU_DEMO_PASSWORD", "a-demo-password-1")
    out = io.StringIO()
    run_demo(out, deals_scale=0.1)
    printed = out.getvalue()

    keys = set(ProcessVersion.objects.values_list("process__key", flat=True))
    assert keys == {"classic", "classic-ro", "small-business", "enterprise"}
    assert "password for all: a-demo-password-1" in printed
    manager = User.objects.get(username="manager")
    assert manager.check_password("a-demo-password-1")
    assert manager.role == "sales_manager"
    assert Deal.objects.count() == 9 + 4  # 10% of 90 and 40

    for deal in Deal.objects.all():
        rows = list(StageChange.objects.filter(deal=deal).order_by("changed_at", "pk"))
        assert rows[0].kind == "created"
        for previous, row in itertools.pairwise(rows):
            assert row.from_stage == previous.to_stage
        assert deal.stage == rows[-1].to_stage
        assert (deal.status == "lost") == (deal.stage == "lost")

    run_demo(io.StringIO(), deals_scale=0.1)
    assert Deal.objects.count() == 13, "a second run adds no deals"
