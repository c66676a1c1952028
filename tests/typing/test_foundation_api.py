"""Type-level checks of the foundation API (mypy checks this file; pytest never runs it)."""

from __future__ import annotations

from decimal import Decimal

from typing_extensions import assert_type

from levrisk.brackets import Bracket, BracketTable
from levrisk.numbers import NumberLike, round_to_step, to_decimal


def check_numbers(value: NumberLike) -> None:
    """The numeric contract returns Decimals."""
    assert_type(to_decimal(value, name="x"), Decimal)
    assert_type(to_decimal(0.1), Decimal)
    assert_type(round_to_step("1.25", "0.1", "half_even"), Decimal)


def check_brackets(table: BracketTable) -> None:
    """Bracket tables take NumberLike and return Decimals and Brackets."""
    assert_type(table.bracket_for("1000"), Bracket)
    assert_type(table.maintenance_margin(1000), Decimal)
    assert_type(table.max_leverage(Decimal(1)), Decimal)
    assert_type(table.max_notional(20), Decimal)
    assert_type(table.max_cap, Decimal)
    assert_type(
        BracketTable.from_rates(caps=[1], maintenance_rates=["0.1"], max_leverages=[5]),
        BracketTable,
    )
    assert_type(Bracket(floor=0, cap="10", max_leverage=2.0, maintenance_rate="0.01").cap, Decimal)
