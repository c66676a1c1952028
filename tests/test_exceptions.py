"""Tests for levrisk.exceptions: the hierarchy of DESIGN.md."""

from __future__ import annotations

import pytest

from levrisk import exceptions
from levrisk.exceptions import (
    AlreadyLiquidatedError,
    AlwaysLiquidatedError,
    BracketError,
    InsufficientMarginError,
    InvalidInputError,
    LeverageError,
    LevriskError,
    LevriskWarning,
    LiquidationError,
)


@pytest.mark.parametrize(
    ("cls", "bases"),
    [
        (LevriskError, (Exception,)),
        (InvalidInputError, (LevriskError, ValueError)),
        (LeverageError, (InvalidInputError,)),
        (BracketError, (InvalidInputError,)),
        (InsufficientMarginError, (LevriskError,)),
        (LevriskWarning, (UserWarning,)),
        (LiquidationError, (LevriskError,)),
        (AlwaysLiquidatedError, (LiquidationError,)),
        (AlreadyLiquidatedError, (LiquidationError,)),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_hierarchy(cls: type[BaseException], bases: tuple[type[BaseException], ...]) -> None:
    """Each class subclasses what DESIGN.md says."""
    for base in bases:
        assert issubclass(cls, base)


@pytest.mark.parametrize("name", exceptions.__all__)
def test_docstrings_say_when(name: str) -> None:
    """Every class documents when it is raised (or warned)."""
    doc = getattr(exceptions, name).__doc__
    assert doc is not None
    assert "aised when" in doc or "arned when" in doc


def test_already_liquidated_keeps_the_price() -> None:
    """AlreadyLiquidatedError carries the crossed liquidation price (or None)."""
    from decimal import Decimal  # noqa: PLC0415 - only this test needs it

    error = AlreadyLiquidatedError("past it", price=Decimal(60592))
    assert (str(error), error.price) == ("past it", Decimal(60592))
    assert AlreadyLiquidatedError("past it").price is None
