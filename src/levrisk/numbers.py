"""The numeric contract: what levrisk accepts as a number, and how it rounds.

Every number that enters the scalar API goes through :func:`to_decimal`; every public
computation runs in the library's own decimal context (50 significant digits, traps on
invalid operations, division by zero and overflow), so results never depend on the
caller's :func:`decimal.getcontext` and never change it.
"""

from __future__ import annotations

import decimal
import functools
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final, ParamSpec, TypeAlias, TypeVar, Union

from levrisk import _typing
from levrisk.exceptions import InvalidInputError

__all__ = [
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "PRECISION",
    "NumberLike",
    "RoundingMode",
    "round_to_step",
    "to_decimal",
]

NumberLike: TypeAlias = Union[Decimal, int, str, float]  # noqa: UP007 - a runtime alias on 3.10 needs Union
"""The number types the scalar API accepts (``Decimal``, ``int``, ``str`` or ``float``).

A float is read from its shortest ``repr`` (``0.1`` means ``Decimal("0.1")``).
``bool``, NaN, infinities and non-numeric strings are rejected.
"""

RoundingMode: TypeAlias = _typing.RoundingMode
"""The ways in which ``round_to_step`` resolves a value between two steps.

``down`` toward zero, ``up`` away from zero, ``floor`` toward −∞, ``ceiling`` toward
+∞; the ``half_*`` modes round to the nearest step and break ties away from zero
(``half_up``), to the even multiple (``half_even``) or toward zero (``half_down``).
"""

PRECISION: Final = 50
"""Significant digits of every intermediate and final result of the scalar API."""

_ROUNDING: Final[dict[str, str]] = {
    "down": decimal.ROUND_DOWN,
    "up": decimal.ROUND_UP,
    "floor": decimal.ROUND_FLOOR,
    "ceiling": decimal.ROUND_CEILING,
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "half_down": decimal.ROUND_HALF_DOWN,
}

