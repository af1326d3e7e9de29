"""Turning cells into values: text with its transforms, dates, amounts, flags, custom attributes.

Every failure is a :class:`CellError` naming the field, the column and the value, so the engine
can report the row precisely.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from traseu.imports.mapping import Attribute, Column, Mapping, choice_key
from traseu.imports.reading import SourceRow, header_key

TRUE = frozenset({"1", "true", "yes", "y", "da", "won", "x", "✓", "adevarat", "adevărat"})
FALSE = frozenset({"0", "false", "no", "n", "nu", "", "fals", "lost"})
_SYMBOLS = re.compile(r"[^\d,.\-' ]")  # currency symbols and codes: "€", "RON", "$", "lei"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CellError(Exception):
    def __init__(self, field: str, column: str, value: Any, message: str, code: str) -> None:
        super().__init__(message)
        self.field, self.column, self.value = field, column, value
        self.message, self.code = message, code


def _transform(text: str, transforms: tuple[str, ...]) -> str:
    for name in transforms:
        if name == "trim":
            text = text.strip()
        elif name == "lower":
            text = text.lower()
        elif name == "upper":
            text = text.upper()
        elif name == "title":
            text = text.title()
        elif name == "squash_spaces":
            text = " ".join(text.split())
        elif name == "digits":
            text = "".join(c for c in text if c.isdigit() or c == "+")
    return text


class Cells:
    """One source row read through a mapping."""

    def __init__(self, mapping: Mapping, row: SourceRow) -> None:
        self.mapping, self.row = mapping, row

    def has(self, field: str) -> bool:
        return field in self.mapping.columns

    def column(self, field: str) -> str:
        spec = self.mapping.columns.get(field)
        return spec.column if spec else ""

    def raw(self, field: str) -> Any:
        spec = self.mapping.columns.get(field)
        if spec is None:
            return None
        value = self.row.values.get(header_key(spec.column), "")
        if value is None or (isinstance(value, str) and not value.strip()):
            return spec.default if spec.default is not None else ""
        return value

    def error(self, field: str, value: Any, message: str, code: str) -> CellError:
        return CellError(field, self.column(field), value, message, code)

    def text(self, field: str) -> str:
        """The cleaned text; with a choice table, the mapped value (or a rejection)."""
        spec = self.mapping.columns.get(field)
        raw = self.raw(field)
        if spec is None or raw is None:
            return ""
        text = _transform(_as_text(raw), spec.transforms)
        if spec.values and text:
            return self._choice(field, spec, text)
        return text

    def _choice(self, field: str, spec: Column, text: str) -> str:
        mapped = spec.choice(text)
        if mapped is not None:
            return mapped
        if spec.on_unknown == "keep":
            return text
        if spec.on_unknown == "default":
            return spec.default or ""
        raise self.error(
            field,
            text,
            _("'%(value)s' is not one of: %(choices)s.")
            % {"value": text, "choices": ", ".join(spec.values)},
            "unknown_choice",
        )

    def required(self, field: str) -> str:
        text = self.text(field)
        if not text:
            raise self.error(field, "", _("A value is required."), "required")
        return text

    def moment(self, field: str) -> dt.datetime | None:
        raw = self.raw(field)
        return None if raw in (None, "") else parse_moment(self, field, raw)

    def day(self, field: str) -> dt.date | None:
        moment = self.moment(field)
        return None if moment is None else moment.astimezone(_zone(self.mapping)).date()

    def amount(self, field: str) -> Decimal | None:
        raw = self.raw(field)
        return None if raw in (None, "") else parse_decimal(self, field, raw)

    def integer(self, field: str) -> int | None:
        number = self.amount(field)
        if number is None:
            return None
        if number != number.to_integral_value() or number < 0:
            raise self.error(
                field, self.raw(field), _("A whole number of at least 0 is needed."), "integer"
            )
        return int(number)

    def flag(self, field: str) -> bool | None:
        raw = self.raw(field)
        if raw is None or not self.has(field):
            return None
        if isinstance(raw, bool):
            return raw
        key = choice_key(self.text(field))
        if key in TRUE:
            return True
        if key in FALSE:
            return False
        raise self.error(field, raw, _("'%(value)s' is not yes or no.") % {"value": raw}, "flag")

    def email(self, field: str) -> str:
        text = self.text(field).lower()
        if text and not _EMAIL.match(text):
            raise self.error(
                field, text, _("'%(value)s' is not an e-mail address.") % {"value": text}, "email"
            )
        return text

    def custom(self) -> dict[str, Any]:
        """The typed custom attributes of the row (blank cells are left out)."""
        values: dict[str, Any] = {}
        for attribute in self.mapping.custom:
            raw = self.row.values.get(header_key(attribute.column), "")
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            values[attribute.key] = self._attribute(attribute, raw)
        return values

    def _attribute(self, attribute: Attribute, raw: Any) -> Any:
        name = f"custom.{attribute.key}"
        if attribute.type == "number":
            number = parse_decimal(self, name, raw, column=attribute.column)
            return int(number) if number == number.to_integral_value() else float(number)
        if attribute.type == "date":
            moment = parse_moment(self, name, raw, column=attribute.column)
            return moment.astimezone(_zone(self.mapping)).date().isoformat()
        text = " ".join(_as_text(raw).split())
        if attribute.type == "choice":
            wanted = choice_key(text)
            found = next((v for k, v in attribute.choices.items() if choice_key(k) == wanted), None)
            if found is None:
                raise CellError(
                    name,
                    attribute.column,
                    text,
                    _("'%(value)s' is not one of: %(choices)s.")
                    % {"value": text, "choices": ", ".join(attribute.choices)},
                    "unknown_choice",
                )
            return found
        return text


def _as_text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime | dt.date):
        return raw.isoformat()
    return str(raw)


def _zone(mapping: Mapping) -> ZoneInfo:
    return ZoneInfo(mapping.dates.timezone or settings.TIME_ZONE)


def parse_moment(cells: Cells, field: str, raw: Any, *, column: str = "") -> dt.datetime:
    """A date or date-time, tried against the mapping's formats in order (ISO 8601 always
    works); a date alone is midnight in the mapping's time zone."""
    zone = _zone(cells.mapping)
    if isinstance(raw, dt.datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=zone)
    if isinstance(raw, dt.date):
        return dt.datetime.combine(raw, dt.time(), tzinfo=zone)
    text = str(raw).strip()
    for fmt in cells.mapping.dates.formats:
        try:
            moment = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    try:  # ISO 8601 with a zone, as Salesforce writes it: 2024-03-01T09:30:00.000Z
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CellError(
            field,
            column or cells.column(field),
            text,
            _("'%(value)s' is not a date in any of these formats: %(formats)s.")
            % {"value": text, "formats": ", ".join(cells.mapping.dates.formats)},
            "date",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def parse_decimal(cells: Cells, field: str, raw: Any, *, column: str = "") -> Decimal:
    """``1.234,56 lei``, ``$1,234.56``, ``-12``: symbols dropped, separators per the mapping."""
    if isinstance(raw, bool):
        raw = int(raw)
    if isinstance(raw, int | float | Decimal):
        return Decimal(str(raw))
    text = _SYMBOLS.sub("", str(raw)).strip().replace(" ", "")
    decimals = cells.mapping.decimals
    text = text.replace("'", "")  # 1'234.50 (Swiss)
    if decimals.decimal == ",":
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or not text:
        raise CellError(
            field,
            column or cells.column(field),
            raw,
            _("'%(value)s' is not a number (decimal separator '%(sep)s').")
            % {"value": raw, "sep": decimals.decimal},
            "number",
        )
    return number
