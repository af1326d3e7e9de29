"""Forms of the sales panels and pages: parsing and field errors only; the services decide what
is valid and their errors are shown beside the field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from traseu.sales.models import CompetitorOutcome, ContractStatus, Party


class SalesForm(forms.Form):
    id_prefix = "s"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)

    def add_service_error(self, field: str | None, message: str) -> None:
        self.add_error(field if field in self.fields else None, message)

    def data_for_service(self) -> dict[str, Any]:
        """The cleaned values without the version (text stays text: the service parses)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


def _text(label: Any, *, required: bool = False, area: bool = False, **kw: Any) -> forms.CharField:
    widget = kw.pop("widget", None) or (forms.Textarea(attrs={"rows": 2}) if area else None)
    return forms.CharField(label=label, required=required, widget=widget, **kw)


class ProductForm(SalesForm):
    id_prefix = "product"
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = _text(_("Name"), required=True, max_length=200)
    code = _text(_("Code"), required=True, max_length=60)
    unit_price = _text(_("Unit price"), required=True)
    currency = _text(_("Currency"), required=True, max_length=3, help_text="ISO 4217, e.g. EUR")
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    description = _text(_("Description"), area=True)


class ProposalNewForm(SalesForm):
    id_prefix = "proposal-new"
    title = _text(_("Title"), max_length=200)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("The deal's")), ("en", "English"), ("ro", "Română")],
        required=False,
    )

    def data_for_service(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v}


class ProposalHeaderForm(SalesForm):
    id_prefix = "proposal-header"
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = _text(_("Title"), required=True, max_length=200)
    introduction = _text(_("Introduction"), area=True)
    valid_until = _text(_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    language = forms.ChoiceField(label=_("Language"), choices=[("en", "English"), ("ro", "Română")])
    currency = _text(_("Currency"), required=True, max_length=3)


class LineForm(SalesForm):
    id_prefix = "line"
    version = forms.IntegerField(widget=forms.HiddenInput)
    product_code = _text(_("Product code"), max_length=60, help_text=_("Optional"))
    description = _text(_("Description"), max_length=500)
    quantity = _text(_("Quantity"), required=True, initial="1")
    unit_price = _text(_("Unit price"), help_text=_("Empty: the product's price"))
    discount_percent = _text(_("Discount %"), initial="0")
    tax_percent = _text(_("Tax %"), initial="0")


class StatusForm(SalesForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = _text(_("Status"), required=True)


class CompetitorAddForm(SalesForm):
    id_prefix = "competitor-add"
    competitor = _text(_("Competitor"), widget=forms.Select)
    new_name = _text(_("…or a new competitor"), max_length=200)
    offer = _text(_("Their offer"), area=True)
    price = _text(_("Their price"))
    strengths = _text(_("Strengths"), area=True)
    weaknesses = _text(_("Weaknesses"), area=True)
    likely_next_move = _text(_("Likely next move"), area=True)
    positioning = _text(_("Our positioning"), area=True)

    def widget_choices(self, choices: list[tuple[str, str]]) -> None:
        self.fields["competitor"].widget.choices = [("", "—"), *choices]


class CompetitorEditForm(SalesForm):
    id_prefix = "competitor-edit"
    version = forms.IntegerField(widget=forms.HiddenInput)
    offer = _text(_("Their offer"), area=True)
    price = _text(_("Their price"))
    strengths = _text(_("Strengths"), area=True)
    weaknesses = _text(_("Weaknesses"), area=True)
    likely_next_move = _text(_("Likely next move"), area=True)
    positioning = _text(_("Our positioning"), area=True)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CompetitorOutcome.choices)


class WinnerForm(SalesForm):
    id_prefix = "winner"
    competitor = _text(_("The competitor that won"), widget=forms.Select)


class MarketNoteForm(SalesForm):
    id_prefix = "market-note"
    text = _text(_("Market note"), required=True, area=True, max_length=5000)


class ContractForm(SalesForm):
    id_prefix = "contract"
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    terms = _text(_("Terms"), area=True)
    value = _text(_("Value"))
    currency = _text(_("Currency"), max_length=3)
    start_date = _text(_("Start"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = _text(_("End"), widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("Status"), choices=ContractStatus.choices, required=False)
    signed_on = _text(_("Signed on"), widget=forms.DateInput(attrs={"type": "date"}))

    def data_for_service(self) -> dict[str, Any]:
        data = super().data_for_service()
        return {k: v for k, v in data.items() if v != "" or k in ("terms", "value")}


class RoundForm(SalesForm):
    id_prefix = "round"
    asked_by = forms.ChoiceField(label=_("Asked by"), choices=Party.choices)
    asked = _text(_("What was asked"), required=True, area=True)
    conceded_by = forms.ChoiceField(
        label=_("Conceded by"), choices=[("", "—"), *Party.choices], required=False
    )
    conceded = _text(_("What was conceded"), area=True)
    person = _text(_("Who (person)"), max_length=200)
