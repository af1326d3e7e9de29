"""The audit pages: the whole trail (filtered) and one deal's trail, for managers and admins."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from traseu.apikit.pagination import paginate
from traseu.audit.forms import OBJECT_TYPES, AuditFilterForm
from traseu.audit.models import AuditEntry
from traseu.audit.selectors import AUDIT_SORT_KEYS, audit_entries, require_auditor
from traseu.core.models import User
from traseu.crm.access import deal_for
from traseu.crm.models import Deal

PER_PAGE = 50
TYPE_LABELS: dict[str, Any] = dict(OBJECT_TYPES)
VALUE_CHARS = 160
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str
    created: bool


def _shown(value: Any) -> str:
    """A stored JSON value as people read it: times local to the minute, yes/no, ∅ for none."""
    if value is None or value == "":
        return "∅"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, str) and ISO_TIME.match(value):
        moment = parse_datetime(value)
        if moment is not None and timezone.is_aware(moment):
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def changes(entry: AuditEntry) -> list[Change]:
    """The changed fields of an entry, in the order they were recorded."""
    names = list(dict.fromkeys([*entry.before, *entry.after]))
    return [
        Change(
            field=name,
            before=_shown(entry.before.get(name, "")),
            after=_shown(entry.after.get(name, "")),
            created=name not in entry.before,
        )
        for name in names
    ]


def _signed_in(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _page(request: HttpRequest, deal: Deal | None) -> HttpResponse:
    user = _signed_in(request)
    form = AuditFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()  # errors are shown beside their fields; valid fields still filter
    rows = audit_entries(user=user, filters=form.filters(deal_id=deal.pk if deal else None))
    cursor = request.GET.get("cursor") or None
    page = paginate(rows, sort="-at", keys=AUDIT_SORT_KEYS, cursor=cursor, limit=PER_PAGE)
    query = {k: v for k, v in request.GET.items() if k != "cursor" and v}
    context = {
        "deal": deal,
        "form": form,
        "entries": [
            (entry, TYPE_LABELS.get(entry.object_type, entry.object_type), changes(entry))
            for entry in page.items
        ],
        "first_page": urlencode(query),
        "next_page": urlencode({**query, "cursor": page.next_cursor}) if page.next_cursor else "",
        "paged": bool(cursor),
    }
    return render(request, "audit/log.html", context)


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    require_auditor(_signed_in(request))
    return _page(request, None)


@login_required
@require_GET
def audit_deal(request: HttpRequest, deal_id: int) -> HttpResponse:
    user = _signed_in(request)
    require_auditor(user)
    return _page(request, deal_for(user, deal_id))


urlpatterns: list[URLPattern] = [
    path("audit/", audit_log, name="audit"),
    path("audit/deal/<int:deal_id>/", audit_deal, name="audit_deal"),
]
