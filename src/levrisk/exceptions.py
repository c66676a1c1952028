"""The errors and warnings levrisk raises.

Every error levrisk raises on purpose is a :class:`LevriskError`. Errors about the
caller's input also subclass :class:`ValueError`, so code that already catches
``ValueError`` keeps working. Messages name the offending argument and show its value
with ``repr``.
"""

from __future__ import annotations

from decimal import Decimal

__all__ = [
    "AlreadyLiquidatedError",
    "AlwaysLiquidatedError",
    "BracketError",
    "InsufficientMarginError",
    "InvalidInputError",
    "LeverageError",
    "LevriskError",
    "LevriskWarning",
    "LiquidationError",
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


class LiquidationError(LevriskError):
    """Raised when a liquidation question has no price for an answer: the position is liquidated.

    A liquidation (or bankruptcy) price function has three outcomes, the same everywhere in
    levrisk (see the conventions page, "Liquidation outcomes"):

    - a price: the ``Decimal`` at which the position or account is liquidated;
    - ``None``: no price liquidates it (for example a 1x long);
    - this error: every price liquidates it (:class:`AlwaysLiquidatedError`), or at the
      prices given it is already at or past its liquidation point
      (:class:`AlreadyLiquidatedError`).

    Catch this class to handle both liquidated states at once.
    """


class AlwaysLiquidatedError(LiquidationError):
    """Raised when every price liquidates the position or account.

    Example: a hedged long and short whose entry-valued maintenance exceeds the wallet —
    the margin balance is below maintenance whatever the price.
    """


class AlreadyLiquidatedError(LiquidationError):
    """Raised when, at the prices given, the position or account is at or past liquidation.

    The prices given are the marks passed in (or the entry price where a function has no
    mark). ``price`` holds the liquidation price that has already been crossed, or
    ``None`` when the condition holds at those prices but no single price marks it.
    """

    def __init__(self, message: str, *, price: Decimal | None = None) -> None:
        """Keep the message and the crossed liquidation price."""
        super().__init__(message)
        self.price = price


class LevriskWarning(UserWarning):
    """Warned when levrisk proceeds but the caller should know about a correction.

    Examples: an exchange bracket table whose published maintenance amounts deviate from
    the recursion and were re-derived (``on_mismatch="warn"``); a parsed position whose
    leverage the table would not allow today, kept as the venue reports it (only a new
    position is checked against the table).
    """
