"""Sign-in throttling: after too many failed attempts for a username or from an IP, refuse
further attempts for a while.

Counters live in Django's cache, one fixed window per username and per client IP:

- a failure adds one to both counters (``LOGIN_THROTTLE_WINDOW`` seconds long);
- when a counter reaches its limit (``LOGIN_THROTTLE_USER_FAILURES`` for a username,
  ``LOGIN_THROTTLE_IP_FAILURES`` for an IP) that username or IP is locked for
  ``LOGIN_THROTTLE_LOCKOUT`` seconds; while locked, no password is even checked;
- a successful sign-in clears the username's counter (not the IP's: a signed-in attacker must
  not be able to wipe the count of their guesses at other accounts).

Usernames are counted whether or not such a user exists, and the refusal is the same, so the
throttle does not tell anyone which usernames are real. The default cache is per process: with
several worker processes each counts on its own (configure a shared cache for exact limits).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

Clock = Callable[[], float]


def client_ip(request: HttpRequest) -> str:
    """``REMOTE_ADDR``; behind a trusted proxy (``API_TRUST_X_FORWARDED_FOR``), the address the
    proxy appended last to ``X-Forwarded-For`` (earlier entries can be forged by the client)."""
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if forwarded and getattr(settings, "API_TRUST_X_FORWARDED_FOR", False):
        return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def _user_bucket(username: str) -> str:
    # Hashed: a cache key must be short and plain, a username may be neither.
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:40]
    return f"user:{digest}"


@dataclass
class LoginThrottle:
    """The throttle for one sign-in attempt (a username from one IP)."""

    username: str
    ip: str
    clock: Clock = field(default=time.time)

    def buckets(self) -> list[tuple[str, int]]:
        """(bucket, limit) for the username and the IP; a limit of 0 turns that one off."""
        found = [
            (_user_bucket(self.username), int(settings.LOGIN_THROTTLE_USER_FAILURES)),
            (f"ip:{self.ip}", int(settings.LOGIN_THROTTLE_IP_FAILURES)),
        ]
        return [(bucket, limit) for bucket, limit in found if limit > 0]

    def wait(self) -> int:
        """Seconds until attempts are allowed again (0: allowed now)."""
        now = self.clock()
        locks = cache.get_many([f"traseu:login:lock:{bucket}" for bucket, _ in self.buckets()])
        return max((math.ceil(until - now) for until in locks.values() if until > now), default=0)

    def failed(self) -> int:
        """Count a failed attempt; the seconds of lockout it caused (0 if none)."""
        window = int(settings.LOGIN_THROTTLE_WINDOW)
        lockout = int(settings.LOGIN_THROTTLE_LOCKOUT)
        locked = 0
        for bucket, limit in self.buckets():
            if self._count(f"traseu:login:failures:{bucket}", window) >= limit:
                cache.set(f"traseu:login:lock:{bucket}", self.clock() + lockout, lockout)
                cache.delete(f"traseu:login:failures:{bucket}")
                locked = lockout
        return locked

    def succeeded(self) -> None:
        """A correct sign-in: forget the username's failures."""
        cache.delete(f"traseu:login:failures:{_user_bucket(self.username)}")

    @staticmethod
    def _count(key: str, window: int) -> int:
        cache.add(key, 0, timeout=window)
        try:
            return int(cache.incr(key))
        except ValueError:  # the key expired between add and incr
            cache.add(key, 1, timeout=window)
            return 1


def throttle_for(request: HttpRequest, username: str) -> LoginThrottle:
    return LoginThrottle(username=username, ip=client_ip(request))
