"""Forms of the deal page's panels: parsing and field errors only; the rules live in services.

Choice-like fields (activity type, qualification status, buying role, document status) are
plain text fields drawn as selects: the service decides what is valid, so a tampered value gets
the service's own message beside the field instead of a generic "not a valid choice".
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.validators import validate_slug
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from traseu.crm.dealpage import (
    QUALIFICATION_STATUS_LABELS,
    DealPage,
    account_contacts_off_deal,
    document_kinds,
    document_label,
)
from traseu.crm.models import Account, ActivityType, BuyingRole, Contact, Deal, DocumentStatus
from traseu.crm.qualification_panel import question_label, shown_framework
from traseu.process.definition import QUALIFICATION_FRAMEWORKS
from traseu.processes.selectors import process_definition

Choices = Sequence[tuple[str, str]]


class TextSelect(forms.CharField):
    """Text drawn as a select whose options the form sets; any text is accepted here."""

    widget = forms.Select

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {}  # no maxlength on a select


class PanelForm(forms.Form):
    """A panel's form: element ids carry the panel's name, so several forms share one page."""

    id_prefix = "f"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)

    def add_service_error(self, field: str | None, message: str) -> None:
        """Show a service's error beside its field (or above the form for unknown fields)."""
        self.add_error(field if field in self.fields else None, message)


