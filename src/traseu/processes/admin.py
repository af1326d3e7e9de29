from typing import Any

from django.contrib import admin

from traseu.processes.models import Process, ProcessVersion


class ProcessVersionInline(admin.TabularInline[ProcessVersion, Any]):
    model = ProcessVersion
    fields = ("number", "name", "language", "currency", "digest", "created_at", "created_by")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin[Process]):
    list_display = ("key", "created_at")
    inlines = [ProcessVersionInline]


@admin.register(ProcessVersion)
class ProcessVersionAdmin(admin.ModelAdmin[ProcessVersion]):
    """Versions are immutable: the admin shows them but edits nothing."""

    list_display = ("process", "number", "name", "language", "created_at")
    list_filter = ("process", "language")
    readonly_fields = (
        "process",
        "number",
        "name",
        "language",
        "currency",
        "digest",
        "document",
        "source",
        "created_at",
        "created_by",
    )

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
