"""The pipeline board, its lazy columns, deal creation, and the move endpoint pages post to."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from traseu.core.errors import TraseuError
from traseu.core.http import HtmxHttpRequest
from traseu.core.models import User
from traseu.crm.access import accounts_visible_to, deal_for, may_write, require_deal_writer
from traseu.crm.board import board_cards, board_for
from traseu.crm.checklist import checklist
from traseu.crm.forms import BoardFilterForm, DealCreateForm, MoveForm
from traseu.crm.services import account_create, deal_create
from traseu.crm.transitions import GateRejected, deal_move_to_stage
from traseu.processes.selectors import (
    process_definition,
    process_version_latest,
    process_versions_latest,
)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every view here is behind login_required
    return user


@login_required
@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    versions = process_versions_latest()
    if not versions:
        return render(request, "crm/no_process.html")
    wanted = request.GET.get("process", "")
    preferred = next((v for v in versions if v.process.key == wanted), None) or next(
        (v for v in versions if v.language == request.LANGUAGE_CODE), versions[0]
    )
    return redirect("board", process_key=preferred.process.key)


def _board_context(
    request: HtmxHttpRequest, process_key: str, rejection: dict[str, Any] | None = None
) -> dict[str, Any]:
    filters = BoardFilterForm(request.GET or None)
    board = board_for(user=_user(request), process_key=process_key, filters=filters.filters())
    return {
        "board": board,
        "processes": process_versions_latest(),
        "filters": filters,
        "query": request.GET.urlencode(),
        "rejection": rejection,
        "may_override": _user(request).may_override_gates,
    }


@login_required
@require_GET
def board(request: HtmxHttpRequest, process_key: str) -> HttpResponse:
    context = _board_context(request, process_key)
    template = "crm/board.html#board" if request.htmx else "crm/board.html"
    return render(request, template, context)


@login_required
@require_GET
def board_more(request: HtmxHttpRequest, process_key: str, stage_key: str) -> HttpResponse:
    """The next cards of one column, appended in place of its "show more" button."""
    filters = BoardFilterForm(request.GET or None)
    offset = (
        int(request.GET.get("offset", "0") or 0) if request.GET.get("offset", "0").isdigit() else 0
    )
    stage, cards = board_cards(
        user=_user(request),
        process_key=process_key,
        stage_key=stage_key,
        offset=offset,
        filters=filters.filters(),
    )
    if stage is None:
        return HttpResponse(status=404)
    return render(
        request,
        "crm/board.html#more",
        {
            "cards": cards,
            "stage": stage,
            "offset": offset + len(cards),
            "process_key": process_key,
            "query": request.GET.urlencode(),
            "may_override": _user(request).may_override_gates,
            "has_more": len(cards) > 0,
        },
    )


@login_required
@require_POST
def deal_move(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    """Move a deal through its gate. Every page posts here (the board by drag and drop or its
    "move to" menu, the deal page by its form); a refusal comes back as the checklist of
    what is missing, beside the deal."""
    deal = deal_for(_user(request), deal_id)
    form = MoveForm(request.POST)
    back_to = request.POST.get("next", "")
    if not form.is_valid():
        return HttpResponse(_("Choose a stage to move to."), status=422)
    data = form.cleaned_data
    target = process_definition(deal.process_version).stage(data["to_stage"])
    target_name = target.name if target else data["to_stage"]
    rejection: dict[str, Any] | None = None
    try:
        if may_write(_user(request)):  # a read-only user hears it from the move itself
            require_deal_writer(_user(request), deal)
        deal_move_to_stage(
            deal_id=deal.pk,
            to_stage=data["to_stage"],
            acting_user=_user(request),
            reason=data["reason"],
            lost_reason=data["lost_reason"],
            override=data["override"],
            via="web",
        )
        messages.success(
            request,
            _("%(deal)s moved to %(stage)s.") % {"deal": deal.title, "stage": target_name},
        )
    except GateRejected as refused:
        rejection = {
            "deal": deal,
            "to_stage": data["to_stage"],
            "to_stage_name": target_name,
            "form": form,
            "items": checklist(refused.details["unmet"]),
            "violations": refused.details["violations"],
        }
    except TraseuError as error:  # forbidden override, missing override reason
        rejection = {
            "deal": deal,
            "to_stage": data["to_stage"],
            "form": form,
            "items": [],
            "violations": [{"code": error.code, "message": error.message, "help": ""}],
        }
    if back_to == "deal":
        return _back_to_deal(request, deal.pk, rejection)
    process_key = deal.process_version.process.key
    if request.htmx:
        return render(
            request, "crm/board.html#board", _board_context(request, process_key, rejection)
        )
    if rejection is None:
        return HttpResponseRedirect(reverse("board", args=[process_key]))
    return render(
        request, "crm/board.html", _board_context(request, process_key, rejection), status=409
    )


def _back_to_deal(
    request: HtmxHttpRequest, deal_id: int, rejection: dict[str, Any] | None
) -> HttpResponse:
    url = reverse("deal", args=[deal_id])
    if rejection is None:
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)
    template = "crm/partials/rejection.html"
    status = 200 if request.htmx else 409
    context = {
        "rejection": rejection,
        "standalone": not request.htmx,
        "base_template": "bare.html" if request.htmx else "base.html",
        "next": "deal",
        "hx_target": "#move-result",
        "may_override": _user(request).may_override_gates,
    }
    return render(request, template, context, status=status)


@login_required
def deal_new(request: HtmxHttpRequest, process_key: str) -> HttpResponse:
    """Open a deal in the first stage of a process (its tasks are created with it)."""
    version = process_version_latest(key=process_key)
    form = DealCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user, data = _user(request), form.cleaned_data
        try:
            account = (
                accounts_visible_to(user)
                .filter(name__iexact=data["account_name"].strip())
                .order_by("pk")
                .first()
            )
            account = account or account_create(
                acting_user=user, name=data["account_name"], owner=user
            )
            deal = deal_create(
                title=data["title"],
                account=account,
                owner=user,
                process_version=version,
                acting_user=user,
                amount=data["amount"],
                expected_close=data["expected_close"],
                source=data["source"],
            )
        except TraseuError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Deal %(title)s opened.") % {"title": deal.title})
            return redirect("deal", deal_id=deal.pk)
    status = 422 if form.is_bound else 200
    return render(request, "crm/deal_new.html", {"form": form, "version": version}, status=status)


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("pipeline/<slug:process_key>/", board, name="board"),
    path("pipeline/<slug:process_key>/more/<slug:stage_key>/", board_more, name="board_more"),
    path("pipeline/<slug:process_key>/new/", deal_new, name="deal_new"),
    path("deals/<int:deal_id>/move/", deal_move, name="deal_move"),
]
