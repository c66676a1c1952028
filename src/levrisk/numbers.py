"""The numeric contract: what levrisk accepts as a number, and how it rounds.

Every number that enters the scalar API goes through :func:`to_decimal`; every public
computation runs in the library's own decimal context (50 significant digits, traps on
invalid operations, division by zero and overflow), so results never depend on the
caller's :func:`decimal.getcontext` and never change it.
"""

from __future__ import annotations

import contextvars
import decimal
import functools
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Final, Literal, ParamSpec, TypeAlias, TypeVar, Union

from levrisk.exceptions import InvalidInputError

__all__ = [
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

RoundingMode: TypeAlias = Literal[
    "down", "up", "floor", "ceiling", "half_up", "half_even", "half_down"
]
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

_ACTIVE: Final[contextvars.ContextVar[decimal.Context | None]] = contextvars.ContextVar(
    "levrisk_context", default=None
)
"""The library context the outermost :func:`exact` call entered (per thread and task)."""


def exact(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``func`` in levrisk's own decimal context (the private helper of the contract).

    The caller's context is neither read nor changed. Decorate every public function
    and method that does arithmetic. Only the outermost call enters a context: a call
    made while the current context is the one an outer call entered runs in it as it
    is (one ``decimal.localcontext`` per public call, however deep the calls nest).
    The marker is a :class:`contextvars.ContextVar`, so threads and tasks never share it.
    """

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if _ACTIVE.get() is decimal.getcontext():
            return func(*args, **kwargs)
        with decimal.localcontext(_CONTEXT) as context:
            token = _ACTIVE.set(context)
            try:
                return func(*args, **kwargs)
            finally:
                _ACTIVE.reset(token)

    return wrapper


@exact
def to_decimal(value: NumberLike, *, name: str = "value") -> Decimal:
    """Convert a number-like value to an exact, finite :class:`~decimal.Decimal`.

    The conversion never rounds: a ``str`` or ``int`` keeps every digit, a ``float`` is
    read from its shortest ``repr`` so no binary artefact appears.

    Args:
        value: a ``Decimal``, ``int``, ``str`` (surrounding spaces allowed) or ``float``.
        name: the argument's name, used in the error message.

    Returns:
        The value as a finite ``Decimal`` (``-0`` is returned as ``0``).

    Raises:
        InvalidInputError: for ``bool``, NaN, infinities, strings that are not numbers,
            and any other type. The message names ``name`` and shows ``value``.

    Examples:
        >>> to_decimal(0.1)
        Decimal('0.1')
        >>> to_decimal(" 60000.50 ", name="price")
        Decimal('60000.50')
        >>> to_decimal(True, name="size")
        Traceback (most recent call last):
        ...
        levrisk.exceptions.InvalidInputError: size must be a finite number, got True
    """
    result: Decimal
    if isinstance(value, bool):
        result = Decimal("NaN")
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        # float.__repr__, not repr(): subclasses such as numpy.float64 print differently.
        result = Decimal(float.__repr__(value)) if math.isfinite(value) else Decimal("NaN")
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except decimal.InvalidOperation:
            result = Decimal("NaN")
    else:
        result = Decimal("NaN")
    if not result.is_finite():
        msg = f"{name} must be a finite number, got {value!r}"
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
    rounding = _ROUNDING.get(raw_mode) if isinstance(raw_mode, str) else None
    if rounding is None:
        msg = f"mode must be one of {sorted(_ROUNDING)}, got {mode!r}"
        raise InvalidInputError(msg)
    multiple = (v / s).to_integral_value(rounding=rounding)
    result = (multiple * s).quantize(s) if multiple.adjusted() < PRECISION else multiple * s
    return result.copy_abs() if result.is_zero() else result
