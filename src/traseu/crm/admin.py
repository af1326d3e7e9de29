from typing import Any

from django.contrib import admin

from traseu.crm.models import (
    Account,
    Activity,
    Contact,
    Deal,
    DealContact,
    DealDocument,
    QualificationAnswer,
    StageChange,
    TimelineEvent,
)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin[Account]):
    list_display = (
        "name",
        "domain",
        "industry",
        "country",
        "employees",
        "is_customer",
        "owner",
        "account_manager",
    )
    list_filter = ("is_customer", "industry", "country")
    raw_id_fields = ("owner", "account_manager")
    search_fields = ("name", "domain")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin[Contact]):
    list_display = ("last_name", "first_name", "email", "job_title", "account")
    search_fields = ("last_name", "first_name", "email")
    list_select_related = ("account",)


class DealContactInline(admin.TabularInline[DealContact, Any]):
    model = DealContact
    extra = 0
    autocomplete_fields = ("contact",)


class StageChangeInline(admin.TabularInline[StageChange, Any]):
    """History is written by the transition service only; the admin reads it."""

    model = StageChange
    extra = 0
    can_delete = False
    fields = (
        "changed_at",
        "from_stage",
        "to_stage",
        "kind",
        "duration",
        "actor",
        "reason",
        "overridden",
    )
    readonly_fields = fields

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin[Deal]):
    """Deals are edited here, but the stage only moves through the transition service."""

    list_display = (
        "title",
        "account",
        "owner",
        "stage",
        "status",
        "amount",
        "currency",
        "expected_close",
    )
    list_filter = ("status", "process_version", "stage", "owner")
    search_fields = ("title", "account__name")
    list_select_related = ("account", "owner")
    readonly_fields = (
        "stage",
        "status",
        "probability",
        "stage_entered_at",
        "closed_at",
        "lost_reason",
        "process_version",
        "created_at",
        "version",
    )
    inlines = [DealContactInline, StageChangeInline]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin[Activity]):
    list_display = ("subject", "type", "deal", "owner", "due_at", "done", "stage")
    list_filter = ("type", "done")
    search_fields = ("subject",)
    list_select_related = ("deal", "owner")


@admin.register(DealDocument)
class DealDocumentAdmin(admin.ModelAdmin[DealDocument]):
    list_display = ("title", "kind", "status", "deal", "updated_at")
    list_filter = ("kind", "status")


@admin.register(QualificationAnswer)
class QualificationAnswerAdmin(admin.ModelAdmin[QualificationAnswer]):
    list_display = ("deal", "framework", "criterion", "status", "answered_at", "answered_by")
    list_filter = ("framework", "criterion", "status")


@admin.register(StageChange)
class StageChangeAdmin(admin.ModelAdmin[StageChange]):
    list_display = (
        "deal",
        "from_stage",
        "to_stage",
        "kind",
        "changed_at",
        "duration",
        "actor",
        "overridden",
    )
    list_filter = ("kind", "overridden")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin[TimelineEvent]):
    list_display = ("deal", "kind", "at", "actor")
    list_filter = ("kind",)

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
