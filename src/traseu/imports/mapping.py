"""The mapping document: how the columns of a file become Traseu records (see docs/imports.md).

A mapping is YAML validated with pydantic. Problems come back as the process documents' own
:class:`~traseu.process.errors.DocumentProblem` (file, line, YAML path, message, code), so the
command line prints them the same way.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from traseu.process.errors import DocumentProblem, ProcessDocumentError
from traseu.process.i18n import gettext as _
from traseu.process.yamlsource import parse

KINDS = ("accounts", "contacts", "deals", "deal-history", "prospects", "products")
Transform = Literal["trim", "lower", "upper", "title", "squash_spaces", "digits"]
AttributeType = Literal["text", "number", "date", "choice"]
Outcome = Literal["open", "won", "lost"]

# The fields each kind understands (anything else in ``columns`` is a mapping error).
FIELDS: dict[str, tuple[str, ...]] = {
    "accounts": (
        "external_id",
        "name",
        "domain",
        "website",
        "industry",
        "employees",
        "annual_revenue",
        "country",
        "is_customer",
        "owner",
    ),
    "contacts": (
        "external_id",
        "first_name",
        "last_name",
        "full_name",
        "email",
        "phone",
        "job_title",
        "account",
        "account_name",
    ),
    "deals": (
        "external_id",
        "title",
        "account",
        "account_name",
        "amount",
        "currency",
        "stage",
        "status",
        "is_won",
        "is_closed",
        "created_at",
        "closed_at",
        "won_at",
        "lost_at",
        "expected_close",
        "lost_reason",
        "owner",
        "source",
        "pipeline",
    ),
    "deal-history": ("external_id", "deal", "stage", "changed_at", "is_deleted"),
    "prospects": (
        "external_id",
        "name",
        "domain",
        "website",
        "industry",
        "employees",
        "annual_revenue",
        "country",
        "first_name",
        "last_name",
        "full_name",
        "email",
        "phone",
        "job_title",
        "source",
    ),
    "products": (
        "external_id",
        "name",
        "code",
        "unit_price",
        "currency",
        "active",
        "description",
    ),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "accounts": ("name",),
    "contacts": (),
    "deals": ("title",),
    "deal-history": ("deal", "stage", "changed_at"),
    "prospects": ("name",),
    "products": ("name", "code", "unit_price"),
}
ISO_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def choice_key(value: Any) -> str:
    """How source values are compared with a mapping's choices: trimmed, case-folded."""
    return " ".join(str(value or "").split()).casefold()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Column(Strict):
    """Where one field comes from: a column, how to clean it, and an optional choice table."""

    column: str
    transforms: tuple[Transform, ...] = ("trim",)
    values: dict[str, str] = Field(default_factory=dict)
    default: str | None = None
    on_unknown: Literal["reject", "default", "keep"] = "reject"

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return {"column": data} if isinstance(data, str) else data

    def choice(self, raw: Any) -> str | None:
        """The mapped value for ``raw`` (case-insensitive), or None when it is not listed."""
        wanted = choice_key(raw)
        return next((v for k, v in self.values.items() if choice_key(k) == wanted), None)


class StageTarget(Strict):
    """A source stage name: a process stage, and the outcome (a lost deal keeps its stage)."""

    stage: str | None = None
    outcome: Outcome = "open"

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"outcome": data} if data in ("won", "lost") else {"stage": data}
        return data

    @model_validator(mode="after")
    def _something(self) -> StageTarget:
        if self.stage is None and self.outcome == "open":
            raise ValueError(_("name a stage, or an outcome (won or lost)"))
        return self


class Attribute(Strict):
    """A column kept on the record's ``custom`` attributes, typed."""

    column: str
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    type: AttributeType = "text"
    choices: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _choices(self) -> Attribute:
        if self.type == "choice" and not self.choices:
            raise ValueError(_("a choice attribute lists its choices (source value: stored value)"))
        return self


class Dates(Strict):
    formats: tuple[str, ...] = ISO_FORMATS
    timezone: str | None = None  # default: the server's TIME_ZONE

    @field_validator("formats")
    @classmethod
    def _formats(cls, formats: tuple[str, ...]) -> tuple[str, ...]:
        for fmt in formats:
            if "%" not in fmt:
                raise ValueError(
                    _("'%(format)s' is not a strftime format such as %%d/%%m/%%Y") % {"format": fmt}
                )
            try:
                dt.datetime(2026, 1, 31, 13, 5).strftime(fmt)
            except ValueError as error:
                raise ValueError(f"'{fmt}': {error}") from error  # Python's own words
        return formats

    @field_validator("timezone")
    @classmethod
    def _zone(cls, zone: str | None) -> str | None:
        if zone:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError) as error:
                raise ValueError(_("unknown time zone '%(zone)s'") % {"zone": zone}) from error
        return zone


class Decimals(Strict):
    """``1.234,56`` is ``decimal: ","`` (the other mark, spaces and ``'`` group thousands);
    currency symbols and codes are dropped."""

    decimal: Literal[".", ","] = "."


class Defaults(Strict):
    process: str | None = None
    owner: str | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    lost_reason: str = "Lost (imported)"
    country: str | None = None


