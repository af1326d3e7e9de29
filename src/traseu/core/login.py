"""The sign-in form and page, with the throttle of :mod:`traseu.core.throttle` in front.

The form refuses a locked username or IP before it checks any password, and counts every
failure; the message for a wrong password is Django's, the same whether the user exists or not.
A successful sign-in clears the username's failures only once the user is signed in (with two-
factor sign-in, after the code), so knowing the password does not reset the count of wrong codes.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from traseu.core.throttle import LoginThrottle, throttle_for


def lockout_message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing attempts while the username or the IP is locked."""

    request: HttpRequest

    def clean(self) -> dict[str, Any]:
        username = str(self.data.get("username", ""))
        throttle = throttle_for(self.request, username)
        wait = throttle.wait()
        if wait:
            raise forms.ValidationError(lockout_message(wait), code="throttled")
        try:
            return super().clean()
        except forms.ValidationError:
            self._failed(throttle)
            raise

    @staticmethod
    def _failed(throttle: LoginThrottle) -> None:
        locked = throttle.failed()
        if locked:
            raise forms.ValidationError(lockout_message(locked), code="throttled")


class ThrottledLoginView(LoginView):
    """The sign-in page with the throttled form."""

    form_class = ThrottledAuthenticationForm

    def form_valid(self, form: Any) -> HttpResponse:
        """Signed in: forget the username's failures (a second step does this itself)."""
        throttle_for(self.request, form.get_user().get_username()).succeeded()
        return super().form_valid(form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["title"] = _("Sign in")
        return context
