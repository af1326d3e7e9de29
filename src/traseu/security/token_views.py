"""The "API tokens" page (user menu): create a personal access token (shown once), list and
revoke one's own tokens; administrators see and revoke everyone's.

The services are :mod:`traseu.core.tokens`, shared with the command line and the admin.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from traseu.core.errors import NotFound, TraseuError
from traseu.core.models import TokenScope, User
from traseu.core.tokens import token_create, token_revoke, token_state, tokens_manageable_by

TEMPLATE = "security/tokens.html"
EXPIRY_CHOICES = [
    ("30", gettext_lazy("30 days")),
    ("90", gettext_lazy("90 days")),
    ("365", gettext_lazy("1 year")),
    ("0", gettext_lazy("Never")),
]


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label=gettext_lazy("Name"),
        help_text=gettext_lazy("What the token is for, e.g. 'Spreadsheet export'."),
    )
    scope = forms.ChoiceField(
        choices=TokenScope.choices, initial=TokenScope.READ, label=gettext_lazy("Scope")
    )
    expires = forms.ChoiceField(
        choices=EXPIRY_CHOICES, initial="90", label=gettext_lazy("Expires after")
    )


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every view here is behind login_required
    return user


def _page(request: HttpRequest, form: TokenForm, **extra: Any) -> HttpResponse:
    user = _user(request)
    now = timezone.now()
    tokens = [(token, token_state(token, now=now)) for token in tokens_manageable_by(user)[:200]]
    sees_all = user.is_superuser or user.role == "admin"
    context = {"form": form, "tokens": tokens, "sees_all": sees_all, **extra}
    return render(request, TEMPLATE, context, status=422 if form.errors else 200)


@login_required
@never_cache  # the page that shows a new token must not be kept by any cache
@require_http_methods(["GET", "POST"])
def tokens_page(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _page(request, form)
    days = int(form.cleaned_data["expires"])
    expires_at = timezone.now() + dt.timedelta(days=days) if days else None
    try:
        token, clear = token_create(
            user=_user(request),
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_at=expires_at,
        )
    except TraseuError as error:
        field = error.details.get("field") if isinstance(error.details, dict) else None
        form.add_error(field if field in form.fields else None, error.message)
        return _page(request, form)
    return _page(request, TokenForm(), created=token, clear=clear)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = token_revoke(token_id=token_id, acting_user=_user(request))
    except NotFound as error:
        messages.error(request, error.message)
        return redirect("account_tokens")
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    return redirect("account_tokens")
