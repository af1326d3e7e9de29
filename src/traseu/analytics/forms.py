"""The filters every report page shares: process, period, and the stalled report's idle days."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from traseu.analytics.stalled import IDLE_DAYS


class DateInput(forms.DateInput):
    input_type = "date"


class ReportFilters(forms.Form):
    process = forms.ChoiceField(label=_("Process"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput)
    until = forms.DateField(label=_("To"), required=False, widget=DateInput)
    idle_days = forms.IntegerField(
        label=_("Idle days"), required=False, min_value=0, max_value=365, initial=IDLE_DAYS
    )

    def __init__(
        self, *args: Any, processes: list[tuple[str, str]], idle: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["process"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Busiest process")), *processes]
        if not idle:
            del self.fields["idle_days"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the period comes before its start."))
        return data
