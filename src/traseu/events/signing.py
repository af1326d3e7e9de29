"""Webhook signatures: ``X-Traseu-Signature: sha256=<hex>``, the HMAC-SHA256 of
``"{timestamp}.{body}"`` with the webhook's secret, where ``timestamp`` is the
``X-Traseu-Timestamp`` header (Unix seconds) and ``body`` the raw request body.

Signing the timestamp with the body lets a receiver refuse replays of an old, captured request:
:func:`verify_signature` rejects a timestamp further than ``tolerance`` seconds from its clock.
This module needs only the standard library, so a receiver written in Python can copy it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_PREFIX = "sha256="
DEFAULT_TOLERANCE = 300


def new_secret() -> str:
    """A fresh signing secret (256 bits, URL-safe text, prefixed so it is recognisable)."""
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int | str, body: bytes | str) -> str:
    """The ``X-Traseu-Signature`` value for ``body`` sent at ``timestamp``."""
    raw = body.encode() if isinstance(body, str) else body
    message = str(timestamp).encode() + b"." + raw
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_signature(
    secret: str,
    timestamp: int | str,
    body: bytes | str,
    header: str,
    tolerance: int = DEFAULT_TOLERANCE,
    *,
    now: float | None = None,
) -> bool:
    """Whether ``header`` is a valid signature of ``body`` at ``timestamp`` with ``secret``,
    and the timestamp is within ``tolerance`` seconds of ``now`` (default: this clock).

    Compares in constant time. Pass the body exactly as received (bytes), before any JSON
    parsing: re-serialised JSON rarely has the same bytes.
    """
    try:
        sent = int(str(timestamp).strip())
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance:
        return False
    expected = sign(secret, sent, body)
    return hmac.compare_digest(expected.encode(), (header or "").strip().encode())
