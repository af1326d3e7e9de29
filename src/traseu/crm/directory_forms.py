"""Forms of the accounts and contacts pages: they parse what people type; the services decide.

Checks the services already make (a two-letter country, a contact's last name or e-mail) are
left to them, so the web, the API and imports refuse the same input with the same message.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from traseu.core.errors import InvalidInput
from traseu.core.models import User
from traseu.crm.access import accounts_writable_by
from traseu.crm.lists import AccountFilters, ContactFilters
from traseu.crm.models import Account

CUSTOMER_CHOICES = [("", _("Any")), ("yes", _("Customers")), ("no", _("Not customers"))]


class AccountForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Name"))
    domain = forms.CharField(
        max_length=200, required=False, label=_("Web domain"), help_text=_("For example acme.ro")
    )
    industry = forms.CharField(max_length=100, required=False, label=_("Industry"))
    employees = forms.IntegerField(min_value=0, required=False, label=_("Employees"))
    annual_revenue = forms.DecimalField(
        min_value=0, max_digits=16, decimal_places=2, required=False, label=_("Annual revenue")
    )
    # The service checks the code itself (two letters), with a message that names the value.
    country = forms.CharField(
        max_length=60, required=False, label=_("Country"), help_text=_("Two-letter code, e.g. RO")
    )
    is_customer = forms.BooleanField(required=False, label=_("Existing customer"))


class ContactForm(forms.Form):
    first_name = forms.CharField(max_length=100, required=False, label=_("First name"))
    last_name = forms.CharField(max_length=100, required=False, label=_("Last name"))
    email = forms.EmailField(required=False, label=_("E-mail"))
    phone = forms.CharField(max_length=40, required=False, label=_("Phone"))
    job_title = forms.CharField(max_length=120, required=False, label=_("Job title"))
    account = forms.ModelChoiceField(
        queryset=Account.objects.none(),
        required=False,
        label=_("Account"),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only accounts the user may add contacts to are offered (or accepted).
        field = self.fields["account"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = accounts_writable_by(user).only("pk", "name").order_by("name")


def add_service_error(form: forms.Form, error: InvalidInput) -> None:
    """Show a service's refusal beside the field it names (or above the form)."""
    details: Any = error.details
    name = details.get("field") if isinstance(details, dict) else None
    form.add_error(name if name in form.fields else None, error.message)


def _text(data: Any, name: str, limit: int = 200) -> str:
    return str(data.get(name, "") or "").strip()[:limit]


def account_filters(data: Any) -> AccountFilters:
    """The account list's filters from a query string; unknown values filter nothing."""
    customer = {"yes": True, "no": False}.get(_text(data, "customer"))
    return AccountFilters(
        search=_text(data, "q"),
        industry=_text(data, "industry", 100),
        country=_text(data, "country", 2),
        customer=customer,
    )


def contact_filters(data: Any) -> ContactFilters:
    account = _text(data, "account", 12)
    return ContactFilters(
        search=_text(data, "q"), account=int(account) if account.isdigit() else None
    )
