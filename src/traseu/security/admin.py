"""An administrator can see who has two-factor sign-in on, and delete a user's authenticator
(when they lost both the phone and the recovery codes). The secret is never shown."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from traseu.security.models import TotpDevice


@admin.register(TotpDevice)
class TotpDeviceAdmin(admin.ModelAdmin[TotpDevice]):
    list_display = ("user", "confirmed_at", "created_at")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    fields = ("user", "confirmed_at", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TotpDevice | None = None) -> bool:
        return False
