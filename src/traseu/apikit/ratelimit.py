"""A fixed-window rate limit per client IP and per credential (token or signed-in user).

Counters live in Django's cache (``cache.add`` then ``cache.incr``), one key per bucket and
window. The default cache is per process (LocMemCache): with several worker processes each
counts on its own, so the effective limit is the limit times the number of processes. Configure
a shared cache (Redis, Memcached, the database cache) for exact limits across processes.

Limits come from settings, read per request: ``API_RATE_LIMIT_WINDOW`` (seconds),
``API_RATE_LIMIT_PER_IP`` and ``API_RATE_LIMIT_PER_CREDENTIAL`` (requests per window; 0 turns a
limit off). The check runs before authentication, so floods of bad tokens are limited too.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _

from traseu.apikit.errors import error_response
from traseu.core.errors import RateLimited

Run = Callable[..., HttpResponseBase]


def client_ip(request: HttpRequest) -> str:
    """``REMOTE_ADDR``; behind a trusted proxy (``API_TRUST_X_FORWARDED_FOR``), the address the
    proxy appended last to ``X-Forwarded-For`` (earlier entries can be forged by the client)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and getattr(settings, "API_TRUST_X_FORWARDED_FOR", False):
        return str(forwarded).split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def credential(request: HttpRequest) -> str:
    """Who the request claims to be, before authentication: a token (by hash) or a session."""
    header = request.headers.get("Authorization", "")
    if header:
        return "token:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return ""


def _hit(bucket: str, limit: int, window: int, now: float) -> int:
    """Count a request in ``bucket``; the seconds to wait if over ``limit``, else 0."""
    index = int(now // window)
    key = f"traseu:ratelimit:{bucket}:{index}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        count = 1
    if count <= limit:
        return 0
    return max(1, math.ceil((index + 1) * window - now))


def check_rate(request: HttpRequest, *, now: float | None = None) -> None:
    """Raise RateLimited when the client's IP or credential is over its limit."""
    window = int(getattr(settings, "API_RATE_LIMIT_WINDOW", 60))
    limits = [
        ("ip:" + client_ip(request), int(getattr(settings, "API_RATE_LIMIT_PER_IP", 0))),
        (credential(request), int(getattr(settings, "API_RATE_LIMIT_PER_CREDENTIAL", 0))),
    ]
    moment = time.time() if now is None else now
    waits = [_hit(bucket, limit, window, moment) for bucket, limit in limits if bucket and limit]
    wait = max(waits, default=0)
    if wait:
        raise RateLimited(
            _("Too many requests; try again in %(seconds)s seconds.") % {"seconds": wait},
            retry_after=wait,
        )


def rate_limited(run: Run) -> Run:
    """Wrap an operation (before its authentication) with the rate limit."""

    @functools.wraps(run)
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            check_rate(request)
        except RateLimited as error:
            return error_response(error)
        return run(request, *args, **kwargs)

    return limited
