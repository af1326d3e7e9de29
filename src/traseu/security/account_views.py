"""The account's security page: turn two-factor sign-in on (scan, confirm, keep the recovery
codes), get new recovery codes, turn it off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from traseu.core.errors import TraseuError
from traseu.core.login import lockout_message
from traseu.core.models import User
from traseu.core.throttle import throttle_for
from traseu.security import selectors
from traseu.security.forms import ConfirmForm, DisableForm, RegenerateForm
from traseu.security.services import (
    recovery_codes_regenerate,
    totp_disable,
    totp_enrol_confirm,
    totp_enrol_start,
)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every view here is behind login_required
    return user


def _add_error(form: Form, error: TraseuError) -> None:
    field = error.details.get("field")
    form.add_error(field if field in form.fields else None, error.message)


def _page(request: HttpRequest, template: str, context: dict[str, Any], form: Form) -> HttpResponse:
    status = 422 if form.errors else 200
    return render(request, template, context, status=status)


@login_required
@never_cache
@require_GET
def security_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    device = selectors.totp_device(user)
    enabled = device is not None and device.confirmed_at is not None
    context = {
        "enabled": enabled,
        "device": device,
        "codes_left": selectors.recovery_codes_left(user) if enabled else 0,
        "disable_form": DisableForm(),
        "regenerate_form": RegenerateForm(),
    }
    return render(request, "security/account.html", context)


@login_required
@require_POST
def totp_start(request: HttpRequest) -> HttpResponse:
    try:
        totp_enrol_start(user=_user(request))
    except TraseuError as error:
        messages.error(request, error.message)
        return redirect("account_security")
    return redirect("totp_setup")


@sensitive_post_parameters("code")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the secret), then confirm with a code; the recovery codes are
    shown once, in the answer to the confirmation."""
    user = _user(request)
    device = selectors.totp_device(user)
    if device is None or device.confirmed_at is not None:
        return redirect("account_security")
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            codes = totp_enrol_confirm(user=user, code=form.cleaned_data["code"])
        except TraseuError as error:
            _add_error(form, error)
        else:
            context = {"codes": codes, "first_time": True}
            return render(request, "security/recovery_codes.html", context)
    uri = selectors.provisioning_uri(device)
    context = {
        "form": form,
        "uri": uri,
        "qr": selectors.qr_svg(uri),
        "secret": selectors.grouped_secret(device.secret),
    }
    return _page(request, "security/setup.html", context, form)


def _throttled(request: HttpRequest, form: Form, call: Callable[[], list[str]]) -> list[str] | None:
    """Run ``call`` (which checks a second factor) under the sign-in throttle: a wrong code
    counts as a failed sign-in, so a borrowed session cannot try codes without end."""
    throttle = throttle_for(request, _user(request).get_username())
    wait = throttle.wait()
    if wait:
        form.add_error(None, lockout_message(wait))
        return None
    try:
        return call()
    except TraseuError as error:
        locked = throttle.failed()
        if locked:
            form.add_error(None, lockout_message(locked))
        else:
            _add_error(form, error)
        return None


@sensitive_post_parameters("code")
@login_required
@never_cache
@require_POST
def recovery_regenerate(request: HttpRequest) -> HttpResponse:
    form = RegenerateForm(request.POST)
    if form.is_valid():
        code = form.cleaned_data["code"]
        codes = _throttled(
            request, form, lambda: recovery_codes_regenerate(user=_user(request), code=code)
        )
        if codes is not None:
            return render(request, "security/recovery_codes.html", {"codes": codes})
    return _rejected(request, regenerate_form=form)


@sensitive_post_parameters("password", "code")
@login_required
@never_cache
@require_POST
def totp_off(request: HttpRequest) -> HttpResponse:
    form = DisableForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data

        def disable() -> list[str]:
            totp_disable(user=_user(request), password=data["password"], code=data["code"])
            return []

        if _throttled(request, form, disable) is not None:
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("account_security")
    return _rejected(request, disable_form=form)


def _rejected(request: HttpRequest, **forms: Form) -> HttpResponse:
    """The security page again, with the refused form's errors (status 422)."""
    user = _user(request)
    context: dict[str, Any] = {
        "enabled": selectors.second_factor_required(user),
        "codes_left": selectors.recovery_codes_left(user),
        "disable_form": DisableForm(),
        "regenerate_form": RegenerateForm(),
        **forms,
    }
    return render(request, "security/account.html", context, status=422)
