"""Import jobs and external references in the admin: to read, not to edit (the engine writes
them; an edited reference would make a re-import create duplicates)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from traseu.imports.models import ExternalRef, ImportJob


class _ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ImportJob)
class ImportJobAdmin(_ReadOnly):
    list_display = (
        "started_at",
        "kind",
        "file_name",
        "status",
        "rows_done",
        "rows_total",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "dry_run",
        "created_by",
    )
    list_filter = ("kind", "status", "dry_run")
    search_fields = ("file_name", "created_by__username")
    list_select_related = ("created_by",)


@admin.register(ExternalRef)
class ExternalRefAdmin(_ReadOnly):
    list_display = ("source", "kind", "external_id", "object_id", "updated_at")
    list_filter = ("source", "kind")
    search_fields = ("external_id",)
