from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from traseu.core.errors import NotFound
from traseu.core.models import AccessToken, Team, User
from traseu.core.tokens import TOKEN_PREFIX, token_create, token_revoke


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    list_display = ("username", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "teams", "is_active")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Sales team"), {"fields": ("role", "teams", "language")}),
    )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ("name", "sharing", "created_at")
    list_filter = ("sharing",)
    search_fields = ("name",)


class AccessTokenAddForm(forms.ModelForm[AccessToken]):
    class Meta:
        model = AccessToken
        fields = ("user", "name", "scope", "expires_at")

    def clean_expires_at(self) -> dt.datetime | None:
        expires_at: dt.datetime | None = self.cleaned_data.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError(_("The expiry is in the past."))
        return expires_at


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin[AccessToken]):
    """Tokens are created here (the clear token is shown once) and revoked; never edited.

    Lists show the prefix, never the secret: only its hash is stored.
    """

    list_display = (
        "name",
        "user",
        "shown_prefix",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("scope",)
    search_fields = ("name", "prefix", "user__username")
    actions = ["revoke"]
    add_fields = ("user", "name", "scope", "expires_at")
    change_fields = ("user", "name", "shown_prefix", "scope", *list_display[4:])

    @admin.display(description=_("token"))
    def shown_prefix(self, token: AccessToken) -> str:
        return f"{TOKEN_PREFIX}{token.prefix}…"

    def get_form(
        self, request: HttpRequest, obj: AccessToken | None = None, change: bool = False, **kw: Any
    ) -> Any:
        if obj is None:
            kw["form"] = AccessTokenAddForm
        return super().get_form(request, obj, change, **kw)

    def get_fields(self, request: HttpRequest, obj: AccessToken | None = None) -> Any:
        return self.add_fields if obj is None else self.change_fields

    def get_readonly_fields(self, request: HttpRequest, obj: AccessToken | None = None) -> Any:
        return () if obj is None else self.change_fields

    def save_model(self, request: HttpRequest, obj: AccessToken, form: Any, change: bool) -> None:
        if change:
            return
        token, clear = token_create(
            user=obj.user, name=obj.name, scope=obj.scope, expires_at=obj.expires_at
        )
        obj.pk, obj.prefix, obj.created_at = token.pk, token.prefix, token.created_at
        self.message_user(
            request,
            _("Copy the token now, it will not be shown again: %(token)s") % {"token": clear},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[AccessToken]) -> None:
        acting = request.user
        assert isinstance(acting, User)
        for token in queryset:
            try:
                token_revoke(token_id=token.pk, acting_user=acting)
            except NotFound:
                continue
