"""The writes of the sales panels on the deal page.

Every write is a POST of a panel's form that calls one service. With HTMX the answer is the
refreshed panel; without JavaScript a 303 back to the deal page at the panel. A service error is
shown beside the field it names with status 422 and nothing is saved. Access: another team's
deal (or its records) is a 404, a user who may only read gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from traseu.core import errors
from traseu.core.models import User
from traseu.crm.access import deal_for, may_write_deal
from traseu.crm.dealpage import deal_page
from traseu.crm.models import Deal
from traseu.sales import competitors, contracts, forms, panels, proposal_status, services
from traseu.sales.access import deal_competitor_for, proposal_for
from traseu.sales.models import Contract, ProposalLine

Save = Callable[[User, dict[str, Any], int | None], object]


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _fetch(lookup: Callable[[], Any]) -> Any:
    try:
        return lookup()
    except errors.NotFound as error:
        raise Http404(error.message) from error


def _panel(
    request: HttpRequest, deal: Deal, key: str, bound: dict[str, Any], status: int
) -> HttpResponse:
    panel = panels.BUILDERS[key](deal, bound)
    context = {"panel": panel, "deal": deal, "may_write": may_write_deal(_user(request), deal)}
    if not getattr(request, "htmx", False):
        return render(request, "sales/panel_page.html", context, status=status)
    return HttpResponse(render_to_string(panel.template, context, request), status=status)


def submit(
    request: HttpRequest,
    *,
    deal_id: int,
    panel: str,
    form: forms.SalesForm,
    form_key: str,
    save: Save,
) -> HttpResponse:
    """Validate ``form``, call ``save(user, data, version)``; answer with the panel."""
    user = _user(request)
    deal = _fetch(lambda: deal_for(user, deal_id))
    if not may_write_deal(user, deal):
        raise PermissionDenied
    if form.is_valid():
        try:
            save(user, form.data_for_service(), form.cleaned_data.get("version"))
        except errors.NotFound as error:
            raise Http404(error.message) from error
        except errors.PermissionDenied as error:
            raise PermissionDenied(error.message) from error
        except errors.TraseuError as error:
            details = error.details if isinstance(error.details, dict) else {}
            form.add_service_error(details.get("field"), error.message)
        else:
            if getattr(request, "htmx", False):
                return _with_checklist(request, _panel(request, deal, panel, {}, 200), deal_id)
            response = HttpResponse(status=303)
            response["Location"] = f"{reverse('deal', args=[deal_id])}#{panel}"
            return response
    return _panel(request, deal, panel, {form_key: form}, 422)


@login_required
@require_GET
def deal_panel(request: HttpRequest, deal_id: int, key: str) -> HttpResponse:
    """One sales panel of the deal: the fragment for HTMX, a small page without JavaScript."""
    if key not in panels.BUILDERS:
        raise Http404
    user = _user(request)
    deal = _fetch(lambda: deal_for(user, deal_id))
    panel = panels.BUILDERS[key](deal, {})
    context = {"panel": panel, "deal": deal, "may_write": may_write_deal(user, deal)}
    if getattr(request, "htmx", False):
        return HttpResponse(render_to_string(panel.template, context, request))
    return render(request, "sales/panel_page.html", context)


def _with_checklist(request: HttpRequest, response: HttpResponse, deal_id: int) -> HttpResponse:
    """Append the deal page's live checklist out of band: a sales write may meet (or unmeet)
    a stage criterion such as "proposal sent"."""
    deal = deal_for(_user(request), deal_id)
    context = {
        "page": deal_page(deal=deal),
        "deal": deal,
        "oob": True,
        "may_write": may_write_deal(_user(request), deal),
    }
    extra = render_to_string("crm/deal.html#checklist", context, request)
    response.content = response.content + extra.encode()
    return response


# Proposals.


@login_required
@require_POST
def proposal_new(request: HttpRequest, deal_id: int) -> HttpResponse:
    return submit(
        request,
        deal_id=deal_id,
        panel=panels.PROPOSALS,
        form=forms.ProposalNewForm(request.POST),
        form_key="new",
        save=lambda user, data, _v: services.proposal_create(
            deal_id=deal_id, acting_user=user, data=data
        ),
    )


@login_required
@require_POST
def proposal_update(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _fetch(lambda: proposal_for(_user(request), proposal_id))
    return submit(
        request,
        deal_id=proposal.deal_id,
        panel=panels.PROPOSALS,
        form=forms.ProposalHeaderForm(request.POST, auto_id=f"proposal-{proposal_id}-%s"),
        form_key=f"header-{proposal_id}",
        save=lambda user, data, version: services.proposal_update(
            proposal_id=proposal_id, acting_user=user, changes=data, expected_version=version
        ),
    )


@login_required
@require_POST
def line_add(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _fetch(lambda: proposal_for(_user(request), proposal_id))
    return submit(
        request,
        deal_id=proposal.deal_id,
        panel=panels.PROPOSALS,
        form=forms.LineForm(request.POST, auto_id=f"proposal-{proposal_id}-line-%s"),
        form_key=f"line-add-{proposal_id}",
        save=lambda user, data, version: services.proposal_line_add(
            proposal_id=proposal_id, acting_user=user, data=data, expected_version=version
        ),
    )


def _line(request: HttpRequest, line_id: int) -> ProposalLine:
    line = ProposalLine.objects.filter(pk=line_id).first()
    if line is None:
        raise Http404
    _fetch(lambda: proposal_for(_user(request), line.proposal_id))
    return line


@login_required
@require_POST
def line_update(request: HttpRequest, line_id: int) -> HttpResponse:
    line = _line(request, line_id)
    return submit(
        request,
        deal_id=line.proposal.deal_id,
        panel=panels.PROPOSALS,
        form=forms.LineForm(request.POST, auto_id=f"line-{line_id}-%s"),
        form_key=f"line-{line_id}",
        save=lambda user, data, version: services.proposal_line_update(
            line_id=line_id, acting_user=user, data=data, expected_version=version
        ),
    )


class VersionForm(forms.SalesForm):
    version = django_forms.IntegerField(widget=django_forms.HiddenInput)


@login_required
@require_POST
def line_remove(request: HttpRequest, line_id: int) -> HttpResponse:
    line = _line(request, line_id)
    return submit(
        request,
        deal_id=line.proposal.deal_id,
        panel=panels.PROPOSALS,
        form=VersionForm(request.POST),
        form_key=f"status-{line.proposal_id}",
        save=lambda user, _data, version: services.proposal_line_remove(
            line_id=line_id, acting_user=user, expected_version=version
        ),
    )


@login_required
@require_POST
def proposal_status_set(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _fetch(lambda: proposal_for(_user(request), proposal_id))
    return submit(
        request,
        deal_id=proposal.deal_id,
        panel=panels.PROPOSALS,
        form=forms.StatusForm(request.POST),
        form_key=f"status-{proposal_id}",
        save=lambda user, data, version: proposal_status.proposal_set_status(
            proposal_id=proposal_id,
            acting_user=user,
            status=data["status"],
            expected_version=version,
        ),
    )


# Competitors and market notes.


def _save_competitor(deal_id: int) -> Save:
    def save(user: User, data: dict[str, Any], _version: int | None) -> object:
        chosen, new_name = data.pop("competitor", ""), data.pop("new_name", "")
        analysis = {k: v for k, v in data.items() if v not in ("", None)}
        if new_name:
            competitor_id = competitors.competitor_create(
                acting_user=user, data={"name": new_name}
            ).pk
        elif chosen and str(chosen).isdigit():
            competitor_id = int(chosen)
        else:
            raise errors.InvalidInput(
                _("Choose a competitor or name a new one."),
                details={"field": "competitor"},
            )
        return competitors.deal_competitor_add(
            deal_id=deal_id, competitor_id=competitor_id, acting_user=user, data=analysis
        )

    return save


@login_required
@require_POST
def deal_competitor_add(request: HttpRequest, deal_id: int) -> HttpResponse:
    return submit(
        request,
        deal_id=deal_id,
        panel=panels.COMPETITORS,
        form=forms.CompetitorAddForm(request.POST),
        form_key="add",
        save=_save_competitor(deal_id),
    )


@login_required
@require_POST
def deal_competitor_update(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _fetch(lambda: deal_competitor_for(_user(request), entry_id))
    return submit(
        request,
        deal_id=entry.deal_id,
        panel=panels.COMPETITORS,
        form=forms.CompetitorEditForm(request.POST, auto_id=f"competitor-{entry_id}-%s"),
        form_key=f"entry-{entry_id}",
        save=lambda user, data, version: competitors.deal_competitor_update(
            deal_competitor_id=entry_id,
            acting_user=user,
            changes=data,
            expected_version=version,
        ),
    )


@login_required
@require_POST
def deal_competitor_winner(request: HttpRequest, deal_id: int) -> HttpResponse:
    def save(user: User, data: dict[str, Any], _version: int | None) -> object:
        chosen = str(data.get("competitor") or "")
        if chosen and not chosen.isdigit():
            raise errors.InvalidInput(
                _("Choose a competitor from the list."), details={"field": "competitor"}
            )
        return competitors.deal_competitor_winner(
            deal_id=deal_id, competitor_id=int(chosen) if chosen else None, acting_user=user
        )

    return submit(
        request,
        deal_id=deal_id,
        panel=panels.COMPETITORS,
        form=forms.WinnerForm(request.POST),
        form_key="winner",
        save=save,
    )


@login_required
@require_POST
def market_note_add(request: HttpRequest, deal_id: int) -> HttpResponse:
    return submit(
        request,
        deal_id=deal_id,
        panel=panels.COMPETITORS,
        form=forms.MarketNoteForm(request.POST),
        form_key="note",
        save=lambda user, data, _v: competitors.market_note_add(
            deal_id=deal_id, acting_user=user, text=data["text"]
        ),
    )


# Contract.


@login_required
@require_POST
def contract_save(request: HttpRequest, deal_id: int) -> HttpResponse:
    def save(user: User, data: dict[str, Any], version: int | None) -> object:
        if not Contract.objects.filter(deal_id=deal_id).exists():
            data.pop("status", None)
            data.pop("signed_on", None)
            if data.get("value") in ("", None):
                data.pop("value", None)
            return contracts.contract_create(deal_id=deal_id, acting_user=user, data=data)
        return contracts.contract_update(
            deal_id=deal_id, acting_user=user, changes=data, expected_version=version
        )

    return submit(
        request,
        deal_id=deal_id,
        panel=panels.CONTRACT,
        form=forms.ContractForm(request.POST),
        form_key="contract",
        save=save,
    )


@login_required
@require_POST
def round_add(request: HttpRequest, deal_id: int) -> HttpResponse:
    return submit(
        request,
        deal_id=deal_id,
        panel=panels.CONTRACT,
        form=forms.RoundForm(request.POST),
        form_key="round",
        save=lambda user, data, _v: contracts.negotiation_round_add(
            deal_id=deal_id, acting_user=user, data=data
        ),
    )
