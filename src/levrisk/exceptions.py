"""The errors and warnings levrisk raises.

Every error levrisk raises on purpose is a :class:`LevriskError`. Errors about the
caller's input also subclass :class:`ValueError`, so code that already catches
``ValueError`` keeps working. Messages name the offending argument and show its value
with ``repr``.
"""

from __future__ import annotations

__all__ = [
    "BracketError",
    "InsufficientMarginError",
    "InvalidInputError",
    "LeverageError",
    "LevriskError",
    "LevriskWarning",
]


class LevriskError(Exception):
    """Base class of every error levrisk raises on purpose.

    Raised when: never directly; catch it to handle any levrisk error.
    """


class InvalidInputError(LevriskError, ValueError):
    """Raised when an argument is outside the domain of the calculation.

    Examples: a negative size, a zero price, ``NaN``, a ``bool`` where a number is
    expected, a naive :class:`~datetime.datetime`, or an unknown asset. The message names
    the argument and shows the offending value.
    """


class LeverageError(InvalidInputError):
    """Raised when a leverage is below 1 or above what the bracket or tier allows."""


class BracketError(InvalidInputError):
    """Raised when a bracket table is malformed or a notional lies outside it.

    Examples: gaps or overlaps between brackets, caps that do not increase, rates
    outside ``(0, 1)``, maintenance amounts that break the recursion of :ref:`rule-brackets`,
    or a notional above the table's highest cap.
    """


class InsufficientMarginError(LevriskError):
    """Raised when an operation needs more margin or collateral than the account has.

    Examples: borrowing above the maximum borrowable amount, removing more isolated
    margin than may be removed.
    """


class LevriskWarning(UserWarning):
    """Warned when levrisk proceeds but the caller should know about a correction.

    Example: an exchange bracket table whose published maintenance amounts deviate from
    the recursion and were re-derived (``on_mismatch="warn"``).
    """
