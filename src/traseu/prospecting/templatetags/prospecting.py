"""Template filters of the prospecting pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def fit_value(value: Any) -> str:
    """An attribute's value in a fit explanation, as people read it."""
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, int | float):
        return number_format(value, force_grouping=True)
    return str(value)


@register.filter
def fit_label(item: dict[str, Any], labels: dict[str, str] | None) -> str:
    """A criterion's description in the reader's language (the stored one if it is gone)."""
    return (labels or {}).get(item.get("key", ""), "") or str(item.get("label", ""))
