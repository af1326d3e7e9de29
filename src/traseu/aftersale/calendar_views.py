"""The calendar feed (no session: the secret token in the address is the credential) and the
small page where a user makes, replaces or turns off their address."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from traseu.aftersale.icalfeed import (
    calendar_feed_delete,
    calendar_feed_exists,
    calendar_feed_regenerate,
    calendar_feed_user,
    calendar_ics,
)
from traseu.crm.views.common import see_other, signed_in_user


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    user = calendar_feed_user(token)
    if user is None:
        raise Http404("No such calendar.")
    base_url = request.build_absolute_uri("/").rstrip("/")
    response = HttpResponse(
        calendar_ics(user, base_url=base_url), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """GET: whether the feed is on. POST ``action=regenerate``: a new address, shown once;
    ``action=off``: the address stops working."""
    user = signed_in_user(request)
    address = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "regenerate":
            token = calendar_feed_regenerate(acting_user=user)
            address = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
        elif action == "off":
            calendar_feed_delete(acting_user=user)
            return see_other(reverse("calendar_settings"))
        else:
            return render(
                request,
                "aftersale/calendar.html",
                {"feed": calendar_feed_exists(user), "bad_action": True},
                status=422,
            )
    context = {"feed": calendar_feed_exists(user), "address": address}
    response = render(request, "aftersale/calendar.html", context)
    response["Cache-Control"] = "no-store"
    return response
