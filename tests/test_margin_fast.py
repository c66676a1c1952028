"""The fast paths of spot-margin trades give the digits of the general functions (issue 13).

A new trade's margin level and liquidation price are computed from its two-asset account
in closed form (``_trades._pair_risk``): they must equal, to the exponent, what
:func:`margin_level` and :func:`liquidation_price` compute on ``trade.account``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from levrisk import margin
from levrisk.exceptions import LevriskError
from levrisk.margin import BINANCE_CROSS_3X, BINANCE_CROSS_5X, BINANCE_ISOLATED_10X_TIER1

_OPENED = datetime(2024, 5, 1, 13, 55, tzinfo=timezone.utc)

_AMOUNTS = st.one_of(
    st.integers(1, 10**9),
    st.decimals("0.00000001", "1E+9", places=None, allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal("1E+4"), Decimal("3.000"), Decimal("6E+4"), Decimal("1E-8")]),
).filter(lambda v: v > 0)
_LEVERAGES = st.sampled_from([Decimal("1.5"), 2, 3, Decimal("3.0"), 5, 10, Decimal("1E+1")])
_FEES = st.sampled_from([0, "0", "0.001", "0.00075", Decimal("1E-3"), "0.5"])


@given(
    side=st.sampled_from(["short", "long"]),
    collateral=_AMOUNTS,
    leverage=_LEVERAGES,
    price=_AMOUNTS,
    fee=_FEES,
    convention=st.sampled_from(["quote", "received"]),
    thresholds=st.sampled_from([BINANCE_CROSS_3X, BINANCE_CROSS_5X, BINANCE_ISOLATED_10X_TIER1]),
)
def test_trade_risk_equals_the_general_functions(
    *,
    side: str,
    collateral: object,
    leverage: object,
    price: object,
    fee: object,
    convention: str,
    thresholds: margin.MarginThresholds,
) -> None:
    """margin_level and liquidation_price of the account: the same Decimal, same exponent."""
    opener = margin.open_short if side == "short" else margin.open_long
    try:
        trade = opener(
            collateral,  # type: ignore[arg-type]
            leverage=leverage,  # type: ignore[arg-type]
            price=price,  # type: ignore[arg-type]
            opened_at=_OPENED,
            base="BTC",
            quote="USDT",
            thresholds=thresholds,
            fee_rate=fee,  # type: ignore[arg-type]
            fee_convention=convention,  # type: ignore[arg-type]
        )
    except LevriskError:
        return  # refused (leverage above the thresholds' maximum): nothing to compare
    prices = {"BTC": trade.entry_price}
    level = margin.margin_level(trade.account, prices)
    assert repr(trade.margin_level) == repr(level)
    lp = margin.liquidation_price(
        trade.account,
        asset="BTC",
        prices=prices,
        liquidation_level=trade.thresholds.liquidation,
    )
    assert repr(trade.liquidation_price) == repr(lp)
