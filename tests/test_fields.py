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
    trusted,
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


class TestTrusted:
    """The internal constructor: a result object from values already checked."""

    def test_equals_the_validated_object(self) -> None:
        """The same fields give an equal object, with the same hash and repr."""
        values = {
            "any_sign": Decimal("-1.5"),
            "price": Decimal(2),
            "amount": Decimal(0),
            "rate": None,
            "count": 3,
        }
        built = trusted(_Sample, **values)
        checked = _Sample(**values)  # type: ignore[arg-type]
        assert built == checked
        assert hash(built) == hash(checked)
        assert repr(built) == repr(checked)

    def test_zero_is_stored_as_the_converter_stores_it(self) -> None:
        """A negative zero is stored as 0 (what the number converter returns)."""
        built = trusted(_Sample, any_sign=Decimal("-0"), price=Decimal(1), amount=Decimal(0))
        assert str(built.any_sign) == "0"

    def test_frozen(self) -> None:
        """The object is as frozen as one built by its constructor."""
        built = trusted(_Sample, any_sign=Decimal(1), price=Decimal(1), amount=Decimal(0))
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            built.price = Decimal(2)  # type: ignore[misc]
