"""Forms of the after-sale panel: parsing and field errors only; the rules live in services."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from traseu.aftersale.followups import FeedbackInput, IssueInput
from traseu.aftersale.models import FollowUpOutcome, IssueCategory
from traseu.core.models import Role, User
from traseu.crm.dealforms import PanelForm

ISSUE_ROWS = 3
DATED = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*[--—:|]\s*(.+)$")


def user_choices(blank: str) -> list[tuple[str, str]]:
    users = User.objects.filter(is_active=True).exclude(role=Role.READ_ONLY).order_by("username")
    return [("", blank)] + [(u.username, str(u)) for u in users]


def commitments_text(commitments: list[dict[str, str]]) -> str:
    return "\n".join(
        f"{c['due']} — {c['what']}" if c.get("due") else c["what"] for c in commitments
    )


def parse_commitment_lines(text: str) -> list[dict[str, str]]:
    """One commitment a line: ``2026-04-15 — Training for 10 users`` or just what."""
    items = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        dated = DATED.match(line)
        items.append(
            {"due": dated.group(1), "what": dated.group(2).strip()}
            if dated
            else {"due": "", "what": line}
        )
    return items


class HandoffForm(PanelForm):
    id_prefix = "handoff"
    commitments = forms.CharField(
        required=False,
        label=_("Commitments and promised dates"),
        help_text=_("One a line; a date first if one was promised: 2026-04-15 — Training."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    risks = forms.CharField(
        required=False, max_length=5000, label=_("Risks"), widget=forms.Textarea({"rows": 3})
    )
    delivery_owner = forms.ChoiceField(label=_("Delivery owner"), choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["delivery_owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = user_choices("—")


class FeedbackForm(PanelForm):
    id_prefix = "feedback"
    outcome = forms.ChoiceField(label=_("Outcome of the call"), choices=FollowUpOutcome.choices)
    nps = forms.IntegerField(
        required=False,
        label=_("How likely to recommend us (0-10)"),
        widget=forms.NumberInput({"min": 0, "max": 10}),
    )
    satisfaction = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label=_("Satisfaction (1-5)"),
        choices=[("", "—")] + [(str(n), str(n)) for n in range(1, 6)],
    )
    comment = forms.CharField(
        required=False, label=_("What the client said"), widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owners = user_choices(str(_("no task")))
        categories = [("", "—"), *IssueCategory.choices]
        for n in range(1, ISSUE_ROWS + 1):
            self.fields[f"issue_{n}_category"] = forms.ChoiceField(
                required=False, label=_("Issue %(n)s: category") % {"n": n}, choices=categories
            )
            self.fields[f"issue_{n}_description"] = forms.CharField(
                required=False, label=_("Issue %(n)s") % {"n": n}
            )
            self.fields[f"issue_{n}_owner"] = forms.ChoiceField(
                required=False, label=_("Task for"), choices=owners
            )

    def issue_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"issue_{n}_{part}"] for part in ("category", "description", "owner")]
            for n in range(1, ISSUE_ROWS + 1)
        ]

    def feedback_input(self) -> FeedbackInput:
        data = self.cleaned_data
        issues = [
            IssueInput(
                category=data[f"issue_{n}_category"],
                description=data[f"issue_{n}_description"],
                owner=data[f"issue_{n}_owner"],
            )
            for n in range(1, ISSUE_ROWS + 1)
            if data[f"issue_{n}_category"] or data[f"issue_{n}_description"].strip()
        ]
        return FeedbackInput(
            outcome=data["outcome"],
            nps=data["nps"],
            satisfaction=data["satisfaction"],
            comment=data["comment"],
            issues=issues,
        )

    def add_service_errors(self, errors: dict[str, str]) -> None:
        """Put each service error beside its field (``issues.2.owner`` -> ``issue_2_owner``);
        numbers count the filled issue rows, which are the first rows in order."""
        filled = [
            n
            for n in range(1, ISSUE_ROWS + 1)
            if self.cleaned_data.get(f"issue_{n}_category")
            or self.cleaned_data.get(f"issue_{n}_description", "").strip()
        ]
        for key, message in errors.items():
            parts = key.split(".")
            if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) <= len(filled):
                self.add_service_error(f"issue_{filled[int(parts[1]) - 1]}_{parts[2]}", message)
            else:
                self.add_service_error(key, message)
