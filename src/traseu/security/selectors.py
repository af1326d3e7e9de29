"""Reads for two-factor sign-in."""

from __future__ import annotations

import pyotp
import segno

from traseu.core.models import User
from traseu.security.models import RecoveryCode, TotpDevice

ISSUER = "Traseu"


def totp_device(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user).first()


def second_factor_required(user: User) -> bool:
    """Whether signing in as ``user`` needs a code after the password."""
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def provisioning_uri(device: TotpDevice) -> str:
    """The ``otpauth://`` URI an authenticator app reads (from the QR code)."""
    return pyotp.TOTP(device.secret).provisioning_uri(
        name=device.user.get_username(), issuer_name=ISSUER
    )


def qr_svg(uri: str) -> str:
    """The URI as a QR code: an SVG element (no XML declaration, no inline style)."""
    qr = segno.make(uri, error="m", micro=False)
    return str(
        qr.svg_inline(
            scale=4, border=2, dark="#1d2433", light="#ffffff", svgclass="qr", lineclass=None
        )
    )


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
