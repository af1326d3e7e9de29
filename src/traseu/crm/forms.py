"""Forms of the CRM pages: parsing and field errors only; the rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from traseu.core.models import Team, User
from traseu.crm.board import BoardFilters


class BoardFilterForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True), required=False, label=_("Owner")
    )
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False, label=_("Team"))
    min_amount = forms.DecimalField(required=False, min_value=0, label=_("Amount from"))
    max_amount = forms.DecimalField(required=False, min_value=0, label=_("Amount to"))
    close_from = forms.DateField(
        required=False, label=_("Closing from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    close_to = forms.DateField(
        required=False, label=_("Closing to"), widget=forms.DateInput(attrs={"type": "date"})
    )
    icp: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Ideal customer profile")
    )
    min_fit = forms.IntegerField(
        required=False, min_value=0, max_value=100, label=_("ICP fit at least")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The profiles live in the prospecting app, which builds on this one: looked up by
        # name so this module does not import it.
        profiles = apps.get_model("prospecting", "IdealCustomerProfile")
        field = self.fields["icp"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = profiles.objects.all()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("min_fit") is not None and not data.get("icp") and "icp" not in self.errors:
            self.add_error("icp", _("Choose the profile the fit is measured against."))
        low, high = data.get("min_amount"), data.get("max_amount")
        if low is not None and high is not None and low > high:
            self.add_error("max_amount", _("The upper amount is below the lower one."))
        start, end = data.get("close_from"), data.get("close_to")
        if start and end and start > end:
            self.add_error("close_to", _("The end date is before the start date."))
        return data

    def filters(self) -> BoardFilters:
        """The valid filters (an invalid form filters nothing, and shows its errors)."""
        if not self.is_valid():
            return BoardFilters()
        data = self.cleaned_data
        return BoardFilters(
            owner=data["owner"].pk if data.get("owner") else None,
            team=data["team"].pk if data.get("team") else None,
            min_amount=data.get("min_amount"),
            max_amount=data.get("max_amount"),
            close_from=data.get("close_from"),
            close_to=data.get("close_to"),
            icp=data["icp"].pk if data.get("icp") else None,
            min_fit=data.get("min_fit"),
        )


class MoveForm(forms.Form):
    to_stage = forms.CharField(max_length=63, label=_("Move to"))
    reason = forms.CharField(required=False, max_length=2000, label=_("Reason"))
    lost_reason = forms.CharField(required=False, max_length=300, label=_("Lost reason"))
    override = forms.BooleanField(required=False, label=_("Override the gate"))


class DealCreateForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Title"))
    account_name = forms.CharField(
        max_length=200,
        label=_("Account"),
        help_text=_("An existing account's exact name, or a new one."),
    )
    amount = forms.DecimalField(required=False, min_value=0, decimal_places=2, label=_("Amount"))
    expected_close = forms.DateField(
        required=False, label=_("Expected close"), widget=forms.DateInput(attrs={"type": "date"})
    )
    source = forms.CharField(required=False, max_length=100, label=_("Source"))
