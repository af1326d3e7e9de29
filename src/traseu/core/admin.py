from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from traseu.core.models import Team, User


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
    list_display = ("name", "created_at")
    search_fields = ("name",)
