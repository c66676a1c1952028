"""The fast paths of spot-margin trades give the digits of the general functions (issue 13).

A new trade's margin level and liquidation price are computed from its two-asset account
in closed form (``_trades._pair_risk``): they must equal, to the exponent, what
:func:`margin_level` and :func:`liquidation_price` compute on ``trade.account``. The
result objects are built without their validators (``_fields.builder``): each must be the
object its validated constructor builds from the same fields (no ``-0`` stored).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from levrisk import margin
from levrisk.exceptions import LevriskError
from levrisk.margin import (
    BINANCE_CROSS_3X,
    BINANCE_CROSS_5X,
    BINANCE_ISOLATED_10X_TIER1,
    IsolatedMarginAccount,
    Loan,
    MarginPnL,
    MarginTrade,
)

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


def _rebuilt(value: object) -> object:
    """``value`` built again by its validated constructor from its own fields."""
    fields = attrs.asdict(value, recurse=False)  # type: ignore[arg-type]
    return type(value)(**fields)


@given(
    side=st.sampled_from(["short", "long"]),
    collateral=_AMOUNTS,
    price=_AMOUNTS,
    fee=_FEES,
    convention=st.sampled_from(["quote", "received"]),
    exit_move=st.sampled_from(["same", "up", "down"]),
    rate=st.sampled_from([0, "0", "0.00001", Decimal("0E-8")]),
    hours=st.integers(0, 30),
)
def test_results_equal_their_validated_construction(
    *,
    side: str,
    collateral: object,
    price: object,
    fee: object,
    convention: str,
    exit_move: str,
    rate: object,
    hours: int,
) -> None:
    """Trade, account, loan and PnL: equal, with the same repr, to the validated objects."""
    opener = margin.open_short if side == "short" else margin.open_long
    try:
        trade = opener(
            collateral,  # type: ignore[arg-type]
            leverage=2,
            price=price,  # type: ignore[arg-type]
            opened_at=_OPENED,
            base="BTC",
            quote="USDT",
            fee_rate=fee,  # type: ignore[arg-type]
            fee_convention=convention,  # type: ignore[arg-type]
        )
    except LevriskError:
        return  # refused: nothing built
    factor = {"same": Decimal(1), "up": Decimal("1.5"), "down": Decimal("0.5")}[exit_move]
    pnl = margin.close(
        trade,
        exit_price=trade.entry_price * factor,
        at=_OPENED + timedelta(hours=hours),
        schedule=rate,  # type: ignore[arg-type]
    )
    for built in (pnl, trade, trade.account, trade.account.loans[0]):
        assert isinstance(built, (MarginPnL, MarginTrade, IsolatedMarginAccount, Loan))
        again = _rebuilt(built)
        assert again == built
        assert repr(again) == repr(built)
