"""Helpers the CRM pages share; among them the one place where a service error becomes a
response.

A :class:`~traseu.core.errors.TraseuError` keeps its status (403 for a read-only user, 404 for
missing or not yours, 409, 422); the page shows its message. HTMX requests get the bare
message, which the page shows where the request came from.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from traseu.core.errors import TraseuError
from traseu.core.models import User
from traseu.crm.access import require_writer


def signed_in_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every page is behind login_required
    return user


def error_response(request: HttpRequest, error: TraseuError) -> HttpResponse:
    template = "crm/error.html#message" if getattr(request, "htmx", False) else "crm/error.html"
    return render(request, template, {"error": error}, status=error.status)


def see_other(url: str) -> HttpResponse:
    """303: after a POST without JavaScript, the browser GETs ``url``."""
    response = HttpResponse(status=303)
    response["Location"] = url
    return response


def may_write(request: HttpRequest) -> bool:
    """Whether the page should offer writes (the write itself checks again)."""
    try:
        require_writer(signed_in_user(request))
    except TraseuError:
        return False
    return True
