"""``Idempotency-Key`` on POST: a retried request gets the first answer instead of running twice.

Two hooks, because django-ninja authenticates between them:

* :func:`claim_or_replay` wraps the handler (a ninja "operation" decorator: after
  authentication and validation, so the user is known). It claims the key, or answers with
  the stored response, or refuses a key reused for a different request (422
  ``idempotency_key_reused``) or still running (409 ``idempotency_key_in_use``);
* :func:`keep_answer` wraps the whole operation (a "view" decorator). It stores a successful
  (2xx) answer for replays and gives the key back after a failure, so a corrected retry runs.

Keys are kept ``API_IDEMPOTENCY_HOURS`` hours (24 by default), per user.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.translation import gettext as _

from traseu.core.errors import Conflict, InvalidInput, TraseuError
from traseu.core.idempotency import (
    idempotency_claim,
    idempotency_complete,
    idempotency_release,
)
from traseu.core.models import IdempotencyRecord, User

HEADER = "Idempotency-Key"
MULTIPART = "multipart/form-data"
KEPT_HEADERS = ("Content-Type", "ETag", "Location")
_RECORD = "_traseu_idempotency_record"


def _fingerprint(request: HttpRequest) -> str:
    """What makes two requests the same: method, path and query, and the body; for a
    multipart body, its form fields and each file's name, size and SHA-256 (Django cannot give
    the raw body once it has parsed the files, and would hold a whole upload in memory).

    A multipart body Django cannot parse (no boundary, say) raises ``MultiPartParserError``,
    answered 400 by :mod:`traseu.apikit.errors`.
    """
    digest = hashlib.sha256(f"{request.method}\n{request.get_full_path()}\n".encode())
    if request.content_type == MULTIPART:
        for part in _form_parts(request):
            digest.update(part)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _form_parts(request: HttpRequest) -> Iterator[bytes]:
    for name in sorted(request.POST):
        yield f"{(name, request.POST.getlist(name))!r}\n".encode()
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            content = hashlib.sha256()
            for chunk in upload.chunks():
                content.update(chunk)
            upload.seek(0)  # the handler reads it again
            yield f"{(name, upload.name, upload.size, content.hexdigest())!r}\n".encode()


def _key(request: HttpRequest) -> str | None:
    if request.method != "POST" or HEADER not in request.headers:
        return None
    key = request.headers[HEADER].strip()
    if not key or len(key) > 255 or not key.isprintable():
        raise TraseuError(
            _("An Idempotency-Key is 1 to 255 printable characters."),
            code="idempotency_key_invalid",
        )
    return key


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(record.body, status=record.status)
    for name, value in record.headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def claim_or_replay(view: Callable[..., Any]) -> Callable[..., Any]:
    """Handler decorator: claim the request's key, or answer from the stored response."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = _key(request)
        user = getattr(request, "auth", None)
        if key is None or not isinstance(user, User):  # no key, or a route without credentials
            return view(request, *args, **kwargs)
        claim = idempotency_claim(
            user=user,
            key=key,
            method=str(request.method),
            path=request.get_full_path(),
            fingerprint=_fingerprint(request),
            retention=dt.timedelta(hours=getattr(settings, "API_IDEMPOTENCY_HOURS", 24)),
        )
        if claim.mismatch:
            raise InvalidInput(
                _("This Idempotency-Key was used for a different request."),
                code="idempotency_key_reused",
            )
        if claim.running:
            raise Conflict(
                _("A request with this Idempotency-Key is still running; retry later."),
                code="idempotency_key_in_use",
            )
        if claim.replay:
            return _replay(claim.record)
        setattr(request, _RECORD, claim.record)
        return view(request, *args, **kwargs)

    return wrapper


def keep_answer(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Operation decorator: store a 2xx answer for the claimed key, else give the key back."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = None
        try:
            response = run(request, *args, **kwargs)
            return response
        finally:
            record = getattr(request, _RECORD, None)
            if record is not None:
                _settle(record, response)

    return wrapper


def _settle(record: IdempotencyRecord, response: HttpResponseBase | None) -> None:
    if isinstance(response, HttpResponse) and 200 <= response.status_code < 300:
        idempotency_complete(
            record=record,
            status=response.status_code,
            body=response.content.decode(),
            headers={name: response[name] for name in KEPT_HEADERS if name in response},
        )
    else:
        idempotency_release(record=record)
