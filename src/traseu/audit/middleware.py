"""Open an audit context for each web request: ``web`` for pages, ``api`` under ``/api/``.

The context carries the signed-in user (lazily: only read if a service does not name its
actor), the client's IP and a request id: the client's ``X-Request-ID`` when it is a short
token, else a new one. The id is sent back in the ``X-Request-ID`` response header, so a person
can quote it and an administrator can find the request's changes in the audit trail.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from traseu.apikit.ratelimit import client_ip
from traseu.audit.context import audit_context

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id(request: HttpRequest) -> str:
    given = request.headers.get("X-Request-ID", "")
    return given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        via = "api" if request.path.startswith("/api/") else "web"
        rid = request_id(request)
        user = getattr(request, "user", None)
        with audit_context(via=via, actor=user, request_id=rid, ip=client_ip(request)):
            response = self.get_response(request)
        response.headers.setdefault("X-Request-ID", rid)
        return response
