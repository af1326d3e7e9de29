"""The deal page's after-sale panel: the handoff to delivery and the follow-up with feedback.

Five queries at most: the handoff, the follow-up with its feedback, the feedback's issues,
the users offered in the two forms;
one for a deal that was never won.
"""

from __future__ import annotations

from typing import Any

from traseu.aftersale.forms import FeedbackForm, HandoffForm, commitments_text
from traseu.aftersale.handoffs import may_accept
from traseu.aftersale.models import FeedbackIssue, FollowUp, Handoff
from traseu.core.models import User
from traseu.crm.models import BuyingRole, Deal
from traseu.crm.panels import DealPanel, register_deal_panel

TEMPLATE = "aftersale/panel.html"


def panel_context(
    deal: Deal, user: User, may_write: bool, forms: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    handoff = (
        Handoff.objects.filter(deal=deal).select_related("delivery_owner", "accepted_by").first()
    )
    if handoff is None:
        return None
    follow_up = (
        FollowUp.objects.filter(deal=deal)
        .select_related("owner", "activity", "feedback", "completed_by")
        .first()
    )
    feedback = getattr(follow_up, "feedback", None) if follow_up else None
    issues = (
        list(FeedbackIssue.objects.filter(feedback=feedback).select_related("task__owner"))
        if feedback
        else []
    )
    forms = forms or {}
    roles = dict(BuyingRole.choices)
    return {
        "handoff": handoff,
        "contacts": [
            {**c, "role_label": roles.get(c["role"], c["role"])} for c in handoff.contacts
        ],
        "sold": [sold_line(line) for line in handoff.sold],
        "follow_up": follow_up,
        "feedback": feedback,
        "issues": issues,
        "may_accept": may_write and may_accept(user, handoff),
        "handoff_form": forms.get("handoff")
        or HandoffForm(
            initial={
                "commitments": commitments_text(handoff.commitments),
                "risks": handoff.risks,
                "delivery_owner": handoff.delivery_owner.username if handoff.delivery_owner else "",
            }
        ),
        "feedback_form": forms.get("feedback") or FeedbackForm(initial={"outcome": "reached"}),
    }


def sold_line(line: dict[str, str]) -> dict[str, str]:
    """A sold line as the panel shows it, whatever keys the proposal's lines have."""
    code, description = line.get("product_code", ""), line.get("description", "")
    return {
        "label": f"{description} ({code})" if code and description else description or code,
        "quantity": line.get("quantity", ""),
        "total": line.get("line_total", ""),
        "currency": line.get("currency", ""),
    }


@register_deal_panel
def aftersale_panel(deal: Deal, user: User, may_write: bool) -> DealPanel | None:
    context = panel_context(deal, user, may_write)
    if context is None:
        return None
    return DealPanel("aftersale", TEMPLATE, context, order=150)
