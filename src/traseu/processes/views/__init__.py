"""Pages of the process designer. Thin: parse the request, call a selector or a service, render."""

from __future__ import annotations

from django.http import HttpRequest

from traseu.core.models import User


def signed_in_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every designer page is behind login_required
    return user
