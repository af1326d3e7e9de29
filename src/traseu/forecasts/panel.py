"""The deal page's forecast-category panel: which category the deal counts in for the period
forecast, and (for whoever may change the deal) a control to choose one or go back to the one
the stage gives.

Registered in :meth:`traseu.forecasts.apps.ForecastsConfig.ready` through
:mod:`traseu.crm.panels`. The provider runs no query: the deal page has already read the deal
and its process version, and process definitions are cached per version. The POST goes to
:func:`deal_category_view`, which calls
:func:`traseu.forecasts.services.deal_forecast_category_set`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from traseu.core import errors
from traseu.core.http import HtmxHttpRequest
from traseu.core.models import User
from traseu.crm.access import deal_for
from traseu.crm.models import Deal, DealStatus
from traseu.crm.panels import DealPanel
from traseu.forecasting.categories import PeriodDeal, category_of
from traseu.forecasts.labels import category_label
from traseu.forecasts.services import AUTOMATIC, deal_category, deal_forecast_category_set
from traseu.processes.selectors import process_definition

KEY = "forecast-category"
TEMPLATE = "forecasts/partials/deal_category.html"
CHOICES = [
    (AUTOMATIC, gettext_lazy("Follow the stage")),
    ("commit", gettext_lazy("Commit")),
    ("best_case", gettext_lazy("Best case")),
    ("pipeline", gettext_lazy("Pipeline")),
    ("omitted", gettext_lazy("Omitted")),
]


class CategoryForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("Forecast category"), choices=CHOICES)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Ids of their own: the deal page has other forms with a "version" field.
        kwargs.setdefault("auto_id", "forecast_%s")
        super().__init__(*args, **kwargs)


def stage_category(deal: Deal) -> str:
    """The category the deal's outcome or stage gives it, without a person's choice."""
    stage = process_definition(deal.process_version).stage(deal.stage)
    designed = float(stage.probability) if stage is not None else float(deal.probability)
    shown = PeriodDeal(deal.pk, deal.status, None, designed, designed)
    return category_of(shown)[0]


def panel_context(deal: Deal, form: CategoryForm | None = None) -> dict[str, Any]:
    chosen = deal_category(deal)
    automatic = stage_category(deal)
    initial = {"category": chosen or AUTOMATIC, "version": deal.version}
    return {
        "chosen": chosen,
        "chosen_label": category_label(chosen) if chosen else "",
        "automatic": automatic,
        "automatic_label": category_label(automatic),
        "category": chosen or automatic,
        "category_label": category_label(chosen or automatic),
        "is_open": deal.status == DealStatus.OPEN,
        "form": form or CategoryForm(initial=initial),
    }


def forecast_category_panel(deal: Deal, user: User, may_write: bool) -> DealPanel:
    return DealPanel(KEY, TEMPLATE, panel_context(deal), order=150, column="side")


def _render(
    request: HtmxHttpRequest, deal: Deal, form: CategoryForm | None, status: int = 200
) -> HttpResponse:
    panel = DealPanel(KEY, TEMPLATE, panel_context(deal, form), order=150, column="side")
    context = {"panel": panel, "deal": deal, "may_write": True}
    return render(request, TEMPLATE, context, status=status)


@login_required
@require_POST
def deal_category_view(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    """Save the category; with HTMX answer the refreshed panel, else 303 back to the deal.
    A bad value is shown beside the field with status 422 (without JavaScript too)."""
    user = request.user
    assert isinstance(user, User)  # behind login_required
    try:
        deal = deal_for(user, deal_id)
    except errors.NotFound as error:
        raise Http404(error.message) from error
    form = CategoryForm(request.POST)
    if form.is_valid():
        try:
            deal = deal_forecast_category_set(
                deal_id=deal.pk,
                category=form.cleaned_data["category"],
                acting_user=user,
                expected_version=form.cleaned_data["version"],
            )
        except errors.PermissionDenied as error:
            raise PermissionDenied(error.message) from error
        except errors.NotFound as error:
            raise Http404(error.message) from error
        except errors.TraseuError as error:
            form.add_error("category", error.message)
        else:
            if request.htmx:
                return _render(request, deal, None)
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(f"{reverse('deal', args=[deal.pk])}#{KEY}", status=303)
    return _render(request, deal, form, status=422)
