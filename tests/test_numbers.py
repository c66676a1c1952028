"""Tests for levrisk.numbers: the numeric contract (DESIGN.md, principle 2; rule-rounding)."""

from __future__ import annotations

import decimal
import threading
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from levrisk._fields import number
from levrisk.exceptions import InvalidInputError
from levrisk.numbers import (
    PRECISION,
    NumberLike,
    RoundingMode,
    _convert_any,
    exact,
    round_to_step,
    to_decimal,
)


class TestToDecimal:
    """to_decimal: Decimal, int, str and float in; finite exact Decimal out."""

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (0.1, Decimal("0.1")),
            (1e-7, Decimal("1E-7")),
            (60000.5, Decimal("60000.5")),
            (3, Decimal(3)),
            (10**60, Decimal(10**60)),
            ("0.30000000000000000000000000000000000000000000000000001", None),
            (" 12.50 ", Decimal("12.50")),
            (Decimal("-2.5"), Decimal("-2.5")),
            (-0.0, Decimal(0)),
            (Decimal("-0"), Decimal(0)),
        ],
        ids=[
            "float-0.1",
            "float-tiny",
            "float",
            "int",
            "huge-int",
            "long-str",
            "spaced-str",
            "decimal",
            "neg-zero-float",
            "neg-zero-decimal",
        ],
    )
    def test_accepted(self, value: float | str | Decimal, expected: Decimal | None) -> None:
        """Accepted values convert exactly, from the float's shortest repr."""
        result = to_decimal(value)
        assert result == (Decimal(value) if expected is None else expected)
        assert not result.is_signed() or result != 0

    def test_float_subclass(self) -> None:
        """A float subclass with its own repr (numpy.float64 prints 'np.float64(0.1)')."""

        class Tagged(float):
            def __repr__(self) -> str:
                return f"Tagged({float(self)})"

        assert to_decimal(Tagged(0.1)) == Decimal("0.1")
        assert to_decimal(np.float64(0.1), name="size") == Decimal("0.1")

    def test_long_string_keeps_every_digit(self) -> None:
        """A string longer than the context precision is not rounded."""
        text = "0." + "3" * 80
        assert str(to_decimal(text)) == text

    @pytest.mark.parametrize(
        "value",
        [
            True,
            False,
            float("nan"),
            float("inf"),
            float("-inf"),
            Decimal("NaN"),
            Decimal("sNaN"),
            Decimal("Infinity"),
            "abc",
            "",
            "nan",
            "inf",
            None,
            [1],
            {"a": 1},
            (1,),
            1j,
            object(),
        ],
        ids=[
            "True",
            "False",
            "nan",
            "inf",
            "-inf",
            "Decimal-NaN",
            "sNaN",
            "Decimal-inf",
            "abc",
            "empty",
            "str-nan",
            "str-inf",
            "None",
            "list",
            "dict",
            "tuple",
            "complex",
            "object",
        ],
    )
    def test_rejected_names_the_argument(self, value: object) -> None:
        """bool, NaN, ±inf, non-numeric strings and other types raise, naming the argument."""
        with pytest.raises(InvalidInputError, match=r"^price must be a finite number, got "):
            to_decimal(value, name="price")  # type: ignore[arg-type]

    def test_default_name(self) -> None:
        """Without a name the message says 'value'."""
        with pytest.raises(InvalidInputError, match=r"^value must be"):
            to_decimal("x")

    def test_is_a_value_error(self) -> None:
        """InvalidInputError can be caught as ValueError."""
        with pytest.raises(ValueError, match="finite"):
            to_decimal(None)  # type: ignore[arg-type]

    @given(st.floats(allow_nan=False, allow_infinity=False))
    def test_float_round_trips(self, value: float) -> None:
        """Every finite float converts to the Decimal of its shortest repr."""
        assert float(to_decimal(value)) == value
        assert to_decimal(value) == Decimal(repr(value))


