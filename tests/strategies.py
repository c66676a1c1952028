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


# ---------------------------------------------------------------- levrisk.interest

# Imported here, in this module's own section, so sections appended by others don't conflict.
from datetime import datetime, timedelta, timezone  # noqa: E402

_ZONES = st.sampled_from(
    [
        timezone.utc,
        timezone(timedelta(hours=5, minutes=30)),
        timezone(timedelta(hours=-8)),
    ]
)


def _on_the_hour(value: datetime) -> datetime:
    return value.replace(minute=0, second=0, microsecond=0)


instants = st.one_of(
    st.datetimes(
        min_value=datetime(2024, 5, 1),  # noqa: DTZ001 - hypothesis bounds are naive
        max_value=datetime(2024, 5, 8),  # noqa: DTZ001 - hypothesis bounds are naive
        timezones=_ZONES,
    ),
    st.datetimes(
        min_value=datetime(2024, 5, 1),  # noqa: DTZ001 - hypothesis bounds are naive
        max_value=datetime(2024, 5, 8),  # noqa: DTZ001 - hypothesis bounds are naive
        timezones=st.just(timezone.utc),
    ).map(_on_the_hour),
)
"""Aware instants within one week of May 2024 (several zones; some exactly on the hour)."""

principals = decimals("0", "1000000", places=8)
"""Loan principals in the borrowed asset, ≥ 0."""

hourly_rates = decimals("0", "0.001", places=10)
"""Hourly interest rates as fractions, up to 0.1%/h."""


# ---------------------------------------------------------------- levrisk.futures

from levrisk.futures import ContractKind, Side  # noqa: E402 - this section's own import

sides: st.SearchStrategy[Side] = st.sampled_from(["long", "short"])
"""A position side."""

kinds: st.SearchStrategy[ContractKind] = st.sampled_from(["linear", "inverse"])
"""A contract kind."""

leverages = st.integers(min_value=1, max_value=125)
"""Whole leverages up to Binance's highest (clamp to the bracket's max before use)."""

futures_prices = decimals("100", "200000", places=2)
"""Futures entry and mark prices, quote per base."""

linear_sizes = decimals("0.001", "100", places=3)
"""Linear sizes in base units (BTC)."""

inverse_sizes = st.integers(min_value=1, max_value=100_000)
"""Inverse sizes in contracts."""


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
