"""The webhook form of the admin page (the service validates again and has the last word)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from traseu.events.kinds import EventKind
from traseu.events.models import DeliveryStatus


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_("URL"), max_length=500, assume_scheme="https", help_text=_("http:// or https://")
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_kinds = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *DeliveryStatus.choices], required=False
    )
    webhook = forms.IntegerField(label=_("Webhook"), min_value=1, required=False)
