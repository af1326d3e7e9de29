from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from traseu.core.models import User
from traseu.process import icp as icp_core
from traseu.process.errors import ProcessDocumentError
from traseu.prospecting.fit import icp_apply_text
from traseu.prospecting.models import (
    AccountFit,
    IdealCustomerProfile,
    Prospect,
    ProspectList,
)


class ProfileAdminForm(forms.ModelForm[IdealCustomerProfile]):
    """The profile is edited as its YAML; it is checked (every problem, with its line) before
    :func:`icp_apply_text` stores it and rescores the accounts."""

    class Meta:
        model = IdealCustomerProfile
        fields = ("source",)
        widgets = {"source": forms.Textarea({"rows": 30, "cols": 100, "class": "vLargeTextField"})}

    def clean_source(self) -> str:
        text: str = self.cleaned_data["source"]
        try:
            definition = icp_core.load_text(text)
        except ProcessDocumentError as error:
            raise ValidationError([str(problem) for problem in error.problems]) from error
        if self.instance.pk and definition.key != self.instance.key:
            raise ValidationError(
                _("The key cannot change (it is %(key)s); add a new profile instead."),
                params={"key": self.instance.key},
            )
        taken = IdealCustomerProfile.objects.filter(key=definition.key)
        if not self.instance.pk and taken.exists():
            raise ValidationError(
                _("A profile %(key)s exists already; change that one."),
                params={"key": definition.key},
            )
        return text


def _publisher(request: HttpRequest) -> bool:
    user = request.user
    return isinstance(user, User) and user.may_publish_processes


@admin.register(IdealCustomerProfile)
class IdealCustomerProfileAdmin(admin.ModelAdmin[IdealCustomerProfile]):
    form = ProfileAdminForm
    list_display = ("name", "key", "version", "updated_at", "updated_by")
    readonly_fields = ("key", "name", "description", "version", "digest", "updated_at")
    fields = ("key", "name", "description", "version", "source", "digest", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and _publisher(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and _publisher(request)

    def save_model(
        self, request: HttpRequest, obj: IdealCustomerProfile, form: Any, change: bool
    ) -> None:
        user = request.user if isinstance(request.user, User) else None
        result = icp_apply_text(text=form.cleaned_data["source"], acting_user=user)
        obj.pk = result.profile.pk
        obj.refresh_from_db()


@admin.register(AccountFit)
class AccountFitAdmin(admin.ModelAdmin[AccountFit]):
    """Scores are computed, never typed: the admin shows them."""

    list_display = ("account", "profile", "score", "computed_at")
    list_filter = ("profile",)
    search_fields = ("account__name",)
    list_select_related = ("account", "profile")
    readonly_fields = ("account", "profile", "score", "explanation", "digest", "computed_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ProspectList)
class ProspectListAdmin(admin.ModelAdmin[ProspectList]):
    list_display = ("name", "profile", "owner", "team", "created_at")
    list_filter = ("profile", "team")
    search_fields = ("name",)


@admin.register(Prospect)
class ProspectAdmin(admin.ModelAdmin[Prospect]):
    list_display = ("company_name", "domain", "prospect_list", "status", "fit_score", "account")
    list_filter = ("status", "prospect_list")
    search_fields = ("company_name", "domain", "contact_email")
    list_select_related = ("prospect_list", "account")
    raw_id_fields = ("account", "deal")
    readonly_fields = ("name_key", "dedupe_key", "fit_score", "fit_explanation", "matched_by")
