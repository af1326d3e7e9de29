"""The sign-in throttle on its own: counting, locking, unlocking (an injected clock)."""

from __future__ import annotations

from django.test import override_settings

from traseu.core.throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


LIMITS = {
    "LOGIN_THROTTLE_USER_FAILURES": 3,
    "LOGIN_THROTTLE_IP_FAILURES": 5,
    "LOGIN_THROTTLE_WINDOW": 600,
    "LOGIN_THROTTLE_LOCKOUT": 300,
}


@override_settings(**LIMITS)
def test_the_limit_th_failure_locks_the_username_for_the_lockout() -> None:
    clock = Clock()
    throttle = LoginThrottle("ana", "10.0.0.1", clock)
    assert [throttle.failed() for _ in range(3)] == [0, 0, 300]
    assert throttle.wait() == 300
    # Another IP, same username: still locked (the username is what is guessed at).
    assert LoginThrottle("ANA ", "10.0.0.2", clock).wait() == 300
    clock.now += 299.5
    assert throttle.wait() == 1
    clock.now += 0.5
    assert throttle.wait() == 0


@override_settings(**LIMITS)
def test_the_ip_is_locked_after_failures_across_usernames() -> None:
    clock = Clock()
    for name in ("a", "b", "c", "d"):
        assert LoginThrottle(name, "10.0.0.1", clock).failed() == 0
    assert LoginThrottle("e", "10.0.0.1", clock).failed() == 300
    assert LoginThrottle("someone-else", "10.0.0.1", clock).wait() == 300
    assert LoginThrottle("someone-else", "10.0.0.9", clock).wait() == 0


@override_settings(**LIMITS)
def test_success_forgets_the_username_failures_but_not_the_ip_ones() -> None:
    clock = Clock()
    throttle = LoginThrottle("ana", "10.0.0.1", clock)
    throttle.failed(), throttle.failed()
    throttle.succeeded()
    assert [throttle.failed(), throttle.failed()] == [0, 0]  # counting from zero again
    # The IP has counted all four failures: the fifth locks it.
    assert LoginThrottle("bob", "10.0.0.1", clock).failed() == 300


@override_settings(**{**LIMITS, "LOGIN_THROTTLE_USER_FAILURES": 0, "LOGIN_THROTTLE_IP_FAILURES": 0})
def test_a_limit_of_zero_turns_it_off() -> None:
    throttle = LoginThrottle("ana", "10.0.0.1", Clock())
    assert [throttle.failed() for _ in range(20)] == [0] * 20
    assert throttle.wait() == 0
