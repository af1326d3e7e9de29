"""Forms of the process designer. They parse what people type; the document rules (names
required, probability in range, a goal and a role on working stages) are the loader's, and its
problems come back beside the fields they name."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from traseu.process.definition import ROLES
from traseu.process.errors import DocumentProblem
from traseu.process.loader import KEY_PATTERN
from traseu.processes.designer import FORM_FIELDS, role_label, templates

STAGE_PATH = re.compile(r"^stages\[(\d+)\]\.(\w+)")


class StageForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput)
    name = forms.CharField(max_length=200, required=False, label=_("Name"))
    goal = forms.CharField(
        required=False, label=_("Goal"), widget=forms.Textarea(attrs={"rows": 3})
    )
    # A percentage here; the document writes the fraction (40 -> 0.4).
    probability = forms.DecimalField(
        min_value=0, max_value=100, max_digits=9, decimal_places=6, label=_("Probability (%)")
    )
    responsible_role = forms.ChoiceField(required=False, label=_("Responsible role"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["responsible_role"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *((role, role_label(role)) for role in ROLES)]


StageFormSet = formset_factory(StageForm, extra=0, max_num=20, absolute_max=20)


def stage_changes(formset: Any) -> dict[str, dict[str, Any]]:
    """What the stage form says per stage key, ready for the document."""
    return {
        form.cleaned_data["key"]: {name: form.cleaned_data.get(name) for name in FORM_FIELDS}
        for form in formset.forms
    }


def add_problems(formset: Any, problems: list[DocumentProblem]) -> list[DocumentProblem]:
    """Put each problem beside the stage field it names; return the ones that fit nowhere."""
    rest = []
    for problem in problems:
        match = STAGE_PATH.match(problem.path)
        index = int(match[1]) if match else -1
        if match and index < len(formset.forms) and match[2] in FORM_FIELDS:
            formset.forms[index].add_error(match[2], f"{problem.message} [{problem.code}]")
        else:
            rest.append(problem)
    return rest


class NewProcessForm(forms.Form):
    template = forms.ChoiceField(label=_("Start from"))
    key = forms.CharField(
        max_length=63,
        label=_("Key"),
        help_text=_(
            "Lower-case letters, digits, '_' or '-', starting with a letter. It never changes."
        ),
    )
    name = forms.CharField(max_length=200, label=_("Name"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["template"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (
                t.filename,
                _("%(name)s (%(language)s, %(count)s working stages)")
                % {"name": t.name, "language": t.language, "count": t.working},
            )
            for t in templates()
        ]

    def clean_key(self) -> str:
        key: str = self.cleaned_data["key"].strip()
        if not KEY_PATTERN.match(key):
            raise forms.ValidationError(
                _("Use lower-case letters, digits, '_' or '-', starting with a letter.")
            )
        return key
