"""Tests for levrisk._fields: the converters and validators of Decimal fields."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from levrisk._fields import (
    finite,
    fraction,
    instance_of,
    non_negative,
    number,
    optional_number,
    positive,
)
from levrisk.exceptions import InvalidInputError


@attrs.frozen(kw_only=True)
class _Sample:
    any_sign: Decimal = attrs.field(converter=number, validator=finite)
    price: Decimal = attrs.field(default=Decimal(1), converter=number, validator=positive)
    amount: Decimal = attrs.field(default=Decimal(0), converter=number, validator=non_negative)
    rate: Decimal | None = attrs.field(default=None, converter=optional_number, validator=fraction)
    count: int = attrs.field(default=0, validator=instance_of(int))


class TestFields:
    """Each validator names the field and shows the value; conversion follows to_decimal."""

    def test_converts(self) -> None:
        """Strings, ints and floats convert exactly; None stays None where optional."""
        sample = _Sample(any_sign=-0.1, price="2.5", amount=3, rate=None)
        assert (sample.any_sign, sample.price, sample.amount, sample.rate) == (
            Decimal("-0.1"),
            Decimal("2.5"),
            Decimal(3),
            None,
        )
        assert _Sample(any_sign=0, rate="0.5").rate == Decimal("0.5")

    @pytest.mark.parametrize(
        ("fields", "match"),
        [
            ({"any_sign": "abc"}, "^any_sign must be a finite number, got 'abc'$"),
            ({"any_sign": 0, "price": 0}, r"^price must be positive, got Decimal\('0'\)$"),
            ({"any_sign": 0, "amount": -1}, r"^amount must not be negative, got Decimal\('-1'\)$"),
            (
                {"any_sign": 0, "rate": 1},
                r"^rate must be a fraction in \[0, 1\), got Decimal\('1'\)$",
            ),
            ({"any_sign": 0, "rate": "-0.1"}, r"^rate must be a fraction in \[0, 1\)"),
            ({"any_sign": 0, "rate": True}, "^rate must be a finite number, got True$"),
            ({"any_sign": 0, "count": "1"}, "^count must be int, got '1'$"),
            ({"any_sign": 0, "count": True}, "^count must be int, got True$"),
        ],
        ids=[
            "not-a-number",
            "positive",
            "non-negative",
            "fraction-high",
            "fraction-low",
            "bool",
            "type",
            "bool-is-not-int",
        ],
    )
    def test_rejects(self, fields: dict[str, object], match: str) -> None:
        """Out-of-domain values raise InvalidInputError naming the field."""
        with pytest.raises(InvalidInputError, match=match):
            _Sample(**fields)  # type: ignore[arg-type]
