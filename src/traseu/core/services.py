"""Writes of users and teams."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from traseu.audit import services as audit
from traseu.core.errors import Conflict, InvalidInput
from traseu.core.models import Role, Team, User


def user_create(
    *,
    username: str,
    role: str,
    team: str = "",
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create a user with ``role``, in ``team`` (created if missing), all or nothing.

    Refuses (InvalidInput) an unknown role, a malformed username or e-mail, or a password the
    configured validators reject (all their reasons in one message); refuses (Conflict) a
    username already taken, compared without regard to case. ``password=None`` leaves the user
    without a usable password.
    """
    user = User(
        username=username.strip(),
        role=role,
        email=email.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
    )
    _check_user(user, password)
    try:
        with transaction.atomic():
            taken = User.objects.filter(username__iexact=user.username).first()
            if taken is not None:
                raise _taken(taken.username)
            if password is None:
                user.set_unusable_password()
            else:
                user.set_password(password)
            user.save()
            if team.strip():
                user.teams.add(Team.objects.get_or_create(name=team.strip())[0])
            after = {**audit.values(user), "team": team.strip()}
            audit.record(action="create", obj=user, after=after)
    except IntegrityError as error:  # a concurrent create of the same username
        raise _taken(user.username) from error
    return user


def _taken(username: str) -> Conflict:
    return Conflict(_("User '%(name)s' already exists.") % {"name": username}, code="user_exists")


def _check_user(user: User, password: str | None) -> None:
    if user.role not in Role.values:
        raise InvalidInput(
            _("Unknown role '%(role)s'; roles: %(roles)s.")
            % {"role": user.role, "roles": ", ".join(Role.values)},
            code="unknown_role",
        )
    if password == "":
        raise InvalidInput(_("The password is empty."), code="invalid_password")
    checks: list[tuple[str, Callable[[], object]]] = [
        ("username", lambda: user.username_validator(user.username))
    ]
    if user.email:
        checks.append(("email", lambda: validate_email(user.email)))
    if password is not None:
        checks.append(("password", lambda: validate_password(password, user=user)))
    for field, check in checks:
        try:
            check()
        except ValidationError as error:
            raise InvalidInput(
                _("Invalid %(field)s: %(reasons)s")
                % {"field": field, "reasons": " ".join(error.messages)},
                code=f"invalid_{field}",
            ) from error
