"""Sign-in with a second factor, and the account's security page (``/account/security/``).

Signing in as a user with two-factor sign-in on takes two steps: the password page (throttled,
:mod:`traseu.core.login`) keeps the user as *pending* in the session, without signing in; the
code page then signs in. The code page is throttled like the password: a wrong code counts as a
failed attempt for the username and the IP, and the username's failures are forgotten only
when the whole sign-in succeeds.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from traseu.core.errors import TraseuError
from traseu.core.login import ThrottledLoginView, lockout_message
from traseu.core.models import User
from traseu.core.throttle import throttle_for
from traseu.security.forms import SignInCodeForm
from traseu.security.selectors import second_factor_required
from traseu.security.services import second_factor_verify

PENDING = "traseu.security.pending"
PENDING_SECONDS = 300  # time to type the code after the password


class SignInView(ThrottledLoginView):
    """The password step; users with two-factor sign-in on go on to the code step."""

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not second_factor_required(user):
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "at": time.time(),
        }
        return HttpResponseRedirect(reverse("login_code"))


def _pending_user(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user_id = pending.get("user")
    if not isinstance(user_id, int):
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return (user, pending) if user is not None else None


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step: the authenticator's code (or a recovery code), then signed in."""
    found = _pending_user(request)
    if found is None:
        request.session.pop(PENDING, None)
        return redirect(settings.LOGIN_URL)
    user, pending = found
    form = SignInCodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        throttle = throttle_for(request, user.get_username())
        wait = throttle.wait()
        if wait:
            form.add_error(None, lockout_message(wait))
        else:
            try:
                second_factor_verify(user=user, code=form.cleaned_data["code"])
            except TraseuError as error:
                locked = throttle.failed()
                form.add_error(None, lockout_message(locked) if locked else error.message)
            else:
                throttle.succeeded()
                del request.session[PENDING]
                login(request, user, backend=pending["backend"])
                return HttpResponseRedirect(pending["next"])
    status = 422 if form.errors else 200
    return render(request, "security/login_code.html", {"form": form}, status=status)


def admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin's sign-in, sent to the one sign-in page (throttled, with the second factor)."""
    target = request.GET.get("next") or reverse("admin:index")
    return redirect_to_login(target, settings.LOGIN_URL)
