"""The one place where the API turns an exception into ``{"code", "message", "details"}``.

Services raise :class:`~traseu.core.errors.TraseuError` (each with its status); django-ninja
raises its own errors for credentials, request bodies and parameters; anything else is a bug,
logged and answered with a 500 that reveals nothing. The schemas below document the shape in
the OpenAPI document.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable
from typing import Any

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from traseu.core.errors import NotFound, RateLimited, TraseuError, Unauthenticated
from traseu.process.errors import ProcessDocumentError

logger = logging.getLogger("traseu.api")

HTTP_CODES = {
    400: "malformed",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid",
    429: "rate_limited",
}


class Error(Schema):
    """Every error: a stable machine-readable ``code``, a ``message`` for people, ``details``."""

    code: str
    message: str
    details: dict[str, Any] = {}


class FieldError(Schema):
    field: str
    location: str
    message: str
    type: str


class InvalidDetails(Schema):
    errors: list[FieldError] = []


class ValidationFailed(Error):
    """422: the request is well-formed but its values are not acceptable.

    Parameter and body checks list each field in ``details.errors``; checks made by the
    services name the field in ``details.field`` (or ``details.fields``)."""


class UnmetCriterion(Schema):
    code: str
    kind: str = ""
    criterion: str
    stage: str
    phase: str
    met: bool
    message: str
    help: str


class RuleBroken(Schema):
    code: str
    message: str
    help: str


class GateDetails(Schema):
    unmet: list[UnmetCriterion]
    violations: list[RuleBroken]


class GateRejection(Error):
    """409 ``gate_rejected``: every unmet criterion and every broken route rule."""

    details: GateDetails  # type: ignore[assignment]


class Problem(Schema):
    code: str
    path: str
    line: int
    message: str


class ProblemDetails(Schema):
    problems: list[Problem]


class DocumentRejection(Error):
    """422 ``invalid_process``: every problem of the process document, with where it is."""

    details: ProblemDetails  # type: ignore[assignment]


def error_response(exc: Exception) -> JsonResponse:
    """The response for ``exc``: its status, the error body and any header the status needs."""
    error = as_traseu_error(exc)
    response = JsonResponse(error.as_dict(), status=error.status)
    if isinstance(error, Unauthenticated):
        response["WWW-Authenticate"] = 'Bearer realm="traseu"'
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


def as_traseu_error(exc: Exception) -> TraseuError:
    if isinstance(exc, TraseuError):
        return exc
    if isinstance(exc, ProcessDocumentError):
        return _document_error(exc)
    if isinstance(exc, ValidationError):
        return _validation_error(exc)
    if isinstance(exc, AuthenticationError):
        return Unauthenticated(_("Sign in, or send an access token: Authorization: Bearer trs_..."))
    if isinstance(exc, Throttled):
        return RateLimited(_("Too many requests."), retry_after=max(1, math.ceil(exc.wait or 1)))
    if isinstance(exc, HttpError):
        return _status_error(exc.status_code, str(exc))
    if isinstance(exc, Http404):
        return _status_error(404, _("Not found."))
    if isinstance(exc, DjangoPermissionDenied):
        return _status_error(403, _("You may not do this."))
    if isinstance(exc, SuspiciousOperation):  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE, say
        return _status_error(400, _("The request cannot be accepted: %(why)s") % {"why": exc})
    if isinstance(exc, MultiPartParserError | BadRequest):  # a multipart body without boundary
        return _status_error(400, _("The request body cannot be read: %(why)s") % {"why": exc})
    logger.exception("API request failed", exc_info=exc)
    return _status_error(500, _("Something went wrong on our side; it has been logged."))


def _status_error(status: int, message: str) -> TraseuError:
    error = TraseuError(message, code=HTTP_CODES.get(status, "internal_error"))
    error.status = status
    return error


def _document_error(exc: ProcessDocumentError) -> TraseuError:
    problems = [
        {"code": p.code, "path": p.path, "line": p.line, "message": p.message} for p in exc.problems
    ]
    error = _status_error(
        422,
        _("The process document has %(count)s problem(s).") % {"count": len(problems)},
    )
    error.code, error.details = "invalid_process", {"problems": problems}
    return error


def _validation_error(exc: ValidationError) -> TraseuError:
    errors = [_field_error(item) for item in exc.errors]
    summary = "; ".join(f"{e['field'] or e['location']}: {e['message']}" for e in errors)
    error = _status_error(422, _("The request is not valid: %(errors)s") % {"errors": summary})
    error.details = {"errors": errors}
    return error


def _field_error(item: dict[str, Any]) -> dict[str, str]:
    """``loc`` is (source, [body parameter name,] field...); keep the field path people sent."""
    loc = [str(part) for part in item.get("loc", ())]
    location = loc[0] if loc else ""
    path = loc[1:]
    if location == "body" and len(path) > 1:
        path = path[1:]  # the handler's parameter name is not part of the JSON people sent
    return {
        "field": ".".join(path),
        "location": location,
        "message": str(item.get("msg", "")),
        "type": str(item.get("type", "")),
    }


def install_error_handler(api: NinjaAPI) -> None:
    """Route every exception (ninja's own included, replacing its defaults) through here."""

    def handle(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
        return error_response(exc() if isinstance(exc, type) else exc)

    for kind in (Exception, HttpError, ValidationError, Http404):
        api.add_exception_handler(kind, handle)


def json_errors(view: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
    """Wrap a URL's view so that what django-ninja answers outside its operations, a 405 for a
    wrong method (with its Allow header) and the 404 of the bare ``/api/v1/``, has the error
    shape too. The wrapper keeps the view's attributes, ``csrf_exempt`` included."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return error_response(
                NotFound(_("There is no such API route."), code="route_not_found")
            )
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        error = _status_error(
            405, _("%(method)s is not allowed here.") % {"method": request.method}
        )
        answer = error_response(error)
        answer["Allow"] = response["Allow"]
        return answer

    return wrapped
