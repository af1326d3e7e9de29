"""The filters of the audit page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from traseu.audit.models import Action, Via
from traseu.audit.selectors import AuditFilters, day_start

OBJECT_TYPES = (
    ("deal", _("Deal")),
    ("account", _("Account")),
    ("contact", _("Contact")),
    ("activity", _("Activity or task")),
    ("deal_contact", _("Contact on a deal")),
    ("deal_document", _("Deal document")),
    ("qualification_answer", _("Qualification answer")),
    ("process_version", _("Process version")),
    ("user", _("User")),
    ("access_token", _("Access token")),
)
ANY: list[tuple[str, Any]] = [("", _("Any"))]


class AuditFilterForm(forms.Form):
    object_type = forms.ChoiceField(
        label=_("Record type"), choices=ANY + list(OBJECT_TYPES), required=False
    )
    object_id = forms.IntegerField(label=_("Record id"), min_value=1, required=False)
    actor = forms.CharField(label=_("Who (username)"), max_length=150, required=False)
    via = forms.ChoiceField(label=_("Via"), choices=ANY + list(Via.choices), required=False)
    action = forms.ChoiceField(
        label=_("Action"), choices=ANY + list(Action.choices), required=False
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def filters(self, *, deal_id: int | None = None) -> AuditFilters:
        """The filters from the fields that are valid (an invalid field does not filter)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        since: dt.date | None = data.get("since")
        until: dt.date | None = data.get("until")
        return AuditFilters(
            object_type=data.get("object_type") or "",
            object_id=data.get("object_id"),
            deal_id=deal_id,
            actor=(data.get("actor") or "").strip(),
            via=data.get("via") or "",
            action=data.get("action") or "",
            since=day_start(since) if since else None,
            until=day_start(until + dt.timedelta(days=1)) if until else None,
        )
