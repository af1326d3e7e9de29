"""Proposal arithmetic in exact decimals: pure Python, no Django (import-linter keeps it so).

The rounding rule, the only one in Traseu:

1. For each line, ``net = quantity * unit price * (1 - discount% / 100)`` is computed exactly,
   then rounded **half up** (``ROUND_HALF_UP``) to the currency's minor unit (2 decimals for EUR
   and RON, 0 for JPY, 3 for KWD …).
2. The line's ``tax = net * tax% / 100`` is computed from the *rounded* net and rounded the same
   way; the line total is ``net + tax`` (already exact in minor units).
3. The proposal's subtotal, tax and total are the sums of the rounded line values, so the
   printed lines always add up to the printed total, to the last cent.

``gross`` (quantity * unit price, rounded) and ``discount = gross - net`` are shown for reading.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

HUNDRED = Decimal(100)
# ISO 4217 currencies whose minor unit is not 2 decimals; every other code uses 2.
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        (
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}


def minor_unit(currency: str) -> int:
    """How many decimals the currency's minor unit has (2 unless listed in ``MINOR_UNITS``)."""
    return MINOR_UNITS.get(currency.upper(), 2)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def round_money(value: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit."""
    with localcontext() as context:
        context.prec = 60
        return value.quantize(quantum(currency), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal = Decimal(0)
    tax_percent: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class LineAmounts:
    gross: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    lines: tuple[LineAmounts, ...]
    gross: Decimal
    discount: Decimal
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    currency: str


def line_amounts(line: LineInput, currency: str) -> LineAmounts:
    """One line's amounts under the rounding rule of this module."""
    with localcontext() as context:
        context.prec = 60  # exact for every value the database can hold
        exact_gross = line.quantity * line.unit_price
        exact_net = exact_gross * (HUNDRED - line.discount_percent) / HUNDRED
        gross = round_money(exact_gross, currency)
        net = round_money(exact_net, currency)
        tax = round_money(net * line.tax_percent / HUNDRED, currency)
        return LineAmounts(gross=gross, discount=gross - net, net=net, tax=tax, total=net + tax)


def totals(lines: Iterable[LineInput], currency: str) -> Totals:
    """Every line's amounts and the sums of the rounded line values."""
    amounts = tuple(line_amounts(line, currency) for line in lines)
    zero = round_money(Decimal(0), currency)
    return Totals(
        lines=amounts,
        gross=sum((a.gross for a in amounts), zero),
        discount=sum((a.discount for a in amounts), zero),
        subtotal=sum((a.net for a in amounts), zero),
        tax=sum((a.tax for a in amounts), zero),
        total=sum((a.total for a in amounts), zero),
        currency=currency.upper(),
    )
