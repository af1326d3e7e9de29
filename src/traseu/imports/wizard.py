"""The wizard's choices turned into a mapping document: the same YAML ``traseu import
--mapping`` reads, so a team can download it and reuse it.

Each source column gets a target: a field of the kind (``field:name``), a typed custom
attribute (``custom:text`` / ``number`` / ``date`` / ``choice``), or nothing (``""``, ignored).
The document is validated by :func:`traseu.imports.mapping.load_mapping_text`, so the wizard
refuses exactly what the command line would.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as MappingType
from dataclasses import dataclass

import yaml
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from traseu.core.errors import InvalidInput
from traseu.imports.mapping import FIELDS, REQUIRED, Mapping, load_mapping_text
from traseu.process.errors import ProcessDocumentError

IGNORE = ""
CUSTOM_TYPES = {
    "text": gettext_lazy("Keep as custom attribute: text"),
    "number": gettext_lazy("Keep as custom attribute: number"),
    "date": gettext_lazy("Keep as custom attribute: date"),
    "choice": gettext_lazy("Keep as custom attribute: choice"),
}
OUTCOMES = ("won", "lost")
# Other spellings a header commonly has, per field (compared after normalising).
SYNONYMS = {
    "name": ("company", "company_name", "account", "account_name", "organisation", "organization"),
    "website": ("web", "url", "site"),
    "employees": ("employee_count", "number_of_employees", "staff"),
    "annual_revenue": ("revenue", "turnover"),
    "external_id": ("id", "record_id"),
    "email": ("e_mail", "email_address"),
    "title": ("deal", "deal_name", "opportunity", "name"),
    "amount": ("value", "deal_value"),
    "job_title": ("title", "position", "role"),
}


class MappingChoicesError(Exception):
    """The choices do not make a valid mapping: ``fields`` are per source column, ``general``
    for the whole form."""

    def __init__(self, fields: dict[str, str], general: list[str]) -> None:
        super().__init__("; ".join([*fields.values(), *general]))
        self.fields, self.general = fields, general


FIELD_LABELS = {
    "external_id": gettext_lazy("Id in the source system"),
    "name": gettext_lazy("Name"),
    "domain": gettext_lazy("Web domain"),
    "website": gettext_lazy("Website"),
    "industry": gettext_lazy("Industry"),
    "employees": gettext_lazy("Employees"),
    "annual_revenue": gettext_lazy("Annual revenue"),
    "country": gettext_lazy("Country (ISO code)"),
    "is_customer": gettext_lazy("Is a customer (yes/no)"),
    "owner": gettext_lazy("Owner (username or e-mail)"),
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "full_name": gettext_lazy("Full name"),
    "email": gettext_lazy("E-mail"),
    "phone": gettext_lazy("Phone"),
    "job_title": gettext_lazy("Job title"),
    "account": gettext_lazy("Account (its id in the source)"),
    "account_name": gettext_lazy("Account name"),
    "title": gettext_lazy("Title"),
    "amount": gettext_lazy("Amount"),
    "currency": gettext_lazy("Currency"),
    "stage": gettext_lazy("Stage"),
    "status": gettext_lazy("Status (open/won/lost)"),
    "is_won": gettext_lazy("Is won (yes/no)"),
    "is_closed": gettext_lazy("Is closed (yes/no)"),
    "created_at": gettext_lazy("Created on"),
    "closed_at": gettext_lazy("Closed on"),
    "won_at": gettext_lazy("Won on"),
    "lost_at": gettext_lazy("Lost on"),
    "expected_close": gettext_lazy("Expected close"),
    "lost_reason": gettext_lazy("Lost reason"),
    "source": gettext_lazy("Lead source"),
    "pipeline": gettext_lazy("Pipeline"),
    "deal": gettext_lazy("Deal (its id in the source)"),
    "changed_at": gettext_lazy("Changed on"),
    "is_deleted": gettext_lazy("Is deleted (yes/no)"),
    "code": gettext_lazy("Code"),
    "unit_price": gettext_lazy("Unit price"),
    "active": gettext_lazy("Active (yes/no)"),
    "description": gettext_lazy("Description"),
}


def target_choices(kind: str) -> list[tuple[str, str]]:
    """Every target a column of a ``kind`` file can have, for a select: a field shows its
    label and its key in the mapping document; required ones end with ``*``."""
    required = REQUIRED.get(kind, ())
    fields = []
    for name in FIELDS[kind]:
        label = f"{FIELD_LABELS.get(name, name)} ({name})"
        fields.append((f"field:{name}", f"{label} *" if name in required else label))
    custom = [(f"custom:{key}", str(label)) for key, label in CUSTOM_TYPES.items()]
    return [(IGNORE, str(_("Ignore this column"))), *fields, *custom]


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")


def guess_targets(kind: str, headers: list[str]) -> dict[str, str]:
    """A first guess per header: the field of that name (or a usual synonym), each field once;
    anything else is ignored."""
    guesses: dict[str, str] = {}
    taken: set[str] = set()
    for exact in (True, False):
        for header in headers:
            if header in guesses:
                continue
            key = _normal(header)
            for field in FIELDS[kind]:
                hit = key == field if exact else key in SYNONYMS.get(field, ())
                if hit and field not in taken:
                    guesses[header] = f"field:{field}"
                    taken.add(field)
                    break
    return {header: guesses.get(header, IGNORE) for header in headers}


def attribute_key(header: str, used: set[str]) -> str:
    """A custom attribute key for a header: lower-case letters, digits and ``_``, unique."""
    key = _normal(header)[:50] or "column"
    if not key[0].isalpha():
        key = f"c_{key}"
    candidate, number = key, 2
    while candidate in used:
        candidate, number = f"{key}_{number}", number + 1
    used.add(candidate)
    return candidate


@dataclass(frozen=True)
class ColumnChoice:
    header: str
    target: str
    distinct: list[str] | None  # the column's distinct values (None: too many to list)


def build_document(
    *,
    kind: str,
    columns: list[ColumnChoice],
    source: str = "file",
    stages: MappingType[str, str] | None = None,
    process: str | None = None,
) -> dict[str, object]:
    """The mapping document for the choices; MappingChoicesError lists what is wrong."""
    errors: dict[str, str] = {}
    fields: dict[str, str] = {}
    custom: list[dict[str, object]] = []
    used: set[str] = set()
    for choice in columns:
        if choice.target.startswith("field:"):
            field = choice.target.removeprefix("field:")
            if field not in FIELDS[kind]:
                errors[choice.header] = _("Not a field of %(kind)s.") % {"kind": kind}
            elif field in fields:
                errors[choice.header] = _("The column '%(other)s' already feeds %(field)s.") % {
                    "other": fields[field],
                    "field": field,
                }
            else:
                fields[field] = choice.header
        elif choice.target.startswith("custom:"):
            attribute = _attribute(choice, used)
            if isinstance(attribute, str):
                errors[choice.header] = attribute
            else:
                custom.append(attribute)
        elif choice.target != IGNORE:
            errors[choice.header] = _("Choose a field, a custom attribute or ignore.")
    document: dict[str, object] = {"kind": kind, "source": source, "columns": fields}
    if stages:
        document["stages"] = dict(stages)
    if process:
        document["defaults"] = {"process": process}
    if custom:
        document["custom"] = custom
    if errors:
        raise MappingChoicesError(errors, [])
    validate_document(document)
    return document


def _attribute(choice: ColumnChoice, used: set[str]) -> dict[str, object] | str:
    kind = choice.target.removeprefix("custom:")
    if kind not in CUSTOM_TYPES:
        return _("Unknown attribute type.")
    attribute: dict[str, object] = {
        "column": choice.header,
        "key": attribute_key(choice.header, used),
        "type": kind,
    }
    if kind == "choice":
        if choice.distinct is None:
            return _("The column has too many different values for a choice; keep it as text.")
        if not choice.distinct:
            return _("The column is empty; a choice needs values.")
        attribute["choices"] = {value: value for value in choice.distinct}
    return attribute


def validate_document(document: dict[str, object]) -> Mapping:
    """Load the document as the command line would; its problems become general errors."""
    try:
        return load_mapping_text(mapping_yaml(document))
    except ProcessDocumentError as error:
        raise MappingChoicesError(
            {}, [f"{p.path}: {p.message}" if p.path else p.message for p in error.problems]
        ) from error


def missing_columns(mapping: Mapping, headers: list[str]) -> InvalidInput | None:
    """The error for a mapping that reads columns the file does not have (or None)."""
    have = {" ".join(h.split()).casefold() for h in headers}
    wanted = [spec.column for spec in mapping.columns.values()]
    wanted += [attribute.column for attribute in mapping.custom]
    missing = sorted({c for c in wanted if " ".join(c.split()).casefold() not in have})
    if not missing:
        return None
    return InvalidInput(
        _("The file has no column %(columns)s (its columns: %(found)s).")
        % {"columns": ", ".join(f"'{c}'" for c in missing), "found": ", ".join(headers)},
        code="column_missing",
        details={"missing": missing},
    )


def mapping_yaml(document: MappingType[str, object]) -> str:
    head = (
        "# Made by the import wizard; reuse it with: traseu import KIND FILE --mapping THIS.yaml\n"
    )
    return head + yaml.safe_dump(
        dict(document), allow_unicode=True, sort_keys=False, default_flow_style=False
    )


def stage_guess(name: str, stages: list[tuple[str, str]]) -> str:
    """The stage (or outcome) a source stage name most likely means: a stage whose key or name
    equals it, or ``won``/``lost`` when the name says so; else nothing."""
    key = _normal(name)
    for stage_key, stage_name in stages:
        if key in (_normal(stage_key), _normal(stage_name)):
            return stage_key
    for outcome in OUTCOMES:
        if outcome in key.split("_"):
            return outcome
    return IGNORE
