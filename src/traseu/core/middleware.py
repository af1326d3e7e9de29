"""Turn a service error raised in a page view into the page answer, in one place.

A :class:`~traseu.core.errors.TraseuError` keeps its status (403 forbidden, 404 missing or not
yours, 409 conflict, 422 invalid) and its message. The API maps the same errors to JSON in its
own handler; this middleware leaves ``/api/`` alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from traseu.core.errors import TraseuError


class TraseuErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, TraseuError) or request.path.startswith("/api/"):
            return None
        partial = bool(getattr(request, "htmx", False))
        template = "crm/error.html#message" if partial else "crm/error.html"
        return render(request, template, {"error": exception}, status=exception.status)
