"""Template filters of the report pages: table cells as text, status codes as words."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from traseu.analytics.tables import Table, show

register = template.Library()


@register.filter
def cells_of(row: dict[str, Any], table: Table) -> list[dict[str, Any]]:
    """The row's cells in column order: the column, the value as text, the raw value."""
    return [
        {"column": column, "text": show(column.kind, value), "raw": value}
        for column, value in table.cells(row)
    ]


@register.filter
def status_label(code: str) -> str:
    labels = {
        "met": _("met"),
        "missed": _("missed"),
        "no_data": _("no data"),
        "not_measured": _("not measured"),
        "open": _("open"),
        "won": _("won"),
        "lost": _("lost"),
    }
    return labels.get(code, code)


@register.filter
def meta_label(key: str) -> str:
    labels = {
        "process": _("process"),
        "versions": _("versions"),
        "since": _("from"),
        "until": _("to"),
        "deals": _("deals"),
        "won": _("won"),
        "lost": _("lost"),
        "open": _("open"),
        "conformant": _("conformant"),
        "stalled": _("stalled"),
        "idle_days": _("idle days"),
        "months": _("months"),
    }
    return labels.get(key, key)