class TestShortPaths:
    """The short paths of to_decimal (plain int, float, Decimal, str) agree with the long one.

    Issue 13 (a fast exact core): a plain number in bounds is converted without the general
    checks; every value at or past a bound still takes the general path and its message.
    """

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (10**2000, Decimal(10**2000)),  # 2,001 digits, one significant: in bounds
            (-(10**2000), Decimal(-(10**2000))),
            (Decimal("1" + "0" * 2500), Decimal(10**2500)),  # a long coefficient
            (" " * 2000 + "7", Decimal(7)),  # longer than MAX_DIGITS characters
            ("-0.00", Decimal("0.00")),
            (Decimal("-0.0"), Decimal("0.0")),
            (0.0, Decimal("0.0")),
        ],
        ids=[
            "big-int",
            "big-negative-int",
            "long-decimal",
            "long-str",
            "str-zero",
            "dec-zero",
            "f0",
        ],
    )
    def test_past_the_short_path(self, value: NumberLike, expected: Decimal) -> None:
        """Values the short paths leave to the general conversion convert the same."""
        result = to_decimal(value)
        assert result == expected
        assert str(result) == str(expected)
        assert not result.is_signed() or result != 0

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            (10**2000 + 1, "significant digits"),
            (10**20000, "magnitude"),
            (Decimal("1E+10000"), "magnitude"),
            (Decimal("1" * 2001), "significant digits"),
            ("1E+10000", "magnitude"),
            ("1" * 2001, "significant digits"),
        ],
        ids=[
            "int-digits",
            "huge-int",
            "decimal-exponent",
            "decimal-digits",
            "str-exponent",
            "str-digits",
        ],
    )
    def test_out_of_bounds_keeps_its_message(self, value: NumberLike, message: str) -> None:
        """A value out of bounds is refused by the general path, with its message."""
        with pytest.raises(InvalidInputError, match=rf"^size must .*{message}"):
            to_decimal(value, name="size")

    def test_bad_string_in_a_quiet_context(self) -> None:
        """A bad string sets no flag in a caller's context that traps nothing (number())."""
        with decimal.localcontext() as context:
            context.traps[decimal.InvalidOperation] = False
            context.clear_flags()
            assert number("long").is_nan()
            assert number(" 2.5 ") == Decimal("2.5")
            assert not any(context.flags.values())

    @given(st.one_of(st.integers(), st.floats(allow_nan=False), st.decimals(allow_nan=False)))
    def test_same_as_general_path(self, value: NumberLike) -> None:
        """Short path or not, the result is the general conversion's, digit for digit."""
        try:
            expected = _convert_any(value, "value")
        except InvalidInputError:
            with pytest.raises(InvalidInputError):
                to_decimal(value)
            return
        assert str(to_decimal(value)) == str(expected)
        assert str(to_decimal(str(value))) == str(_convert_any(str(value), "value"))


@exact
def _third() -> Decimal:
    return Decimal(1) / Decimal(3)


def _sample_computation() -> list[Decimal]:
    return [
        _third(),
        round_to_step("2", "0.3", "half_even"),
        round_to_step("2.5", "1", "half_even"),
        round_to_step("-1.05", "0.1", "half_up"),
    ]


