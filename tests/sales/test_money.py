"""The proposal arithmetic: exact decimals, half-up rounding per line, totals from rounded lines.
Pure: no database."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from traseu.sales.money import LineInput, line_amounts, minor_unit, round_money, totals

D = Decimal


def test_half_up_to_the_minor_unit() -> None:
    assert round_money(D("0.005"), "EUR") == D("0.01")
    assert round_money(D("0.0049"), "EUR") == D("0.00")
    assert round_money(D("2.5"), "JPY") == D("3")
    assert round_money(D("1.0005"), "KWD") == D("1.001")
    assert (minor_unit("ron"), minor_unit("JPY"), minor_unit("BHD")) == (2, 0, 3)


def test_a_line_with_discount_and_tax() -> None:
    line = LineInput(D("3"), D("19.99"), discount_percent=D("12.5"), tax_percent=D("19"))
    amounts = line_amounts(line, "RON")
    # 59.97 gross; net 52.47375 -> 52.47; tax 9.9693 -> 9.97
    assert amounts.gross == D("59.97")
    assert amounts.net == D("52.47")
    assert amounts.discount == D("7.50")
    assert amounts.tax == D("9.97")
    assert amounts.total == D("62.44")


def test_totals_are_sums_of_rounded_lines_not_rounded_sums() -> None:
    # Three lines of 0.005 each: per-line rounding gives 0.01 * 3 = 0.03, where rounding the
    # exact sum (0.015) would give 0.02. The printed lines must add up to the printed total.
    result = totals([LineInput(D("1"), D("0.005"))] * 3, "EUR")
    assert [a.total for a in result.lines] == [D("0.01")] * 3
    assert result.total == D("0.03")


def test_no_lines_total_zero_in_minor_units() -> None:
    result = totals([], "EUR")
    assert (result.total, str(result.total)) == (D("0.00"), "0.00")


quantities = st.decimals(min_value=D("0.0001"), max_value=D("100000"), places=4)
prices = st.decimals(min_value=D("0"), max_value=D("1000000"), places=4)
percents = st.decimals(min_value=D("0"), max_value=D("100"), places=2)
lines = st.lists(st.builds(LineInput, quantities, prices, percents, percents), max_size=12)


@given(lines, st.sampled_from(["EUR", "RON", "JPY", "KWD"]))
def test_the_sum_of_line_totals_is_the_total(items: list[LineInput], currency: str) -> None:
    result = totals(items, currency)
    assert sum((a.total for a in result.lines), D(0)) == result.total
    assert result.subtotal + result.tax == result.total
    assert result.gross - result.discount == result.subtotal
    step = D(1).scaleb(-minor_unit(currency))
    for amounts in result.lines:
        assert amounts.total == amounts.total.quantize(step)
        assert amounts.net <= amounts.gross


@given(quantities, prices, percents)
def test_line_rounding_error_is_at_most_half_a_minor_unit(
    quantity: Decimal, price: Decimal, discount: Decimal
) -> None:
    net = line_amounts(LineInput(quantity, price, discount), "EUR").net
    exact = quantity * price * (100 - discount) / 100
    assert abs(net - exact) <= D("0.005")
