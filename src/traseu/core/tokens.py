"""Personal access tokens: create (the clear token is returned once), revoke, authenticate.

A token looks like ``trs_<43 url-safe characters>`` (256 random bits). Only its SHA-256 is
stored, so a database leak does not leak usable tokens; the random part is long enough that a
plain hash (no salt, no slow hashing) is safe, and it lets authentication find the token by an
indexed equality lookup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.audit import services as audit
from traseu.audit.context import note_token
from traseu.core.errors import InvalidInput, NotFound, Unauthenticated
from traseu.core.models import AccessToken, Role, TokenScope, User

Clock = Callable[[], dt.datetime]
TOKEN_PREFIX = "trs_"  # noqa: S105 - the visible marker of a token, not a secret
# Writing last_used_at on every request would turn each read into a write; once a minute is
# precise enough to tell a live token from a forgotten one.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(
    *,
    user: User,
    name: str,
    scope: str = TokenScope.READ,
    expires_at: dt.datetime | None = None,
    clock: Clock = timezone.now,
) -> tuple[AccessToken, str]:
    """Create a token for ``user``; returns the row and the clear token (never stored).

    Refuses (InvalidInput) a blank name, an unknown scope or an expiry in the past.
    """
    now = clock()
    if not name.strip():
        raise InvalidInput(_("A token needs a name."), details={"field": "name"})
    if scope not in TokenScope.values:
        raise InvalidInput(
            _("Unknown token scope '%(scope)s'; use read or write.") % {"scope": scope},
            details={"field": "scope"},
        )
    if expires_at is not None and expires_at <= now:
        raise InvalidInput(_("The expiry is in the past."), details={"field": "expires_at"})
    random_part = secrets.token_urlsafe(32)
    clear = f"{TOKEN_PREFIX}{random_part}"
    with transaction.atomic():
        token = AccessToken.objects.create(
            user=user,
            name=name.strip(),
            prefix=random_part[:8],
            secret_hash=token_hash(clear),
            scope=scope,
            expires_at=expires_at,
            created_at=now,
        )
        audit.record(action="create", obj=token, at=now, after=audit.values(token))
    return token, clear


def token_revoke(
    *, token_id: int, acting_user: User | None, clock: Clock = timezone.now
) -> AccessToken:
    """Revoke a token (idempotent). Its owner, an administrator or a superuser may; for anyone
    else the token does not exist (NotFound). ``acting_user`` None is the operator on the
    command line, who may revoke any token."""
    tokens = tokens_manageable_by(acting_user)
    with transaction.atomic():
        token = tokens.select_for_update().filter(pk=token_id).first()
        if token is None:
            raise NotFound(_("No token %(id)s.") % {"id": token_id}, code="token_not_found")
        if token.revoked_at is None:
            token.revoked_at = clock()
            token.save(update_fields=["revoked_at"])
            audit.record(
                action="update",
                obj=token,
                actor=acting_user,
                at=token.revoked_at,
                before={"revoked_at": None},
                after=audit.values(token, ("revoked_at",)),
            )
    return token


def token_authenticate(token: str, *, clock: Clock = timezone.now) -> AccessToken:
    """The live token (with its user loaded) for a clear token, or Unauthenticated.

    Unknown, revoked and expired tokens, and tokens of deactivated users, are all refused;
    the code says which, since only the token's holder can see the answer.
    """
    now = clock()
    found = None
    if token.startswith(TOKEN_PREFIX):
        found = (
            AccessToken.objects.select_related("user").filter(secret_hash=token_hash(token)).first()
        )
    if found is None or not found.user.is_active:
        raise Unauthenticated(_("The access token is not valid."), code="token_invalid")
    if found.revoked_at is not None:
        raise Unauthenticated(_("The access token was revoked."), code="token_revoked")
    if found.expires_at is not None and found.expires_at <= now:
        raise Unauthenticated(_("The access token has expired."), code="token_expired")
    if found.last_used_at is None or now - found.last_used_at >= LAST_USED_PRECISION:
        found.last_used_at = now
        AccessToken.objects.filter(pk=found.pk).update(last_used_at=now)
    note_token(prefix=found.prefix, actor=found.user)
    return found


def tokens_manageable_by(user: User | None) -> QuerySet[AccessToken]:
    """The tokens ``user`` may list and revoke: every token for administrators, superusers and
    the command-line operator (None); their own for everyone else. Newest first."""
    tokens = AccessToken.objects.select_related("user").order_by("-created_at", "-pk")
    if user is None or user.is_superuser or user.role == Role.ADMIN:
        return tokens
    return tokens.filter(user=user)


def token_state(token: AccessToken, *, now: dt.datetime | None = None) -> str:
    """``active``, ``revoked`` or ``expired``."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= (now or timezone.now()):
        return "expired"
    return "active"


def tokens_of(user: User, *, include_inactive: bool = False) -> QuerySet[AccessToken]:
    """A user's tokens, newest first; by default only those neither revoked nor expired."""
    tokens = AccessToken.objects.filter(user=user).order_by("-created_at", "-pk")
    if include_inactive:
        return tokens
    return tokens.filter(revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    )
