"""Writes of the forecasts app: a person's forecast category for a deal.

The category is kept where the forecast reads it and the REST API writes it, the deal's custom
attribute ``forecast_category`` (:data:`traseu.forecasting.categories.OVERRIDE_KEY`), so there
is one place for it. The write goes through :func:`traseu.crm.services.deal_update`, which locks
the deal, records the audit row and a ``deal.updated`` timeline event (from which a past
forecast can tell what the category was on a given day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.core.errors import InvalidInput
from traseu.core.models import User
from traseu.crm.access import deal_for, require_writer
from traseu.crm.models import Deal, DealStatus
from traseu.crm.services import deal_update
from traseu.forecasting.categories import OVERRIDABLE, OVERRIDE_KEY

Clock = Callable[[], dt.datetime]
AUTOMATIC = "auto"  # no person's choice: the category follows the stage


def deal_forecast_category_set(
    *,
    deal_id: int,
    category: str,
    acting_user: User,
    expected_version: int | None = None,
    clock: Clock = timezone.now,
) -> Deal:
    """Set (one of ``commit``, ``best_case``, ``pipeline``, ``omitted``) or clear
    (``auto``) the forecast category a person chose for an open deal.

    Guarantees: a deal the user may not see is :class:`NotFound` (404), a read-only user gets
    :class:`PermissionDenied`; an unknown category or a closed deal is :class:`InvalidInput`
    and nothing changes; setting the value the deal already has writes nothing.
    """
    deal = deal_for(acting_user, deal_id)
    require_writer(acting_user)
    if category != AUTOMATIC and category not in OVERRIDABLE:
        raise InvalidInput(
            _("'%(value)s' is not a forecast category: choose %(choices)s.")
            % {"value": category, "choices": ", ".join([AUTOMATIC, *sorted(OVERRIDABLE)])},
            code="invalid_forecast_category",
            details={"field": "category"},
        )
    if deal.status != DealStatus.OPEN:
        raise InvalidInput(
            _("Deal %(id)s is closed: its outcome decides its forecast category.")
            % {"id": deal.pk},
            code="deal_closed",
            details={"field": "category"},
        )
    wanted = None if category == AUTOMATIC else category
    if deal_category(deal) == wanted:
        return deal
    return deal_update(
        deal_id=deal.pk,
        acting_user=acting_user,
        changes={"custom": {OVERRIDE_KEY: wanted}},
        expected_version=expected_version,
        clock=clock,
    )


def deal_category(deal: Deal) -> str | None:
    """The category a person chose for the deal, if it is one the forecast understands."""
    custom = deal.custom if isinstance(deal.custom, dict) else {}
    value = custom.get(OVERRIDE_KEY)
    return value if isinstance(value, str) and value in OVERRIDABLE else None