class Mapping(Strict):
    """A whole mapping document (see docs/imports.md for every key)."""

    kind: Literal["accounts", "contacts", "deals", "deal-history", "prospects", "products"]
    source: str = Field(default="file", pattern=r"^[a-z0-9][a-z0-9_.-]{0,39}$")
    account_source: str | None = None  # where the ``account`` references of the file point
    deal_source: str | None = None
    description: str = ""
    file: str = ""
    columns: dict[str, Column]
    stages: dict[str, StageTarget] = Field(default_factory=dict)
    dates: Dates = Field(default_factory=Dates)
    decimals: Decimals = Field(default_factory=Decimals)
    defaults: Defaults = Field(default_factory=Defaults)
    custom: tuple[Attribute, ...] = ()
    stage_tasks: bool = True  # open deals get the tasks of the stage they are in

    @field_validator("columns")
    @classmethod
    def _known(cls, columns: dict[str, Column], info: ValidationInfo) -> dict[str, Column]:
        kind = info.data.get("kind")
        known = FIELDS.get(kind or "", ())
        unknown = sorted(set(columns) - set(known))
        if kind and unknown:
            raise ValueError(
                _("unknown field(s) for %(kind)s: %(unknown)s; known: %(known)s")
                % {"kind": kind, "unknown": ", ".join(unknown), "known": ", ".join(known)}
            )
        return columns

    @model_validator(mode="after")
    def _fields(self) -> Mapping:
        missing = [f for f in REQUIRED[self.kind] if f not in self.columns]
        if self.kind == "contacts" and not {"last_name", "full_name", "email"} & set(self.columns):
            missing.append("last_name or full_name or email")
        if missing:
            raise ValueError(
                _("%(kind)s need a column for: %(fields)s")
                % {"kind": self.kind, "fields": ", ".join(missing)}
            )
        if self.kind == "deals" and "stage" not in self.columns and "status" not in self.columns:
            raise ValueError(_("deals need a column for stage or status"))
        return self

    @property
    def refs_source(self) -> str:
        return self.account_source or self.source

    def stage_for(self, raw: Any) -> StageTarget | None:
        wanted = choice_key(raw)
        return next((t for k, t in self.stages.items() if choice_key(k) == wanted), None)


def _path(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part not in ("function-after", "function-before") and not part.startswith(
            ("function-", "literal[")
        ):
            text = f"{text}.{part}" if text else str(part)
    return text


def load_mapping_text(text: str, *, file: str = "") -> Mapping:
    """Validate a mapping document; every problem in one :class:`ProcessDocumentError`."""
    value, source_map, problems = parse(text)
    if problems:
        raise ProcessDocumentError([_at(p, file) for p in problems])
    if not isinstance(value, dict):
        raise ProcessDocumentError(
            [
                DocumentProblem(
                    "mapping_not_mapping", "", _("a mapping document is a YAML mapping"), 1, file
                )
            ]
        )
    try:
        return Mapping.model_validate(value)
    except ValidationError as error:
        found = []
        for item in error.errors():
            path = _path(item["loc"])
            message = item["msg"].removeprefix("Value error, ")
            found.append(
                DocumentProblem(
                    f"mapping_{item['type']}", path, message, source_map.line_of(path), file
                )
            )
        raise ProcessDocumentError(found) from error


def _at(problem: DocumentProblem, file: str) -> DocumentProblem:
    return DocumentProblem(problem.code, problem.path, problem.message, problem.line, file)


def load_mapping_file(path: str | Path) -> Mapping:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ProcessDocumentError(
            [DocumentProblem("mapping_unreadable", "", str(error), 0, str(path))]
        ) from error
    return load_mapping_text(text, file=str(path))


PRESETS = ("salesforce", "hubspot", "pipedrive")


def preset_names() -> dict[str, tuple[str, ...]]:
    """Every shipped preset and the kinds it has a mapping for."""
    root = resources.files("traseu.imports") / "presets"
    return {
        name: tuple(
            sorted(
                p.name.removesuffix(".yaml")
                for p in (root / name).iterdir()
                if p.name.endswith(".yaml")
            )
        )
        for name in PRESETS
    }


def load_preset(name: str, kind: str) -> Mapping:
    """The shipped mapping of preset ``name`` for ``kind``; an unknown one is InvalidInput."""
    from traseu.core.errors import InvalidInput

    presets = preset_names()
    if name not in presets:
        raise InvalidInput(
            _("No preset '%(name)s'; the presets are: %(names)s.")
            % {"name": name, "names": ", ".join(presets)},
            code="preset_unknown",
        )
    if kind not in presets[name]:
        raise InvalidInput(
            _("The %(name)s preset has no mapping for %(kind)s; it has: %(kinds)s.")
            % {"name": name, "kind": kind, "kinds": ", ".join(presets[name])},
            code="preset_kind_unknown",
        )
    resource = resources.files("traseu.imports") / "presets" / name / f"{kind}.yaml"
    return load_mapping_text(resource.read_text(encoding="utf-8"), file=f"preset:{name}/{kind}")


def preset_kind_for_file(name: str, file_name: str) -> str | None:
    """The kind whose mapping in preset ``name`` is for a file called ``file_name`` (compared
    case-insensitively: ``opportunityhistory.CSV`` is Salesforce's history file), if any."""
    wanted = Path(file_name).name.casefold()
    for kind in preset_names().get(name, ()):
        if load_preset(name, kind).file.casefold() == wanted:
            return kind
    return None
