"""The audit trail in the admin: readable and searchable, never editable."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from traseu.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    list_display = ("at", "actor", "via", "action", "object_type", "object_id", "object_label")
    list_filter = ("via", "action", "object_type")
    search_fields = ("object_label", "actor__username", "request_id", "token_prefix")
    date_hierarchy = "at"
    list_select_related = ("actor",)
    readonly_fields = [field.name for field in AuditEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
