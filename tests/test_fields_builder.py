"""Tests for levrisk._fields.builder: the generated internal constructor of result objects."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from levrisk._fields import builder, number, positive, trusted


@attrs.frozen(kw_only=True)
class _Pair:
    price: Decimal = attrs.field(converter=number, validator=positive)
    label: str = "x"


@attrs.frozen(kw_only=True, slots=False)
class _Plain:
    price: Decimal = attrs.field(converter=number, validator=positive)


@attrs.frozen(kw_only=True)
class _Clash:
    isinstance: int = 0
    _store1: int = 0


class TestBuilder:
    """One generated function per class, the same constructor as ``trusted``."""

    def test_generated_once(self) -> None:
        """The class' function is made once and reused."""
        assert builder(_Pair) is builder(_Pair)

    def test_same_object_as_trusted_and_validated(self) -> None:
        """The built object equals the validated one; a Decimal zero is stored as 0."""
        built = builder(_Pair)(price=Decimal("-0"), label="y")
        assert built == trusted(_Pair, price=Decimal(0), label="y")
        assert str(built.price) == "0"
        assert builder(_Pair)(price=Decimal("2.5"), label="y") == _Pair(price="2.5", label="y")

    def test_a_class_without_slots(self) -> None:
        """A class without slots is built as well, as frozen."""
        built = builder(_Plain)(price=Decimal("2.5"))
        assert built == _Plain(price="2.5")
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            built.price = Decimal(1)  # type: ignore[misc]

    def test_a_field_not_given_stays_unset(self) -> None:
        """As ``trusted``: only the given fields are stored."""
        built = builder(_Pair)(label="y")
        assert built.label == "y"
        assert not hasattr(built, "price")

    def test_refuses_a_field_named_as_its_own_names(self) -> None:
        """A field may not shadow a name the generated function uses."""
        with pytest.raises(
            TypeError, match=r"^_Clash has fields named .*\['_store1', 'isinstance'\]$"
        ):
            builder(_Clash)
