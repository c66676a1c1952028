"""Tests for levrisk._typing (the closed option sets and their checks) and _fields' helpers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest

from levrisk._fields import FrozenMap, fee_rate, require
from levrisk._typing import Side, choice, one_of, options, publish, side_sign
from levrisk.exceptions import InvalidInputError


class _Tagged(str):
    """A str subclass, as a caller's enum-like type might be."""

    __slots__ = ()


@attrs.frozen(kw_only=True)
class _Sample:
    side: Side = attrs.field(validator=one_of(Side))


class TestChoice:
    """One check per closed set, built from the Literal alias itself."""

    def test_options_in_declared_order(self) -> None:
        """The options come from the alias, in the order it declares them."""
        assert options(Side) == ("long", "short")

    def test_accepts_and_returns_the_plain_option(self) -> None:
        """A str subclass is accepted and the alias' own plain str comes back."""
        result = choice(_Tagged("short"), Side, "side")
        assert result == "short"
        assert type(result) is str

    @pytest.mark.parametrize("value", ["flat", None, 1, ["long"], b"long"])
    def test_refuses_with_the_name_and_options(self, value: Any) -> None:
        """Anything else is refused, naming the argument and listing the options."""
        with pytest.raises(InvalidInputError, match=r"^side must be one of \('long', 'short'\)"):
            choice(value, Side, "side")

    def test_validator_names_the_field(self) -> None:
        """The attrs validator names the field."""
        assert _Sample(side="long").side == "long"
        with pytest.raises(InvalidInputError, match=r"^side must be one of"):
            _Sample(side="up")  # type: ignore[arg-type]

    def test_side_sign(self) -> None:
        """The sign s is +1 for a long, −1 for a short."""
        assert (side_sign("long"), side_sign("short")) == (1, -1)


class TestRequire:
    """One argument type check."""

    def test_passes_through(self) -> None:
        """An instance comes back unchanged."""
        value = Decimal(1)
        assert require(value, Decimal, "x") is value

    def test_refuses(self) -> None:
        """Anything else names the argument, the type and the value."""
        with pytest.raises(InvalidInputError, match=r"^position must be a Decimal, got 1$"):
            require(1, Decimal, "position")


class TestFeeRate:
    """One fee-rate check: a fraction in [0, 1)."""

    def test_accepts(self) -> None:
        """0 and 0.001 are rates."""
        assert (fee_rate(0, "f"), fee_rate("0.001", "f")) == (Decimal(0), Decimal("0.001"))

    @pytest.mark.parametrize("value", ["1", "-0.1"])
    def test_refuses(self, value: str) -> None:
        """1 and negative rates are refused, naming the argument."""
        with pytest.raises(InvalidInputError, match=r"^fee_rate must be a fraction in \[0, 1\)"):
            fee_rate(value, "fee_rate")


class TestFrozenMap:
    """A read-only, hashable mapping."""

    def test_mapping(self) -> None:
        """It reads, compares, hashes and shows like the dict it copies."""
        data = {"BTC": Decimal(1), "ETH": Decimal(2)}
        frozen = FrozenMap(data)
        data["BTC"] = Decimal(5)
        assert frozen["BTC"] == Decimal(1)
        assert list(frozen) == ["BTC", "ETH"]
        assert len(frozen) == 2
        assert frozen == {"BTC": Decimal(1), "ETH": Decimal(2)}
        assert frozen != [("BTC", 1)]
        assert hash(frozen) == hash(FrozenMap({"ETH": Decimal(2), "BTC": Decimal(1)}))
        assert repr(frozen) == "{'BTC': Decimal('1'), 'ETH': Decimal('2')}"


class TestPublish:
    """A face documents its re-exported classes and functions under its own name."""

    def test_sets_module_of_classes_and_functions_only(self) -> None:
        """Classes and functions move; aliases, generics and constants stay as they are."""

        def func() -> None:
            """A function."""

        class Klass:
            """A class."""

        namespace: dict[str, Any] = {
            "func": func,
            "Klass": Klass,
            "CONSTANT": Decimal(1),
            "Alias": dict[str, Decimal],
        }
        assert publish("levrisk.sample", namespace, namespace) == [
            "Alias",
            "CONSTANT",
            "Klass",
            "func",
        ]
        assert (func.__module__, Klass.__module__) == ("levrisk.sample", "levrisk.sample")
