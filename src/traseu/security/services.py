"""Two-factor sign-in: enrol an authenticator, check a second factor, turn it off.

A TOTP code is checked against the step before, the current step and the step after (clocks
drift), and never accepted for a step at or before the last one accepted, so a code seen over
someone's shoulder cannot be used again. Recovery codes are random, shown once, stored as
SHA-256 hashes (like access tokens) and each accepted once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable

import pyotp
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.core.errors import Conflict, InvalidInput
from traseu.core.models import User
from traseu.security.models import RecoveryCode, TotpDevice

Clock = Callable[[], dt.datetime]
RECOVERY_CODE_COUNT = 10


def normalize_code(code: str) -> str:
    """What people type, without spaces and dashes, in lower case."""
    return "".join(code.split()).replace("-", "").lower()


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def new_recovery_code() -> str:
    raw = secrets.token_hex(5)  # 40 random bits; the sign-in throttle bounds guessing
    return f"{raw[:5]}-{raw[5:]}"


def _invalid_code() -> InvalidInput:
    return InvalidInput(
        _("That code is not valid. Type the 6 digits your authenticator app shows now."),
        code="second_factor_invalid",
        details={"field": "code"},
    )


def _accept_totp(device: TotpDevice, code: str, now: dt.datetime) -> bool:
    """Whether ``code`` is the device's code for a step near ``now`` not used before; if so,
    remember the step (the caller holds the row lock and saves)."""
    digits = normalize_code(code)
    if len(digits) != 6 or not digits.isdigit():
        return False
    totp = pyotp.TOTP(device.secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if step > device.last_step and hmac.compare_digest(totp.generate_otp(step), digits):
            device.last_step = step
            return True
    return False


@transaction.atomic
def totp_enrol_start(*, user: User) -> TotpDevice:
    """Give ``user`` a new, unconfirmed authenticator secret (replacing an unconfirmed one).

    Guarantees: a user whose two-factor sign-in is on gets ``Conflict`` (``totp_enabled``) and
    nothing changes; sign-in is not affected until the device is confirmed.
    """
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        raise Conflict(_("Two-factor sign-in is already on."), code="totp_enabled")
    if device is None:
        return TotpDevice.objects.create(user=user, secret=pyotp.random_base32())
    device.secret, device.last_step = pyotp.random_base32(), 0
    device.save(update_fields=["secret", "last_step"])
    return device


@transaction.atomic
def totp_enrol_confirm(*, user: User, code: str, clock: Clock = timezone.now) -> list[str]:
    """Turn two-factor sign-in on when ``code`` is right; return the new recovery codes.

    Guarantees: the codes are returned once and stored only as hashes; a wrong code raises
    ``InvalidInput`` (``second_factor_invalid``) and nothing changes; without a pending
    enrolment, ``InvalidInput`` (``totp_not_started``).
    """
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None or device.confirmed_at is not None:
        raise InvalidInput(
            _("Start the set-up first: there is no authenticator waiting to be confirmed."),
            code="totp_not_started",
        )
    now = clock()
    if not _accept_totp(device, code, now):
        raise _invalid_code()
    device.confirmed_at = now
    device.save(update_fields=["confirmed_at", "last_step"])
    return _replace_recovery_codes(user)


def _replace_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=hash_recovery_code(code)) for code in codes
    )
    return codes


@transaction.atomic
def second_factor_verify(*, user: User, code: str, clock: Clock = timezone.now) -> str:
    """Check a second factor: the authenticator's code, or an unused recovery code.

    Returns ``"totp"`` or ``"recovery"``. Guarantees: an accepted TOTP step or recovery code is
    never accepted again; anything else raises ``InvalidInput`` (``second_factor_invalid``).
    """
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None or device.confirmed_at is None:
        raise _invalid_code()
    now = clock()
    if _accept_totp(device, code, now):
        device.save(update_fields=["last_step"])
        return "totp"
    used = RecoveryCode.objects.filter(
        user=user, code_hash=hash_recovery_code(code), used_at__isnull=True
    ).update(used_at=now)
    if used:
        return "recovery"
    raise _invalid_code()


@transaction.atomic
def recovery_codes_regenerate(*, user: User, code: str, clock: Clock = timezone.now) -> list[str]:
    """New recovery codes (the old ones stop working), after a valid second factor."""
    second_factor_verify(user=user, code=code, clock=clock)
    return _replace_recovery_codes(user)


@transaction.atomic
def totp_disable(*, user: User, password: str, code: str, clock: Clock = timezone.now) -> None:
    """Turn two-factor sign-in off: needs the password and a second factor.

    Guarantees: the authenticator and every recovery code are deleted together; a wrong
    password (``invalid_password``) or code (``second_factor_invalid``) changes nothing.
    """
    if not user.check_password(password):
        raise InvalidInput(
            _("The password is not right."), code="invalid_password", details={"field": "password"}
        )
    second_factor_verify(user=user, code=code, clock=clock)
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
