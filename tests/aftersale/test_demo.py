"""The demo gives its won deals handoffs and completes some follow-ups with feedback."""

from __future__ import annotations

import io

import pytest

from traseu.aftersale.models import Feedback, FollowUp, Handoff
from traseu.crm.models import Deal
from traseu.demo import run_demo

pytestmark = pytest.mark.django_db


def test_the_demo_has_after_sale_content(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRASEU_DEMO_PASSWORD", "a-demo-password-1")
    out = io.StringIO()
    run_demo(out, deals_scale=0.5)
    won = Deal.objects.filter(status="won")
    assert won.exists()
    assert Handoff.objects.count() == FollowUp.objects.count() == won.count()
    assert Handoff.objects.filter(status="accepted").exists()
    assert Feedback.objects.exists()
    assert "follow-up calls completed" in out.getvalue()
