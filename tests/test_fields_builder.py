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
    _new: int = 0
    _store1: int = 0


class TestBuilder:
    """One generated function per class, building what ``trusted`` builds."""

    def test_generated_once(self) -> None:
        """The class' function is made once and reused."""
        assert builder(_Pair) is builder(_Pair)

    def test_same_object_as_trusted_and_validated(self) -> None:
        """The built object equals the validated one, with the same hash and repr."""
        built = builder(_Pair)(price=Decimal("2.5"), label="y")
        checked = _Pair(price="2.5", label="y")
        assert built == checked == trusted(_Pair, price=Decimal("2.5"), label="y")
        assert hash(built) == hash(checked)
        assert repr(built) == repr(checked)

    def test_frozen(self) -> None:
        """The object is as frozen as one built by its constructor."""
        built = builder(_Pair)(price=Decimal(1), label="y")
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            built.price = Decimal(2)  # type: ignore[misc]

    def test_a_class_without_slots(self) -> None:
        """A class without slots is built as well, as frozen."""
        built = builder(_Plain)(price=Decimal("2.5"))
        assert built == _Plain(price="2.5")
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            built.price = Decimal(1)  # type: ignore[misc]

    def test_every_field_is_given(self) -> None:
        """A missing field is a TypeError, not an object missing an attribute."""
        with pytest.raises(TypeError, match="label"):
            builder(_Pair)(price=Decimal(1))

    def test_refuses_a_field_named_as_its_own_names(self) -> None:
        """A field may not shadow a name the generated function uses."""
        with pytest.raises(TypeError, match=r"^_Clash has fields named .*\['_new', '_store1'\]$"):
            builder(_Clash)
