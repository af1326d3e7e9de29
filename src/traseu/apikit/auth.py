"""Who is calling the API, and may they write.

Two ways in, tried in this order:

1. a personal access token, ``Authorization: Bearer trs_...`` (a bad token is refused with 401
   at once; the session is not consulted);
2. the browser session of the web UI. django-ninja exempts its views from Django's CSRF
   middleware, so this class checks the CSRF token itself on every unsafe method.

Writes (any method but GET/HEAD/OPTIONS, except the POSTs listed in
:data:`READ_ONLY_OPERATIONS`) also need a write-scoped token (when a token is used) and a user
who may change records (:func:`traseu.crm.access.require_writer`). Checking this here, for every
operation, means a new write endpoint cannot forget it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from traseu.apikit.errors import error_response
from traseu.core.errors import PermissionDenied
from traseu.core.models import AccessToken, TokenScope, User
from traseu.core.tokens import token_authenticate
from traseu.crm.access import require_writer

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# POST operations (by URL name) that change nothing, so a read-scoped token may call them.
READ_ONLY_OPERATIONS = frozenset({"process_validate"})


def is_write(request: HttpRequest) -> bool:
    if request.method in SAFE_METHODS:
        return False
    match = request.resolver_match
    return match is None or match.url_name not in READ_ONLY_OPERATIONS


def check_write(request: HttpRequest, user: User, token: AccessToken | None) -> None:
    """Refuse (403) a write through a read-scoped token, or by a user who may not write."""
    if not is_write(request):
        return
    if token is not None and token.scope != TokenScope.WRITE:
        raise PermissionDenied(
            _("This token may only read; create a write token to change records."),
            code="token_read_only",
        )
    require_writer(user)


class TokenAuth(HttpBearer):
    """A personal access token: ``Authorization: Bearer trs_...``."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        found = token_authenticate(token)
        request.access_token = found  # type: ignore[attr-defined]
        check_write(request, found.user, found)
        return found.user


class SessionAuth(APIKeyCookie):
    """The web UI's session cookie; unsafe methods need the ``X-CSRFToken`` header."""

    def __init__(self) -> None:
        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> User | None:
        user = request.user
        if not user.is_authenticated:
            return None
        assert isinstance(user, User)
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise PermissionDenied(
                _("A signed-in write needs the CSRF token (the X-CSRFToken header)."),
                code="csrf_failed",
            )
        check_write(request, user, None)
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        return None  # __call__ decides; the cookie's value is the session framework's business


def user_of(request: HttpRequest) -> User:
    """The authenticated user of an API request (set by one of the classes above)."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def docs_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The interactive docs and the schema: open in debug; else staff sessions only."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if settings.DEBUG or (user.is_authenticated and user.is_staff):
            return view(request, *args, **kwargs)
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return error_response(
            PermissionDenied(_("The API documentation is for staff."), code="docs_forbidden")
        )

    return guarded
