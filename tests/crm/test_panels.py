"""Panels registered by other apps appear on the deal page, in order and in their column."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.template import engines
from django.test import Client

from traseu.core.models import User
from traseu.crm import panels
from traseu.crm.models import Deal
from traseu.crm.panels import DealPanel, deal_panels, register_deal_panel

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    providers: list[object] = []
    monkeypatch.setattr(panels, "_PROVIDERS", providers)
    return providers


def _late(deal: Deal, user: User, may_write: bool) -> DealPanel:
    return DealPanel("late", "crm/test_panel.html", {"label": f"late {deal.pk}"}, order=200)


def _early(deal: Deal, user: User, may_write: bool) -> DealPanel | None:
    if not may_write:
        return None
    return DealPanel("early", "crm/test_panel.html", {"label": "early"}, order=10, column="side")


def test_providers_are_asked_and_sorted(
    registry: list[object], people: dict[str, User], make_deal: MakeDeal
) -> None:
    register_deal_panel(_late)
    register_deal_panel(_early)
    register_deal_panel(_early)  # registering twice adds it once
    deal = make_deal()
    shown = deal_panels(deal, people["rep"], may_write=True)
    assert [panel.key for panel in shown] == ["early", "late"]
    assert [panel.key for panel in deal_panels(deal, people["viewer"], may_write=False)] == ["late"]


def test_the_deal_page_renders_registered_panels(
    registry: list[object],
    client: Client,
    people: dict[str, User],
    make_deal: MakeDeal,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = engines["django"]
    template = engine.from_string(
        '<section id="{{ panel.key }}" data-write="{{ may_write }}">'
        "{{ panel.context.label }} for {{ deal.title }}</section>"
    )
    original = engine.engine.get_template

    def get_template(name: str) -> object:
        return template.template if name == "crm/test_panel.html" else original(name)

    monkeypatch.setattr(engine.engine, "get_template", get_template)
    register_deal_panel(_late)
    deal = make_deal()
    client.force_login(people["rep"])
    html = client.get(f"/deals/{deal.pk}/").content.decode()
    assert f'<section id="late" data-write="True">late {deal.pk} for {deal.title}</section>' in html
