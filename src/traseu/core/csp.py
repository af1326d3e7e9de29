"""The Content-Security-Policy header on every answer.

The policy (``CONTENT_SECURITY_POLICY``) allows scripts, styles and frames only from Traseu
itself: no inline ``<script>``, no ``on...=`` handler attributes, no ``style=""`` attributes, no
framing. A view whose page needs a different policy (the API's Swagger UI) sets the header
itself; the middleware leaves such a header alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = str(getattr(settings, "CONTENT_SECURITY_POLICY", ""))
        if policy and HEADER not in response:
            response[HEADER] = policy
        return response
