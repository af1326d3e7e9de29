"""Forms of the import wizard: they parse what people chose; the services check the file and
the mapping, and their errors are shown beside the field they concern."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from traseu.imports.mapping import preset_names
from traseu.imports.models import ImportKind
from traseu.imports.staging import Staged
from traseu.imports.wizard import IGNORE, guess_targets, stage_guess, target_choices

ENCODINGS = [
    ("utf-8-sig", gettext_lazy("UTF-8 (most files)")),
    ("cp1250", gettext_lazy("Windows-1250 (Central Europe, Romanian Excel)")),
    ("cp1252", gettext_lazy("Windows-1252 (Western Europe)")),
    ("iso-8859-2", gettext_lazy("ISO-8859-2 (Latin-2)")),
    ("latin-1", gettext_lazy("ISO-8859-1 (Latin-1)")),
]
SOURCE_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,39}$"


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportKind.choices, label=gettext_lazy("The file holds"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("A .csv file (comma, semicolon, tab or | separated) or .xlsx."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    encoding = forms.ChoiceField(
        choices=ENCODINGS,
        initial="utf-8-sig",
        label=gettext_lazy("Encoding (CSV only)"),
        help_text=gettext_lazy(
            "If accented letters look wrong or the file is refused, try Windows-1250."
        ),
    )


def presets_for(kind: str) -> list[tuple[str, str]]:
    return [(name, name.capitalize()) for name, kinds in preset_names().items() if kind in kinds]


class ColumnsForm(forms.Form):
    """A preset, or a target for every column of the file (field ``col_<n>``)."""

    preset = forms.ChoiceField(required=False, label=gettext_lazy("Preset"))
    source = forms.RegexField(
        regex=SOURCE_PATTERN,
        initial="file",
        label=gettext_lazy("Source system"),
        help_text=gettext_lazy(
            "Lower-case name of where the file comes from (oldcrm, excel...); re-importing "
            "from the same source updates the same records."
        ),
        error_messages={
            "invalid": gettext_lazy("Use lower-case letters, digits, '.', '_' or '-'.")
        },
    )

    def __init__(self, *args: Any, staged: Staged, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staged = staged
        presets = presets_for(staged.kind)
        preset = self.fields["preset"]
        assert isinstance(preset, forms.ChoiceField)
        preset.choices = [("", _("None: map the columns below")), *presets]
        if not presets:
            self.fields["preset"].widget = forms.HiddenInput()
        guesses = guess_targets(staged.kind, staged.headers)
        choices = target_choices(staged.kind)
        for number, header in enumerate(staged.headers):
            samples = staged.samples(header)
            self.fields[f"col_{number}"] = forms.ChoiceField(
                choices=choices,
                required=False,
                initial=guesses[header],
                label=header,
                help_text=", ".join(samples) if samples else _("(empty in the first rows)"),
            )

    def column_fields(self) -> list[tuple[str, forms.BoundField]]:
        return [(header, self[f"col_{n}"]) for n, header in enumerate(self.staged.headers)]

    def targets(self) -> dict[str, str]:
        return {
            header: self.cleaned_data.get(f"col_{n}") or IGNORE
            for n, header in enumerate(self.staged.headers)
        }


class StagesForm(forms.Form):
    """For deals: the process they run on, and the stage (or outcome) of each stage name found
    in the file (field ``stage_<n>``)."""

    process = forms.ChoiceField(label=gettext_lazy("Process the deals run on"))

    def __init__(
        self,
        *args: Any,
        names: list[str],
        processes: list[tuple[str, str]],
        stages: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.names = names
        process = self.fields["process"]
        assert isinstance(process, forms.ChoiceField)
        process.choices = processes
        targets = [
            ("", _("Not mapped: refuse these rows")),
            *stages,
            ("won", _("Won")),
            ("lost", _("Lost")),
        ]
        for number, name in enumerate(names):
            self.fields[f"stage_{number}"] = forms.ChoiceField(
                choices=targets, required=False, label=name, initial=stage_guess(name, stages)
            )

    def stage_fields(self) -> list[forms.BoundField]:
        return [self[f"stage_{n}"] for n in range(len(self.names))]

    def stage_map(self) -> dict[str, str]:
        found = {
            name: self.cleaned_data.get(f"stage_{n}") or "" for n, name in enumerate(self.names)
        }
        return {name: target for name, target in found.items() if target}


class RunForm(forms.Form):
    skip_invalid = forms.BooleanField(
        required=False,
        label=gettext_lazy("Skip the rows with errors and import the others"),
        help_text=gettext_lazy("Without this, a file with any bad row imports nothing."),
    )