class DetailsForm(PanelForm):
    id_prefix = "details"
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(max_length=200, label=_("Title"))
    amount = forms.CharField(
        required=False,
        max_length=40,
        label=_("Amount"),
        widget=forms.TextInput({"inputmode": "decimal"}),
    )
    expected_close = forms.DateField(
        required=False,
        label=_("Expected close"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    source = forms.CharField(required=False, max_length=100, label=_("Source"))
    industry = forms.CharField(required=False, max_length=100, label=_("Industry"))
    country = forms.CharField(
        required=False, max_length=60, label=_("Country"), help_text=_("Two letters, e.g. RO.")
    )
    employees = forms.IntegerField(required=False, min_value=0, label=_("Employees"))

    @classmethod
    def for_deal(cls, deal: Deal) -> DetailsForm:
        account = deal.account
        return cls(
            initial={
                "version": deal.version,
                "title": deal.title,
                "amount": "" if deal.amount is None else str(deal.amount),
                "expected_close": deal.expected_close,
                "source": deal.source,
                "industry": account.industry,
                "country": account.country,
                "employees": account.employees,
            }
        )

    def deal_changes(self, deal: Deal) -> dict[str, Any]:
        """The deal fields the person changed (the amount as typed: the service parses it)."""
        data = self.cleaned_data
        changes: dict[str, Any] = {}
        if data["title"].strip() != deal.title:
            changes["title"] = data["title"]
        if not _same_amount(data["amount"], deal.amount):
            changes["amount"] = data["amount"]
        if data["expected_close"] != deal.expected_close:
            changes["expected_close"] = data["expected_close"]
        if data["source"].strip() != deal.source:
            changes["source"] = data["source"].strip()
        return changes

    def account_changes(self, account: Account) -> dict[str, Any]:
        data = self.cleaned_data
        wanted = {
            "industry": data["industry"].strip(),
            "country": data["country"].strip(),
            "employees": data["employees"],
        }
        return {name: value for name, value in wanted.items() if getattr(account, name) != value}


def _same_amount(typed: str, current: Decimal | None) -> bool:
    typed = typed.strip()
    if not typed:
        return current is None
    try:
        return current is not None and Decimal(typed) == current
    except InvalidOperation:
        return False  # not a number: let the service say so


class ActivityForm(PanelForm):
    id_prefix = "activity"
    type = TextSelect(max_length=20, label=_("Type"))
    subject = forms.CharField(required=False, max_length=200, label=_("Subject"))
    notes = forms.CharField(
        required=False, max_length=10000, label=_("Notes"), widget=forms.Textarea({"rows": 3})
    )
    technique = TextSelect(required=False, max_length=63, label=_("Technique used"))

    def __init__(
        self, *args: Any, types: Choices = (), techniques: Choices = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].widget.choices = list(types)
        self.fields["technique"].widget.choices = [
            ("", _("None")),
            *techniques,
        ]
        self.technique_keys = {key for key, _label in techniques}

    def clean_technique(self) -> str:
        technique: str = self.cleaned_data.get("technique", "")
        if technique and technique not in self.technique_keys:
            raise forms.ValidationError(
                _("'%(technique)s' is not a technique of this stage."),
                params={"technique": technique},
            )
        return technique


class QualificationForm(PanelForm):
    id_prefix = "qualification"
    # Any text: the service refuses a framework it does not know, beside this field.
    framework = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    criterion = forms.ChoiceField(label=_("Question"), choices=())
    status = TextSelect(max_length=20, label=_("Status"))
    note = forms.CharField(
        required=False, max_length=5000, label=_("Note"), widget=forms.Textarea({"rows": 2})
    )
    evidence = forms.CharField(
        required=False,
        max_length=5000,
        label=_("Evidence"),
        help_text=_("What the answer rests on: an e-mail, a meeting, a document."),
        widget=forms.Textarea({"rows": 2}),
    )

    def __init__(
        self, *args: Any, questions: Choices = (), statuses: Choices = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["criterion"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = list(questions) or [(q, q) for q in QUALIFICATION_FRAMEWORKS["bant"]]
        self.fields["status"].widget.choices = list(statuses)


class ContactAddForm(PanelForm):
    """Put a contact on the deal: one of the account's contacts, or a new one."""

    id_prefix = "contact"
    contact = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label=_("Existing contact"), choices=()
    )
    first_name = forms.CharField(required=False, max_length=100, label=_("First name"))
    last_name = forms.CharField(required=False, max_length=100, label=_("Last name"))
    email = forms.EmailField(required=False, label=_("E-mail"))
    phone = forms.CharField(required=False, max_length=40, label=_("Phone"))
    job_title = forms.CharField(required=False, max_length=120, label=_("Job title"))
    role = TextSelect(max_length=20, label=_("Buying role"))

    def __init__(
        self, *args: Any, contacts: Choices = (), roles: Choices = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["contact"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("A new contact")), *contacts]
        self.fields["role"].widget.choices = list(roles)

    def new_contact(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            name: data[name] for name in ("first_name", "last_name", "email", "phone", "job_title")
        }


class ContactRoleForm(PanelForm):
    id_prefix = "contact-role"
    role = forms.CharField(max_length=20, label=_("Buying role"))


class DocumentForm(PanelForm):
    id_prefix = "document"
    kind = TextSelect(max_length=40, label=_("Document"), validators=[validate_slug])
    title = forms.CharField(required=False, max_length=200, label=_("Title"))
    status = TextSelect(max_length=20, label=_("Status"))
    link = forms.URLField(required=False, max_length=200, label=_("Link"), assume_scheme="https")

    def __init__(
        self, *args: Any, kinds: Choices = (), statuses: Choices = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.choices = list(kinds)
        self.fields["status"].widget.choices = list(statuses)


# Builders: the same ones serve the page (unbound) and the POSTs (bound), so choices match.


def activity_form(deal: Deal, data: QueryDict | None = None) -> ActivityForm:
    definition = process_definition(deal.process_version)
    techniques = [(t.key, t.name) for t in definition.techniques_for(deal.stage)]
    types = [(t.value, str(t.label)) for t in ActivityType if t is not ActivityType.TASK]
    return ActivityForm(data, types=types, techniques=techniques, initial={"type": "call"})


def qualification_form(
    deal: Deal, data: QueryDict | None = None, framework: str | None = None
) -> QualificationForm:
    """The answer form for ``framework`` (posted, or else the process's framework)."""
    wanted = framework or (data.get("framework") if data is not None else None)
    shown = shown_framework(wanted, process_definition(deal.process_version))
    questions = [(key, question_label(shown, key)) for key in shown]
    statuses = [(key, str(label)) for key, label in QUALIFICATION_STATUS_LABELS.items()]
    return QualificationForm(
        data, questions=questions, statuses=statuses, initial={"framework": shown.key}
    )


def contact_form(
    deal: Deal, data: QueryDict | None = None, contacts: Sequence[Contact] | None = None
) -> ContactAddForm:
    contacts = account_contacts_off_deal(deal) if contacts is None else contacts
    return ContactAddForm(
        data,
        contacts=[(str(c.pk), str(c)) for c in contacts],
        roles=[(r.value, str(r.label)) for r in BuyingRole],
        initial={"role": BuyingRole.DECISION_MAKER},
    )


def document_form(deal: Deal, data: QueryDict | None = None) -> DocumentForm:
    kinds = document_kinds(process_definition(deal.process_version))
    return DocumentForm(
        data,
        kinds=[(kind, document_label(kind)) for kind in kinds],
        statuses=[(s.value, str(s.label)) for s in DocumentStatus],
    )


def page_forms(page: DealPage, bound: dict[str, PanelForm]) -> dict[str, PanelForm]:
    """Every panel's form for the page; ``bound`` (a refused form, with errors) replaces one."""
    deal = page.deal
    forms: dict[str, PanelForm] = {
        "details": DetailsForm.for_deal(deal),
        "activities": activity_form(deal),
        "qualification": qualification_form(deal, framework=page.qualification_panel.framework.key),
        "contacts": contact_form(deal, contacts=page.other_contacts),
        "documents": document_form(deal),
    }
    return {**forms, **bound}
