"""The load benchmark's URLconf: every Traseu route, plus ``/bench/bare-deals/``: the same 50
deal rows as ``GET /api/v1/deals/?limit=50``, read with ``.values()`` and sent with
``JsonResponse``: no authentication, no permissions, no schema. The baseline of bench/load.py."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

FIELDS = (
    "id",
    "title",
    "account_id",
    "account__name",
    "owner_id",
    "owner__username",
    "team__name",
    "process_version__process__key",
    "process_version__number",
    "stage",
    "status",
    "lost_reason",
    "amount",
    "currency",
    "expected_close",
    "probability",
    "source",
    "custom",
    "stage_entered_at",
    "created_at",
    "closed_at",
    "updated_at",
    "version",
)


def bare_deals(request: HttpRequest) -> JsonResponse:
    from traseu.crm.models import Deal

    rows = list(Deal.objects.order_by("-created_at", "-pk").values(*FIELDS)[:50])
    return JsonResponse({"items": rows, "next_cursor": None})


urlpatterns = [path("bench/bare-deals/", bare_deals), path("", include("traseu.urls"))]
