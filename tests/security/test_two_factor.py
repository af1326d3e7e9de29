"""Two-factor sign-in: enrol (QR, key, confirm), sign in with a code or a recovery code, never
twice the same code, new recovery codes, turn it off."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
from django.test import Client

from tests.security.conftest import PASSWORD
from traseu.core.errors import Conflict, InvalidInput
from traseu.core.models import User
from traseu.security.models import RecoveryCode, TotpDevice
from traseu.security.services import (
    hash_recovery_code,
    second_factor_verify,
    totp_enrol_confirm,
    totp_enrol_start,
)

T0 = dt.datetime(2026, 3, 2, 9, 0, 10, tzinfo=dt.UTC)


def code_at(device: TotpDevice, when: dt.datetime) -> str:
    return pyotp.TOTP(device.secret).at(when)


def enrolled(user: User) -> tuple[TotpDevice, list[str]]:
    """``user`` with two-factor sign-in on (confirmed at T0)."""
    device = totp_enrol_start(user=user)
    codes = totp_enrol_confirm(user=user, code=code_at(device, T0), clock=lambda: T0)
    device.refresh_from_db()
    return device, codes


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_enrolment_page_shows_a_qr_code_the_key_and_the_uri(ana: User) -> None:
    client = Client()
    client.force_login(ana)
    assert client.post("/account/security/totp/start/")["Location"] == "/account/security/totp/"
    page = client.get("/account/security/totp/")
    html = page.content.decode()
    device = TotpDevice.objects.get(user=ana)
    assert page.status_code == 200
    assert device.confirmed_at is None
    assert re.search(r'<svg width="\d+" height="\d+" class="qr"><g [^>]*><path', html)
    assert "style=" not in html
    grouped = " ".join(device.secret[i : i + 4] for i in range(0, len(device.secret), 4))
    assert grouped in html
    assert f"otpauth://totp/Traseu:ana?secret={device.secret}&amp;issuer=Traseu" in html
    assert "no-store" in page["Cache-Control"]


def test_a_wrong_confirmation_code_changes_nothing(ana: User) -> None:
    client = Client()
    client.force_login(ana)
    client.post("/account/security/totp/start/")
    refused = client.post("/account/security/totp/", {"code": "000000"})
    assert refused.status_code == 422
    assert "That code is not valid." in refused.content.decode()
    assert TotpDevice.objects.get(user=ana).confirmed_at is None
    assert not RecoveryCode.objects.exists()
    # Signing in still needs the password only.
    client.logout()
    assert Client().post("/login/", {"username": "ana", "password": PASSWORD}).status_code == 302


def test_confirming_shows_ten_recovery_codes_once_and_stores_only_their_hashes(
    ana: User,
) -> None:
    client = Client()
    client.force_login(ana)
    client.post("/account/security/totp/start/")
    device = TotpDevice.objects.get(user=ana)
    page = client.post("/account/security/totp/", {"code": pyotp.TOTP(device.secret).now()})
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", page.content.decode())
    assert page.status_code == 200
    assert len(set(codes)) == 10
    stored = set(RecoveryCode.objects.filter(user=ana).values_list("code_hash", flat=True))
    assert stored == {hash_recovery_code(code) for code in codes}
    assert TotpDevice.objects.get(user=ana).confirmed_at is not None
    assert "no-store" in page["Cache-Control"]
    # The setup page is gone; the security page says it is on.
    assert client.get("/account/security/totp/")["Location"] == "/account/security/"
    assert "10 recovery codes left" in client.get("/account/security/").content.decode()


def test_enrolling_again_while_on_is_refused(ana: User) -> None:
    enrolled(ana)
    with pytest.raises(Conflict) as refused:
        totp_enrol_start(user=ana)
    assert refused.value.code == "totp_enabled"


def test_sign_in_asks_for_the_code_after_the_password(ana: User) -> None:
    device, _ = enrolled(ana)
    client = Client()
    step1 = client.post("/login/?next=/accounts/", {"username": "ana", "password": PASSWORD})
    assert (step1.status_code, step1["Location"]) == (302, "/login/code/")
    assert not signed_in(client)
    assert client.get("/").status_code == 302  # still signed out
    wrong = client.post("/login/code/", {"code": "123456"})
    assert wrong.status_code == 422
    assert not signed_in(client)
    right = client.post("/login/code/", {"code": pyotp.TOTP(device.secret).now()})
    assert (right.status_code, right["Location"]) == (302, "/accounts/")
    assert signed_in(client)


def test_a_code_is_accepted_once(ana: User) -> None:
    device, _ = enrolled(ana)
    later = T0 + dt.timedelta(minutes=5)
    code = code_at(device, later)
    assert second_factor_verify(user=ana, code=code, clock=lambda: later) == "totp"
    with pytest.raises(InvalidInput):
        second_factor_verify(user=ana, code=code, clock=lambda: later)
    # The step before the one used is refused too; the next one is fine.
    earlier = later - dt.timedelta(seconds=30)
    with pytest.raises(InvalidInput):
        second_factor_verify(user=ana, code=code_at(device, earlier), clock=lambda: later)
    after = later + dt.timedelta(seconds=30)
    assert second_factor_verify(user=ana, code=code_at(device, after), clock=lambda: after)


def test_a_code_from_the_neighbouring_step_is_accepted_but_not_two_steps_away(
    ana: User,
) -> None:
    device, _ = enrolled(ana)
    now = T0 + dt.timedelta(hours=1)
    with pytest.raises(InvalidInput):
        second_factor_verify(
            user=ana, code=code_at(device, now - dt.timedelta(seconds=60)), clock=lambda: now
        )
    assert second_factor_verify(
        user=ana, code=code_at(device, now - dt.timedelta(seconds=30)), clock=lambda: now
    )


def test_a_recovery_code_signs_in_once(ana: User) -> None:
    _, codes = enrolled(ana)
    client = Client()
    client.post("/login/", {"username": "ana", "password": PASSWORD})
    typed = codes[3].upper().replace("-", " ")  # as people type it
    assert client.post("/login/code/", {"code": typed}).status_code == 302
    assert RecoveryCode.objects.get(code_hash=hash_recovery_code(codes[3])).used_at is not None
    again = Client()
    again.post("/login/", {"username": "ana", "password": PASSWORD})
    assert again.post("/login/code/", {"code": codes[3]}).status_code == 422
    assert not signed_in(again)


def test_wrong_codes_lock_the_sign_in_and_the_password_does_not_reset_the_count(
    ana: User,
) -> None:
    enrolled(ana)
    client = Client()
    for _ in range(2):  # a fresh password step between the guesses
        client.post("/login/", {"username": "ana", "password": PASSWORD})
        client.post("/login/code/", {"code": "000000"})
        client.post("/login/code/", {"code": "000001"})
    client.post("/login/", {"username": "ana", "password": PASSWORD})
    locked = client.post("/login/code/", {"code": "000002"})
    assert "Too many failed sign-in attempts" in locked.content.decode()
    refused = Client().post("/login/", {"username": "ana", "password": PASSWORD})
    assert refused.status_code == 200
    assert "Too many failed sign-in attempts" in refused.content.decode()


def test_the_code_page_without_a_password_step_sends_back_to_sign_in(ana: User) -> None:
    enrolled(ana)
    response = Client().post("/login/code/", {"code": "000000"})
    assert (response.status_code, response["Location"]) == (302, "/login/")


def test_turning_off_needs_the_password_and_a_code(ana: User) -> None:
    device, _ = enrolled(ana)
    client = Client()
    client.force_login(ana)
    code = pyotp.TOTP(device.secret).now()
    wrong_password = client.post("/account/security/totp/off/", {"password": "x", "code": code})
    assert wrong_password.status_code == 422
    assert "The password is not right." in wrong_password.content.decode()
    wrong_code = client.post(
        "/account/security/totp/off/", {"password": PASSWORD, "code": "000000"}
    )
    assert wrong_code.status_code == 422
    assert TotpDevice.objects.filter(user=ana).exists()
    done = client.post("/account/security/totp/off/", {"password": PASSWORD, "code": code})
    assert (done.status_code, done["Location"]) == (302, "/account/security/")
    assert not TotpDevice.objects.filter(user=ana).exists()
    assert not RecoveryCode.objects.filter(user=ana).exists()
    assert Client().post("/login/", {"username": "ana", "password": PASSWORD}).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(ana: User) -> None:
    _, old = enrolled(ana)
    client = Client()
    client.force_login(ana)
    page = client.post("/account/security/recovery-codes/", {"code": old[0]})
    new = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", page.content.decode())
    assert len(new) == 10
    assert not set(new) & set(old)
    stored = set(RecoveryCode.objects.filter(user=ana).values_list("code_hash", flat=True))
    assert stored == {hash_recovery_code(code) for code in new}


def test_the_security_pages_need_a_signed_in_user(db: None) -> None:
    for url in ("/account/security/", "/account/security/totp/"):
        response = Client().get(url)
        assert response["Location"].startswith("/login/?next=")
