"""Shared hypothesis strategies for levrisk's tests (explicit, bounded ``Decimal`` ranges).

``st.builds`` does not respect attrs validators, so value objects are built from these
bounded strategies by hand in each test module.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from levrisk.brackets import BracketTable


def decimals(
    min_value: Decimal | str | int, max_value: Decimal | str | int, places: int = 8
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


@st.composite
def bracket_tables(draw: st.DrawFn, max_brackets: int = 8) -> BracketTable:
    """Valid bracket tables: 1 to ``max_brackets`` tiers, derived amounts."""
    count = draw(st.integers(min_value=1, max_value=max_brackets))
    widths = draw(st.lists(decimals(1, 1_000_000, places=2), min_size=count, max_size=count))
    caps: list[Decimal] = []
    for width in widths:
        caps.append((caps[-1] if caps else Decimal(0)) + width)
    rate_list = draw(st.lists(rates, min_size=count, max_size=count))
    leverages = sorted(
        draw(st.lists(st.integers(min_value=1, max_value=125), min_size=count, max_size=count)),
        reverse=True,
    )
    return BracketTable.from_rates(caps=caps, maintenance_rates=rate_list, max_leverages=leverages)


# ---------------------------------------------------------------- levrisk.exchanges

json_fuzz: st.SearchStrategy[object] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [Decimal("1e-40"), Decimal("1e30"), Decimal("-0"), "0.5", "", " 1 ", "abc", "1e999999"]
    ),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
"""Anything a decoded JSON payload (or a confused caller) might put in a field."""
