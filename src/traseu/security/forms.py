"""Forms of the two-factor pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


def code_field(*, numeric: bool, focus: bool = True) -> forms.CharField:
    attrs: dict[str, str | bool] = {"autocomplete": "one-time-code", "spellcheck": "false"}
    if focus:
        attrs["autofocus"] = True
    if numeric:
        attrs |= {"inputmode": "numeric", "pattern": "[0-9 ]*"}
    return forms.CharField(
        label=_("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(attrs=attrs),
        help_text="" if numeric else _("The 6 digits of the app, or a recovery code."),
    )


class SignInCodeForm(forms.Form):
    code = code_field(numeric=False)


class ConfirmForm(forms.Form):
    code = code_field(numeric=True)


class DisableForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = code_field(numeric=False, focus=False)


class RegenerateForm(forms.Form):
    code = code_field(numeric=False, focus=False)
