"""The webhooks page (administrators): the webhooks, a form to add one (its secret is shown
once), pause/resume/delete, and the deliveries with their status, errors and a replay button."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from traseu.apikit.pagination import paginate
from traseu.core.errors import InvalidInput
from traseu.core.models import User
from traseu.events.forms import DeliveryFilterForm, WebhookForm
from traseu.events.selectors import DELIVERY_SORT_KEYS, delivery_list, webhook_list
from traseu.events.webhooks import (
    delivery_replay,
    require_webhook_admin,
    webhook_create,
    webhook_delete,
    webhook_update,
)

PER_PAGE = 50


def _admin(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    require_webhook_admin(user)
    return user


def _page(
    request: HttpRequest, user: User, form: WebhookForm, *, secret: str = "", status: int = 200
) -> HttpResponse:
    context = {"webhooks": list(webhook_list(user=user)), "form": form, "secret": secret}
    return render(request, "events/webhooks.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    user = _admin(request)
    if request.method == "GET":
        return _page(request, user, WebhookForm())
    form = WebhookForm(request.POST)
    if form.is_valid():
        try:
            _, secret = webhook_create(
                actor=user,
                url=form.cleaned_data["url"],
                event_kinds=form.cleaned_data["event_kinds"],
                description=form.cleaned_data["description"],
            )
        except InvalidInput as error:
            form.add_error(error.details.get("field") or None, error.message)
        else:
            # The secret is shown in this answer only (not stored in a message or the URL).
            return _page(request, user, WebhookForm(), secret=secret, status=201)
    return _page(request, user, form, status=422)


@login_required
@require_POST
def webhook_toggle(request: HttpRequest, webhook_id: int) -> HttpResponse:
    user = _admin(request)
    active = request.POST.get("active") == "1"
    webhook_update(actor=user, webhook_id=webhook_id, active=active)
    messages.success(request, _("Webhook resumed.") if active else _("Webhook paused."))
    return HttpResponseRedirect(reverse("webhooks"))


@login_required
@require_POST
def webhook_remove(request: HttpRequest, webhook_id: int) -> HttpResponse:
    webhook_delete(actor=_admin(request), webhook_id=webhook_id)
    messages.success(request, _("Webhook deleted."))
    return HttpResponseRedirect(reverse("webhooks"))


@login_required
def deliveries(request: HttpRequest) -> HttpResponse:
    user = _admin(request)
    form = DeliveryFilterForm(request.GET or None)
    chosen = form.cleaned_data if form.is_valid() else {}
    rows = delivery_list(
        user=user, webhook_id=chosen.get("webhook"), status=chosen.get("status") or None
    )
    page = paginate(
        rows,
        sort="-created_at",
        keys=DELIVERY_SORT_KEYS,
        cursor=request.GET.get("cursor") or None,
        limit=PER_PAGE,
    )
    kept = {k: v for k, v in request.GET.items() if k != "cursor" and v}
    context = {
        "form": form,
        "deliveries": page.items,
        "next_page": urlencode({**kept, "cursor": page.next_cursor}) if page.next_cursor else "",
        "paged": bool(request.GET.get("cursor")),
        "first_page": urlencode(kept),
    }
    return render(request, "events/deliveries.html", context)


@login_required
@require_POST
def delivery_replay_view(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery_replay(actor=_admin(request), delivery_id=delivery_id)
    messages.success(request, _("Delivery %(id)s will be sent again.") % {"id": delivery_id})
    back = request.POST.get("next", "")
    target = reverse("webhook_deliveries")
    if back.startswith(target):
        target = back
    return HttpResponseRedirect(target)


urlpatterns: list[URLPattern] = [
    path("", webhooks, name="webhooks"),
    path("<int:webhook_id>/active/", webhook_toggle, name="webhook_toggle"),
    path("<int:webhook_id>/delete/", webhook_remove, name="webhook_delete"),
    path("deliveries/", deliveries, name="webhook_deliveries"),
    path("deliveries/<int:delivery_id>/replay/", delivery_replay_view, name="delivery_replay"),
]
