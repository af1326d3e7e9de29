"""Signatures a receiver can check: HMAC-SHA256 over "timestamp.body", with a time window."""

from __future__ import annotations

import hashlib
import hmac

from traseu.events.signing import new_secret, sign, verify_signature

SECRET = "whsec_test"
BODY = b'{"id":"4b1d","kind":"deal.won"}'
NOW = 1_780_000_000


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, NOW, BODY) == f"sha256={expected}"
    assert sign(SECRET, str(NOW), BODY.decode()) == sign(SECRET, NOW, BODY)


def test_a_good_signature_verifies() -> None:
    header = sign(SECRET, NOW, BODY)
    assert verify_signature(SECRET, str(NOW), BODY, header, 300, now=NOW + 10)


def test_a_tampered_body_fails() -> None:
    header = sign(SECRET, NOW, BODY)
    tampered = BODY.replace(b"won", b"wan")
    assert not verify_signature(SECRET, NOW, tampered, header, now=NOW)


def test_a_wrong_secret_fails() -> None:
    header = sign("whsec_other", NOW, BODY)
    assert not verify_signature(SECRET, NOW, BODY, header, now=NOW)


def test_a_stale_or_future_timestamp_fails_even_with_a_valid_signature() -> None:
    header = sign(SECRET, NOW, BODY)
    assert not verify_signature(SECRET, NOW, BODY, header, 300, now=NOW + 301)
    assert not verify_signature(SECRET, NOW, BODY, header, 300, now=NOW - 301)
    assert verify_signature(SECRET, NOW, BODY, header, 300, now=NOW + 300)


def test_a_changed_timestamp_fails_the_signature() -> None:
    header = sign(SECRET, NOW, BODY)
    assert not verify_signature(SECRET, NOW + 1, BODY, header, now=NOW)


def test_malformed_headers_fail_without_raising() -> None:
    header = sign(SECRET, NOW, BODY)
    assert not verify_signature(SECRET, "yesterday", BODY, header, now=NOW)
    assert not verify_signature(SECRET, NOW, BODY, "", now=NOW)
    assert not verify_signature(SECRET, NOW, BODY, header.removeprefix("sha256="), now=NOW)


def test_secrets_are_long_random_and_distinct() -> None:
    first, second = new_secret(), new_secret()
    assert first != second
    assert first.startswith("whsec_")
    assert len(first) >= 40


def test_the_receiver_example_in_the_docs_accepts_our_signatures_and_refuses_tampering() -> None:
    """docs/webhooks.md shows a standard-library receiver; its check must agree with ours."""
    import re
    import time
    from pathlib import Path

    page = (Path(__file__).parents[2] / "docs" / "webhooks.md").read_text()
    example = re.search(r"```python\n(import hashlib.*?)\nclass Hook", page, re.S)
    assert example is not None
    namespace: dict[str, object] = {}
    exec(example.group(1), namespace)  # noqa: S102 - our own documentation
    documented = namespace["verify_signature"]
    assert callable(documented)
    now = int(time.time())
    header = sign(SECRET, now, BODY)
    assert documented(SECRET, str(now), BODY, header)
    assert not documented(SECRET, str(now), BODY + b" ", header)
    assert not documented("whsec_other", str(now), BODY, header)
    assert not documented(SECRET, str(now - 3600), BODY, sign(SECRET, now - 3600, BODY))
