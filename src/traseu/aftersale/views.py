"""The after-sale pages: the deal panel's writes and the delivery queue.

Panel writes follow the deal page's pattern (crm/views/deal.py): with HTMX the answer is the
refreshed panel (422 with errors beside the fields when the input is refused); without
JavaScript a 303 back to the deal page. Another team's deal is 404, a read-only user 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from traseu.aftersale.followups import follow_up_complete
from traseu.aftersale.forms import FeedbackForm, HandoffForm, parse_commitment_lines
from traseu.aftersale.handoffs import handoff_accept, handoff_update
from traseu.aftersale.models import FollowUp, Handoff
from traseu.aftersale.panel import TEMPLATE, panel_context
from traseu.aftersale.selectors import DeliveryFilters, delivery_queue
from traseu.core import errors
from traseu.core.http import HtmxHttpRequest
from traseu.crm.access import deal_for
from traseu.crm.models import Deal
from traseu.crm.panels import DealPanel
from traseu.crm.views.common import may_write, see_other, signed_in_user


def _deal(request: HtmxHttpRequest, deal_id: int) -> Deal:
    try:
        return deal_for(signed_in_user(request), deal_id)
    except errors.NotFound as error:
        raise Http404(error.message) from error


def _panel(
    request: HtmxHttpRequest, deal: Deal, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = signed_in_user(request)
    context = panel_context(deal, user, may_write(request), forms)
    if context is None:
        raise Http404(_("This deal has no handoff."))
    panel = DealPanel("aftersale", TEMPLATE, context)
    page = {"deal": deal, "panel": panel, "may_write": may_write(request)}
    if request.htmx:
        return HttpResponse(render_to_string(TEMPLATE, page, request), status=status)
    return render(request, "aftersale/panel_page.html", page, status=status)


def _write(
    request: HtmxHttpRequest,
    deal_id: int,
    key: str,
    form: Any,
    save: Callable[[Deal], object],
    on_error: Callable[[errors.TraseuError], None],
) -> HttpResponse:
    deal = _deal(request, deal_id)
    if form is None or form.is_valid():
        try:
            save(deal)
        except errors.NotFound as error:
            raise Http404(error.message) from error
        except errors.PermissionDenied as error:
            raise PermissionDenied(error.message) from error
        except errors.TraseuError as error:
            on_error(error)
        else:
            if request.htmx:
                return _panel(request, _deal(request, deal_id))
            messages.success(request, _("Saved."))
            return see_other(f"{reverse('deal', args=[deal_id])}#aftersale")
    return _panel(request, deal, {key: form} if form is not None else None, status=422)


def _handoff_id(deal: Deal) -> int:
    found = Handoff.objects.filter(deal=deal).values_list("pk", flat=True).first()
    if found is None:
        raise errors.NotFound(_("This deal has no handoff."), code="handoff_not_found")
    return found


@login_required
@require_POST
def handoff_edit(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    form = HandoffForm(request.POST)

    def save(deal: Deal) -> None:
        data = form.cleaned_data
        handoff_update(
            handoff_id=_handoff_id(deal),
            acting_user=signed_in_user(request),
            commitments=parse_commitment_lines(data["commitments"]),
            risks=data["risks"],
            delivery_owner=data["delivery_owner"] or None,
        )

    def on_error(error: errors.TraseuError) -> None:
        details = error.details if isinstance(error.details, dict) else {}
        form.add_service_error(details.get("field"), error.message)

    return _write(request, deal_id, "handoff", form, save, on_error)


@login_required
@require_POST
def handoff_accept_view(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    def save(deal: Deal) -> None:
        handoff_accept(handoff_id=_handoff_id(deal), acting_user=signed_in_user(request))

    def on_error(error: errors.TraseuError) -> None:
        raise error  # a 409 (already accepted): shown by the error middleware

    return _write(request, deal_id, "handoff", None, save, on_error)


@login_required
@require_POST
def follow_up_complete_view(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    form = FeedbackForm(request.POST)

    def save(deal: Deal) -> None:
        found = FollowUp.objects.filter(deal=deal).values_list("pk", flat=True).first()
        if found is None:
            raise errors.NotFound(_("This deal has no follow-up."), code="follow_up_not_found")
        follow_up_complete(
            follow_up_id=found, acting_user=signed_in_user(request), data=form.feedback_input()
        )

    def on_error(error: errors.TraseuError) -> None:
        details = error.details if isinstance(error.details, dict) else {}
        if isinstance(details.get("errors"), dict):
            form.add_service_errors(details["errors"])
        else:
            form.add_service_error(details.get("field"), error.message)

    return _write(request, deal_id, "feedback", form, save, on_error)


@login_required
@require_GET
def delivery(request: HtmxHttpRequest) -> HttpResponse:
    """The delivery queue: handoffs of the deals the user may see, open ones first."""
    user = signed_in_user(request)
    filters = DeliveryFilters.from_query(request.GET, user)
    rows = delivery_queue(user=user, filters=filters)
    context = {"rows": rows, "filters": filters, "may_write": may_write(request)}
    return render(request, "aftersale/delivery.html", context)


@login_required
@require_POST
def delivery_accept(request: HtmxHttpRequest, handoff_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        handoff = handoff_accept(handoff_id=handoff_id, acting_user=user)
    except errors.NotFound as error:
        raise Http404(error.message) from error
    except errors.PermissionDenied as error:
        raise PermissionDenied(error.message) from error
    messages.success(request, _("Accepted: %(deal)s.") % {"deal": handoff.deal.title})
    return see_other(reverse("delivery") + "?" + request.GET.urlencode())
