"""Reads of users and teams."""

from __future__ import annotations

from django.utils.translation import gettext as _

from traseu.core.errors import NotFound
from traseu.core.models import User


def user_active_get(*, username: str) -> User:
    """The active user with this username, or NotFound."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound(_("No active user %(name)s.") % {"name": username}, code="user_not_found")
    return user