_CONTEXT: Final = decimal.Context(
    prec=PRECISION,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    capitals=1,
    clamp=0,
    flags=[],
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

_P = ParamSpec("_P")
_R = TypeVar("_R")


class _Entered:
    """The library context the latest outermost :func:`exact` call made current.

    One marker for the process: a call is nested when the current context *is* the
    marked one. Each call makes a fresh copy current and clears the marker on the way
    out, so no caller can make a marked context current later (even one it captured
    during a call, say in a mapping's ``__getitem__``). A marker overwritten by another
    thread only makes a nested call copy a fresh library context of its own (the same
    settings, so the same results).
    """

    __slots__ = ("context",)

    def __init__(self) -> None:
        """No call has entered yet."""
        self.context: decimal.Context | None = None


_ENTERED: Final = _Entered()


def exact(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``func`` in levrisk's own decimal context (the private helper of the contract).

    The caller's context is neither read nor changed: the outermost call makes a fresh
    copy of the library context current (no flags carried over from another call) and
    puts the caller's back on the way out. A call made while that context is current
    runs in it as it is (one context per public call, however deep the calls nest).
    """

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        caller = decimal.getcontext()
        if caller is _ENTERED.context:
            return func(*args, **kwargs)
        context = _ENTERED.context = _CONTEXT.copy()
        try:
            decimal.setcontext(context)
            return func(*args, **kwargs)
        finally:
            decimal.setcontext(caller)
            if _ENTERED.context is context:  # never leave a marker a caller could reuse
                _ENTERED.context = None

    return wrapper


MAX_EXPONENT: Final = 9_999
"""The largest power of ten a number may reach: every input lies within ``1E±9999``.

A nonzero input ``x`` must satisfy ``1E-9999 ≤ |x| < 1E+10000`` (its adjusted exponent
within ``±MAX_EXPONENT``); zero is always accepted. No price, size, balance or rate comes
anywhere near, and the bound keeps every product and quotient of the scalar API finite in
the library's context (no ``decimal.Overflow``) and every exact solve fast.
"""

MAX_DIGITS: Final = 2_000
"""The most significant digits (trailing zeros not counted) an input number may carry."""

_MAX_INT_BITS: Final = 33_230
"""Bit length beyond which an ``int`` exceeds ``1E+10000`` (refused before converting it)."""


def _plain(value: object) -> object:
    """``value`` as its base type when it is a ``Decimal``, ``int``, ``float`` or ``str`` subclass.

    The base type's own methods make the copy, so a subclass whose methods or comparisons
    lie never travels further: validation then runs on a plain value.
    """
    if type(value) in (bool, Decimal, int, float, str):
        return value
    if isinstance(value, Decimal):
        return Decimal(value)
    if isinstance(value, int):
        return int.__pos__(value)
    if isinstance(value, float):
        return float.__pos__(value)
    if isinstance(value, str):
        return str.__str__(value)
    return value


def _significant_digits(value: Decimal) -> int:
    """The digits of ``value``'s coefficient, trailing zeros not counted."""
    digits = value.as_tuple().digits
    count = len(digits)
    while count > 1 and digits[count - 1] == 0:
        count -= 1
    return count


def _out_of_bounds(value: Decimal) -> str | None:
    """Why the finite ``value`` lies outside the documented bounds, or ``None``."""
    if value.is_zero():
        return None
    if not -MAX_EXPONENT <= value.adjusted() <= MAX_EXPONENT:
        return f"must lie within 1E-{MAX_EXPONENT} and 1E+{MAX_EXPONENT + 1} in magnitude"
    if _significant_digits(value) > MAX_DIGITS:
        return f"must have at most {MAX_DIGITS} significant digits"
    return None


_PRINTABLE_INT_BITS: Final = 13_000
"""Bit length beyond which an ``int`` is not printed in a message (about 3,900 digits)."""


def _shown(value: object) -> str:
    """``repr(value)``, or a short description of an ``int`` too long to print."""
    if isinstance(value, int) and value.bit_length() > _PRINTABLE_INT_BITS:
        return f"an int of {value.bit_length()} bits"
    return repr(value)


@exact
def to_decimal(value: NumberLike, *, name: str = "value") -> Decimal:
    """Convert a number-like value to an exact, finite :class:`~decimal.Decimal`.

    The conversion never rounds: a ``str`` or ``int`` keeps every digit, a ``float`` is
    read from its shortest ``repr`` so no binary artefact appears. A subclass of
    ``Decimal``, ``int``, ``float`` or ``str`` is first copied to its base type. Every
    number must lie within the documented bounds (:data:`MAX_EXPONENT`,
    :data:`MAX_DIGITS`), checked before any costly conversion.

    Args:
        value: a ``Decimal``, ``int``, ``str`` (surrounding spaces allowed) or ``float``.
        name: the argument's name, used in the error message.

    Returns:
        The value as a finite ``Decimal`` (``-0`` is returned as ``0``).

    Raises:
        InvalidInputError: for ``bool``, NaN, infinities, strings that are not numbers,
            numbers outside the bounds, and any other type. The message names ``name``
            and shows ``value``.

    Examples:
        >>> to_decimal(0.1)
        Decimal('0.1')
        >>> to_decimal(" 60000.50 ", name="price")
        Decimal('60000.50')
        >>> to_decimal(True, name="size")
        Traceback (most recent call last):
        ...
        levrisk.exceptions.InvalidInputError: size must be a finite number, got True
        >>> to_decimal("9E+999999999999999999", name="price")
        Traceback (most recent call last):
        ...
        levrisk.exceptions.InvalidInputError: price must lie within 1E-9999 and 1E+10000 in magnitude, got '9E+999999999999999999'
    """  # noqa: E501 - a doctest's output line cannot wrap
    short = _SHORT_PATHS.get(type(value))
    result = None if short is None else short(value)
    return _convert_any(value, name) if result is None else result


_SMALL_INT: Final = 10**MAX_DIGITS
"""Every ``int`` strictly between ``±_SMALL_INT`` lies within the bounds (fewer digits)."""


def _convert(value: object, name: str) -> Decimal:
    """:func:`to_decimal` without entering the library context for a plain number.

    A plain ``int``, ``float`` or ``Decimal`` in bounds is converted here (no operation that
    could signal); so is a ``str`` when the library context is already current (parsing
    one signals on a bad string: only ever in levrisk's own context). Every other input or
    refusal goes to :func:`to_decimal`, in the library context.
    """
    short = _NUMBER_PATHS.get(type(value))
    if short is not None:
        result = short(value)
    elif type(value) is str and _ENTERED.context is decimal.getcontext():
        result = _str_path(value)
    else:
        result = None
    return to_decimal(value, name=name) if result is None else result  # type: ignore[arg-type]


def _int_path(value: int) -> Decimal | None:
    return Decimal(value) if -_SMALL_INT < value < _SMALL_INT else None


def _float_path(value: float) -> Decimal | None:
    if not math.isfinite(value):
        return None
    result = Decimal(float.__repr__(value))  # at most 17 digits, exponent within ±324
    return result if value else result.copy_abs()


_COEFFICIENT: Final = decimal.Context(
    prec=MAX_DIGITS, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN, traps=[decimal.Rounded]
)
"""Traps a coefficient longer than :data:`MAX_DIGITS` digits (its flags are never read)."""


def plain_positive(value: object) -> Decimal | None:
    """``value`` itself when it is a ``Decimal > 0`` within the bounds, else ``None``.

    The fast check of a price in a mapping of a thousand: ``None`` sends the value to
    the full conversion (which converts it or raises the named error).
    """
    if type(value) is not Decimal or not value.is_finite() or value <= 0:
        return None
    if not -MAX_EXPONENT <= value.adjusted() <= MAX_EXPONENT:
        return None
    try:
        _COEFFICIENT.plus(value)  # signals Rounded past MAX_DIGITS digits
    except decimal.Rounded:
        return None
    return value


def _decimal_path(value: Decimal) -> Decimal | None:
    if not value.is_finite():
        return None
    if not value:
        return value.copy_abs()
    # The coefficient's length bounds the significant digits.
    if not -MAX_EXPONENT <= value.adjusted() <= MAX_EXPONENT:
        return None
    try:
        _COEFFICIENT.plus(value)  # signals Rounded past MAX_DIGITS digits (cheaper than as_tuple)
    except decimal.Rounded:
        return None
    return value


def _str_path(value: str) -> Decimal | None:
    if len(value) > MAX_DIGITS:
        return None
    try:  # at most MAX_DIGITS characters: at most MAX_DIGITS digits, the exponent is left
        result = Decimal(value.strip())
    except decimal.InvalidOperation:
        return None
    if not result.is_finite():
        return None
    if not result:
        return result.copy_abs()
    return result if -MAX_EXPONENT <= result.adjusted() <= MAX_EXPONENT else None


_NUMBER_PATHS: Final[dict[type, Callable[[Any], Decimal | None]]] = {
    int: _int_path,
    float: _float_path,
    Decimal: _decimal_path,
}
"""The short paths that signal nothing: safe in any caller's context."""

_SHORT_PATHS: Final[dict[type, Callable[[Any], Decimal | None]]] = {
    **_NUMBER_PATHS,
    str: _str_path,  # parsing: only in the library context
}
"""The short paths of :func:`to_decimal` (``None``: refused or out of bounds, say why)."""


def _convert_any(value: object, name: str) -> Decimal:
    """:func:`to_decimal` for any input: convert, check the bounds, or raise."""
    plain = _plain(value)
    result: Decimal
    if isinstance(plain, bool):
        result = Decimal("NaN")
    elif isinstance(plain, Decimal):
        result = plain
    elif isinstance(plain, int):
        if plain.bit_length() > _MAX_INT_BITS:
            result = Decimal(f"1E+{MAX_EXPONENT + 1}")  # too large: refused below
        else:
            result = Decimal(plain)
    elif isinstance(plain, float):
        result = Decimal(float.__repr__(plain)) if math.isfinite(plain) else Decimal("NaN")
    elif isinstance(plain, str):
        try:
            result = Decimal(plain.strip())
        except decimal.InvalidOperation:
            result = Decimal("NaN")
    else:
        result = Decimal("NaN")
    if not result.is_finite():
        msg = f"{name} must be a finite number, got {value!r}"
        raise InvalidInputError(msg)
    problem = _out_of_bounds(result)
    if problem is not None:
        msg = f"{name} {problem}, got {_shown(plain)}"
        raise InvalidInputError(msg)
    return result.copy_abs() if result.is_zero() else result


@exact
def round_to_step(value: NumberLike, step: NumberLike, mode: RoundingMode) -> Decimal:
    r"""Round ``value`` to a multiple of ``step`` (a tick size or a lot step).

    .. math::

        \operatorname{round\_to\_step}(v, s) = s \cdot \operatorname{rnd}(v / s)

    where ``rnd`` rounds to an integer in the given ``mode``. The result carries the
    step's decimal places (``25100.4`` to a step of ``0.01`` is ``25100.40``).

    Args:
        value: the number to round, in any unit.
        step: the positive step, in the same unit.
        mode: a :data:`RoundingMode`.

    Returns:
        The multiple of ``step`` chosen by ``mode``.

    Raises:
        InvalidInputError: when ``value`` or ``step`` is not a finite number, ``step``
            is not positive, or ``mode`` is not a :data:`RoundingMode`.

    References:
        :ref:`rule-rounding` (compute exactly, round only on request).

    Examples:
        >>> round_to_step("25100.4", "0.01", "half_up")
        Decimal('25100.40')
        >>> round_to_step("-1.25", "0.1", "floor")
        Decimal('-1.3')
    """
    v = to_decimal(value, name="value")
    s = to_decimal(step, name="step")
    if s <= 0:
        msg = f"step must be positive, got {step!r}"
        raise InvalidInputError(msg)
    raw_mode: object = mode  # typed as a Literal, but callers may pass anything
    rounding = _ROUNDING.get(str.__str__(raw_mode)) if isinstance(raw_mode, str) else None
    if rounding is None:
        msg = f"mode must be one of {sorted(_ROUNDING)}, got {mode!r}"
        raise InvalidInputError(msg)
    return _exact_multiple(v, s, rounding)


def _exact_multiple(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    """``step · rnd(value / step)`` in integer arithmetic: exact at any digit count.

    Both numbers become integers over the smaller of their two exponents; the quotient is
    rounded by ``rounding`` from its integer remainder, never through a rounded division.
    The result carries ``step``'s exponent.
    """
    v_sign, v_digits, v_exp = value.as_tuple()
    _, s_digits, s_exp = step.as_tuple()
    low = min(int(v_exp), int(s_exp))
    scaled = _coefficient(v_digits) * 10 ** (int(v_exp) - low) * (-1 if v_sign else 1)
    unit = _coefficient(s_digits)
    divisor = unit * 10 ** (int(s_exp) - low)
    quotient, remainder = divmod(scaled, divisor)
    multiple = quotient + _round_up(
        quotient, remainder, divisor, negative=scaled < 0, rounding=rounding
    )
    product = multiple * unit
    digits = Decimal(abs(product)).as_tuple().digits
    return Decimal((int(product < 0), digits, int(s_exp)))


def _coefficient(digits: tuple[int, ...]) -> int:
    return int(Decimal((0, digits, 0)))


def _round_up(quotient: int, remainder: int, divisor: int, *, negative: bool, rounding: str) -> int:
    """1 when ``floor(v / s) = quotient`` must round up to ``quotient + 1``, else 0.

    ``remainder`` is ``v − quotient·s`` with ``0 ≤ remainder < divisor`` (``divisor = s``).
    """
    if not remainder:
        return 0
    directed = {
        decimal.ROUND_FLOOR: False,
        decimal.ROUND_CEILING: True,
        decimal.ROUND_DOWN: negative,
        decimal.ROUND_UP: not negative,
    }
    if rounding in directed:
        return int(directed[rounding])
    twice = 2 * remainder
    if twice != divisor:
        return int(twice > divisor)
    ties = {
        decimal.ROUND_HALF_UP: not negative,
        decimal.ROUND_HALF_DOWN: negative,
        decimal.ROUND_HALF_EVEN: quotient % 2 == 1,
    }
    return int(ties[rounding])
