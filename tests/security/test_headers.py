"""What every answer carries: the Content-Security-Policy, cookie flags; templates written so
the policy holds (no inline script, handler or style)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

import traseu
from tests.security.conftest import PASSWORD
from traseu.core.models import User

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
TEMPLATES = sorted(Path(traseu.__file__).parent.glob("**/templates/**/*.html"))
# An inline script: a <script> without src (a JSON data block is not run, so it is allowed).
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/json\")[^>]*>")
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"\sstyle\s*=|<style[\s>]|\shx-on", re.IGNORECASE)


@pytest.mark.parametrize("url", ["/login/", "/", "/accounts/", "/account/security/", "/admin/"])
def test_pages_carry_the_policy(people: dict[str, User], url: str) -> None:
    people["manager"].is_staff = True
    people["manager"].save()
    client = Client()
    if url != "/login/":
        client.force_login(people["manager"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY


def test_api_answers_and_errors_carry_the_policy_too(db: None) -> None:
    response = Client().get("/api/v1/deals/")
    assert response.status_code == 401
    assert response["Content-Security-Policy"] == POLICY


def test_the_api_docs_run_under_the_same_policy(people: dict[str, User]) -> None:
    """Swagger UI is served by django-ninja from static files: its settings are a JSON block,
    its start-up code a static script, so the strict policy needs no exception (checked in
    Chromium: no violation while browsing and trying a route)."""
    people["manager"].is_staff = True  # the docs are for staff when DEBUG is off
    people["manager"].save()
    client = Client()
    client.force_login(people["manager"])
    response = client.get("/api/v1/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
    assert "swagger-ui-bundle.js" in html
    assert not INLINE_SCRIPT.search(html)
    assert not HANDLER.search(html)


def test_templates_have_no_inline_script_handler_or_style() -> None:
    assert len(TEMPLATES) > 10
    found = [
        f"{path.relative_to(Path(traseu.__file__).parent)}:{number}: {line.strip()}"
        for path in TEMPLATES
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if INLINE_SCRIPT.search(line) or HANDLER.search(line) or INLINE_STYLE.search(line)
    ]
    assert found == []


def test_the_scan_finds_what_it_looks_for() -> None:
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_SCRIPT.search('<script type="module">x()</script>')
    assert not INLINE_SCRIPT.search('<script src="/static/x.js" defer></script>')
    assert not INLINE_SCRIPT.search('<script type="application/json" id="s">{}</script>')
    assert HANDLER.search('<select onchange="go()">')
    assert INLINE_STYLE.search('<div style="color:red">')
    assert INLINE_STYLE.search('<button hx-on:click="x()">')


def test_htmx_is_told_not_to_inject_its_indicator_style() -> None:
    base = (Path(traseu.__file__).parent / "core/templates/base.html").read_text()
    assert '"includeIndicatorStyles":false' in base


def test_the_cookies_are_http_only_and_same_site(ana_signed_in: Client) -> None:
    """(Secure outside debug: tests/security/test_deploy.py.)"""
    cookies = ana_signed_in.cookies
    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
        assert cookies[name]["httponly"] is True
        assert cookies[name]["samesite"] == "Lax"


@pytest.fixture
def ana_signed_in(ana: User) -> Client:
    client = Client()
    client.get("/login/")  # sets the CSRF cookie
    response = client.post("/login/", {"username": "ana", "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_form_post_without_the_csrf_token_is_refused(people: dict[str, User]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["rep"])
    response = client.post("/account/security/totp/start/")
    assert response.status_code == 403
    assert not hasattr(people["rep"], "totp_device")
