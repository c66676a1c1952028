"""Shared hypothesis strategies for levrisk's tests (explicit, bounded ``Decimal`` ranges).

``st.builds`` does not respect attrs validators, so value objects are built from these
bounded strategies by hand in each test module.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st


def decimals(
    min_value: str | int, max_value: str | int, places: int = 8
) -> st.SearchStrategy[Decimal]:
    """Finite decimals in ``[min_value, max_value]`` with at most ``places`` decimals."""
    return st.decimals(
        min_value=Decimal(min_value),
        max_value=Decimal(max_value),
        allow_nan=False,
        allow_infinity=False,
        places=places,
    )


prices = decimals("0.01", "1000000", places=2)
"""Positive prices, quote per base."""

rates = decimals("0.0001", "0.2", places=4)
"""Maintenance-margin-like rates in (0, 0.2]."""


# ---------------------------------------------------------------- levrisk.futures

sides = st.sampled_from(["long", "short"])
"""A position side."""

kinds = st.sampled_from(["linear", "inverse"])
"""A contract kind."""

leverages = st.integers(min_value=1, max_value=125)
"""Whole leverages up to Binance's highest (clamp to the bracket's max before use)."""

futures_prices = decimals("100", "200000", places=2)
"""Futures entry and mark prices, quote per base."""

linear_sizes = decimals("0.001", "100", places=3)
"""Linear sizes in base units (BTC)."""

inverse_sizes = st.integers(min_value=1, max_value=100_000)
"""Inverse sizes in contracts."""