class TestContext:
    """Results never depend on the caller's decimal context, which is never changed."""

    def test_hostile_context(self) -> None:
        """prec=3 and ROUND_FLOOR in the caller's context change nothing."""
        expected = _sample_computation()
        with decimal.localcontext() as ctx:
            ctx.prec = 3
            ctx.rounding = decimal.ROUND_FLOOR
            ctx.traps[decimal.Inexact] = True
            before = (ctx.prec, ctx.rounding, dict(ctx.traps), dict(ctx.flags))
            assert _sample_computation() == expected
            assert (ctx.prec, ctx.rounding, dict(ctx.traps), dict(ctx.flags)) == before

    def test_precision(self) -> None:
        """Computations carry PRECISION significant digits."""
        assert _third().as_tuple().digits == (3,) * PRECISION

    def test_threads_with_their_own_contexts(self) -> None:
        """Threads with different contexts get identical results."""
        expected = _sample_computation()
        results: list[list[Decimal]] = []

        def work(prec: int) -> None:
            decimal.getcontext().prec = prec
            decimal.getcontext().rounding = decimal.ROUND_CEILING
            results.append(_sample_computation())

        threads = [threading.Thread(target=work, args=(p,)) for p in range(2, 12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [expected] * len(threads)


class TestOneContextPerCall:
    """rule-rounding: only the outermost public call enters levrisk's context."""

    def test_nested_calls_share_the_outer_context(self) -> None:
        """An inner decorated call runs in the context the outer call entered."""
        seen: list[decimal.Context] = []

        @exact
        def inner() -> None:
            seen.append(decimal.getcontext())

        @exact
        def outer() -> None:
            seen.append(decimal.getcontext())
            inner()

        outer()
        assert seen[0] is seen[1]
        assert seen[0].prec == PRECISION

    def test_a_context_switched_inside_is_not_trusted(self) -> None:
        """A call made under another context (set inside a call) enters levrisk's again."""
        seen: list[int] = []

        @exact
        def inner() -> None:
            seen.append(decimal.getcontext().prec)

        @exact
        def outer() -> None:
            with decimal.localcontext() as other:
                other.prec = 5
                inner()

        outer()
        assert seen == [PRECISION]

    def test_each_call_gets_a_fresh_context(self) -> None:
        """Two calls in a row do not share a context (flags never leak between calls)."""
        seen: list[decimal.Context] = []

        @exact
        def call() -> None:
            seen.append(decimal.getcontext())

        call()
        call()
        assert seen[0] is not seen[1]


ROUNDING_TABLE: list[tuple[str, RoundingMode, str]] = [
    # value, mode, result for step 0.1
    ("1.25", "down", "1.2"),
    ("-1.25", "down", "-1.2"),
    ("1.25", "up", "1.3"),
    ("-1.25", "up", "-1.3"),
    ("1.25", "floor", "1.2"),
    ("-1.25", "floor", "-1.3"),
    ("1.25", "ceiling", "1.3"),
    ("-1.25", "ceiling", "-1.2"),
    ("1.25", "half_up", "1.3"),
    ("-1.25", "half_up", "-1.3"),
    ("1.25", "half_even", "1.2"),
    ("-1.25", "half_even", "-1.2"),
    ("1.35", "half_even", "1.4"),
    ("-1.35", "half_even", "-1.4"),
    ("1.25", "half_down", "1.2"),
    ("-1.25", "half_down", "-1.2"),
    ("1.26", "half_down", "1.3"),
    ("-1.26", "half_down", "-1.3"),
    ("1.2", "up", "1.2"),
    ("-1.2", "floor", "-1.2"),
]


class TestRoundToStep:
    """round_to_step: rule-rounding, every mode on positive and negative values."""

    @pytest.mark.parametrize(
        ("value", "mode", "expected"),
        ROUNDING_TABLE,
        ids=[f"{v}-{m}" for v, m, _ in ROUNDING_TABLE],
    )
    def test_table(self, value: str, mode: RoundingMode, expected: str) -> None:
        """Each mode rounds as documented, to the step's places."""
        result = round_to_step(value, "0.1", mode)
        assert result == Decimal(expected)
        assert str(result) == expected

    @pytest.mark.parametrize(
        ("value", "step", "mode", "expected"),
        [
            ("25100.4", "0.01", "half_up", "25100.40"),
            ("0.123456", "0.001", "down", "0.123"),
            ("17", "5", "floor", "15"),
            ("-17", "5", "floor", "-20"),
            ("0.05", "0.1", "down", "0.0"),
            ("-0.05", "0.1", "down", "0.0"),
            ("12345", "0.5", "ceiling", "12345.0"),
        ],
        ids=["tick", "lot", "int-step", "neg-int-step", "to-zero", "neg-to-zero", "half-step"],
    )
    def test_steps(self, value: str, step: str, mode: RoundingMode, expected: str) -> None:
        """Non-decimal steps and rounding to zero give clean, unsigned results."""
        assert str(round_to_step(value, step, mode)) == expected

    def test_huge_value_tiny_step(self) -> None:
        """A value with more digits than the precision at this step still rounds."""
        result = round_to_step("1e60", "1e-8", "down")
        assert result == Decimal("1e60")

    @pytest.mark.parametrize("step", ["0", "-0.1"])
    def test_step_must_be_positive(self, step: str) -> None:
        """A zero or negative step is rejected, naming the argument."""
        with pytest.raises(InvalidInputError, match=r"^step must be positive"):
            round_to_step("1", step, "down")

    @pytest.mark.parametrize("mode", ["nearest", "HALF_UP", None, 1])
    def test_unknown_mode(self, mode: object) -> None:
        """Only the RoundingMode literals are accepted."""
        with pytest.raises(InvalidInputError, match=r"^mode must be one of"):
            round_to_step("1", "0.1", mode)  # type: ignore[arg-type]

    def test_bad_value(self) -> None:
        """A non-number value is rejected, naming the argument."""
        with pytest.raises(InvalidInputError, match=r"^value must be"):
            round_to_step("x", "0.1", "down")

    @given(
        st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=6),
        st.sampled_from(["0.01", "0.5", "1", "0.001", "25"]),
        st.sampled_from(["down", "up", "floor", "ceiling", "half_up", "half_even", "half_down"]),
    )
    def test_properties(self, value: Decimal, step: str, mode: RoundingMode) -> None:
        """The result is a multiple of the step within one step of the value, on the right side."""
        s = Decimal(step)
        r = round_to_step(value, s, mode)
        assert r % s == 0
        assert abs(r - value) < s
        if mode == "floor":
            assert r <= value
        if mode == "ceiling":
            assert r >= value
        if mode == "down":
            assert abs(r) <= abs(value)
        if mode == "up":
            assert abs(r) >= abs(value)
        if mode.startswith("half"):
            assert abs(r - value) * 2 <= s
