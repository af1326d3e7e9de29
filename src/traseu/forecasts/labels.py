"""What people read for the models' features and reasons, in the active language."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from traseu.crm.models import ActivityType

STATUS = {
    "unknown": gettext_lazy("Unknown"),
    "weak": gettext_lazy("Weak"),
    "partial": gettext_lazy("Partial"),
    "confirmed": gettext_lazy("Confirmed"),
    "disqualifying": gettext_lazy("Disqualifying"),
}
GROUPS = {
    "stage": gettext_lazy("Stage"),
    "days_in_stage": gettext_lazy("Days in stage"),
    "age": gettext_lazy("Deal age (days)"),
    "amount": gettext_lazy("Amount"),
    "source": gettext_lazy("Source"),
    "industry": gettext_lazy("Industry"),
    "country": gettext_lazy("Country"),
    "employees": gettext_lazy("Employees"),
    "revenue": gettext_lazy("Annual revenue"),
    "is_customer": gettext_lazy("Existing customer"),
    "team": gettext_lazy("Team"),
}
METHODS = {
    "designed": gettext_lazy("Designed"),
    "stage": gettext_lazy("Stage history"),
    "baseline": gettext_lazy("Baseline (naive Bayes)"),
    "model": gettext_lazy("Model"),
}
CATEGORIES = {
    "closed": gettext_lazy("Closed"),
    "commit": gettext_lazy("Commit"),
    "best_case": gettext_lazy("Best case"),
    "pipeline": gettext_lazy("Pipeline"),
    "omitted": gettext_lazy("Omitted"),
}


def group_label(group: str) -> str:
    """``answer:bant.budget`` -> "Qualification: bant.budget"; ``activities:call`` -> "Calls
    done"; ``custom:tier`` -> "Custom: tier"; the rest from GROUPS."""
    kind, _sep, name = group.partition(":")
    if kind == "answer":
        return _("Qualification: %(question)s") % {"question": name}
    if kind == "activities":
        label = ActivityType(name).label if name in ActivityType.values else name
        return _("Activities: %(type)s") % {"type": label}
    if kind == "custom":
        return _("Custom: %(key)s") % {"key": name}
    return str(GROUPS.get(group, group))


def value_label(group: str, value: str) -> str:
    if group.startswith("answer:"):
        return str(STATUS.get(value, value))
    if group == "is_customer":
        return _("yes") if value == "true" else _("no")
    if value == "(none)":
        return _("none")
    if value == "(other)":
        return _("other")
    return value


def method_label(method: str) -> str:
    return str(METHODS.get(method, method))


def category_label(category: str) -> str:
    return str(CATEGORIES.get(category, category))
