"""Panels other apps add to the deal page (proposals, competitors, contract, handoff, follow-up).

An app registers a provider in its ``AppConfig.ready``; the deal page asks every provider, in
registration order, for its panel and renders the ones it gets after the built-in panels, each
from its own template with its own context. A provider runs a fixed number of queries (the
deal page's query-count tests hold it to that) and returns ``None`` to show nothing.

A panel's template gets ``deal``, ``panel`` (the :class:`DealPanel`, its data in
``panel.context``) and ``may_write``. Its outermost element should carry
``id="{{ panel.key }}"`` so HTMX swaps and a checklist "fix it" link can target it: an app
points the links of the facts its panel sets there with ``checklist.register_fix_panel``
(the sales app: proposals, competitors, contract).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from traseu.core.models import User
from traseu.crm.models import Deal


@dataclass(frozen=True)
class DealPanel:
    key: str
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    #: Lower comes first; the built-in panels come before every registered one.
    order: int = 100
    #: "side" renders it in the right-hand column, "main" below the activities.
    column: str = "main"


PanelProvider = Callable[[Deal, User, bool], DealPanel | None]
_PROVIDERS: list[PanelProvider] = []


def register_deal_panel(provider: PanelProvider) -> PanelProvider:
    """Add ``provider(deal, user, may_write)`` to the deal page (usable as a decorator)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def deal_panels(deal: Deal, user: User, *, may_write: bool) -> list[DealPanel]:
    panels = [p for p in (provider(deal, user, may_write) for provider in _PROVIDERS) if p]
    return sorted(panels, key=lambda panel: panel.order)
