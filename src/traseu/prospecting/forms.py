"""Forms of the prospecting pages: they parse what people type; the services decide.

Checks the services make (a two-letter country, an e-mail, a reason to disqualify) are left to
them, so the web and imports refuse the same input with the same message.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from traseu.core.errors import InvalidInput
from traseu.prospecting.models import IdealCustomerProfile
from traseu.prospecting.selectors import FIT_BANDS, ProspectFilters

STATUS_CHOICES = [
    ("new", _("New")),
    ("researching", _("Researching")),
    ("disqualified", _("Disqualified")),
]


def _profiles() -> Any:
    return IdealCustomerProfile.objects.only("pk", "name").order_by("name", "key")


class ListForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Name"))
    profile = forms.ModelChoiceField(
        queryset=_profiles(),
        required=False,
        label=_("Ideal customer profile"),
        empty_label=_("None"),
    )


class ProfileForm(forms.Form):
    profile = forms.ModelChoiceField(
        queryset=_profiles(),
        required=False,
        label=_("Ideal customer profile"),
        empty_label=_("None"),
    )


class ProspectForm(forms.Form):
    company_name = forms.CharField(max_length=200, required=False, label=_("Company"))
    domain = forms.CharField(
        max_length=200, required=False, label=_("Web domain"), help_text=_("For example acme.ro")
    )
    industry = forms.CharField(max_length=100, required=False, label=_("Industry"))
    employees = forms.CharField(max_length=20, required=False, label=_("Employees"))
    annual_revenue = forms.CharField(max_length=30, required=False, label=_("Annual revenue"))
    country = forms.CharField(
        max_length=60, required=False, label=_("Country"), help_text=_("Two-letter code, e.g. RO")
    )
    contact_first_name = forms.CharField(max_length=100, required=False, label=_("First name"))
    contact_last_name = forms.CharField(max_length=100, required=False, label=_("Last name"))
    contact_email = forms.CharField(max_length=254, required=False, label=_("E-mail"))
    contact_title = forms.CharField(max_length=120, required=False, label=_("Job title"))
    source = forms.CharField(max_length=100, required=False, label=_("Source"))


class StatusForm(forms.Form):
    status = forms.CharField(max_length=20, label=_("Status"))
    reason = forms.CharField(max_length=300, required=False, label=_("Reason"))


class ConvertForm(forms.Form):
    """Which process the converted prospects start in; the ticked prospects are
    :func:`chosen_prospects` (any id: one that is not in the list is reported by the service)."""

    process = forms.TypedChoiceField(coerce=int, label=_("Process"), choices=())

    def __init__(self, *args: Any, processes: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        process = self.fields["process"]
        assert isinstance(process, forms.TypedChoiceField)
        process.choices = processes


def chosen_prospects(data: Any) -> list[int]:
    """The ids of the ticked prospects (``prospect`` values), in order, without repeats."""
    values = data.getlist("prospect") if hasattr(data, "getlist") else []
    return list(dict.fromkeys(int(value) for value in values if str(value).isdigit()))


def add_service_error(form: forms.Form, error: InvalidInput) -> None:
    """Show a service's refusal beside the field it names (or above the form)."""
    details: Any = error.details
    name = details.get("field") if isinstance(details, dict) else None
    form.add_error(name if name in form.fields else None, error.message)


def _text(data: Any, name: str, limit: int = 200) -> str:
    return str(data.get(name, "") or "").strip()[:limit]


def prospect_filters(data: Any) -> ProspectFilters:
    """The list page's filters from a query string; unknown values filter nothing."""
    fit = _text(data, "fit", 3)
    existing = {"yes": True, "no": False}.get(_text(data, "existing"))
    return ProspectFilters(
        search=_text(data, "q"),
        status=_text(data, "status", 20),
        min_fit=int(fit) if fit.isdigit() and int(fit) in FIT_BANDS else None,
        existing=existing,
    )
