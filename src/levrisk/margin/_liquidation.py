"""Spot-margin liquidation price of one moving asset (:ref:`rule-spot-liquidation`).

The private part of :mod:`levrisk.margin` for liquidation; re-exported there.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, localcontext

from levrisk import _algebra
from levrisk._fields import positive_number
from levrisk.exceptions import AlreadyLiquidatedError, AlwaysLiquidatedError, InvalidInputError
from levrisk.margin._model import (
    MarginAccount,
    PriceMap,
    _account,
    _asset,
    _price_of,
    _prices,
    _sum_by_asset,
    _value_of,
)
from levrisk.numbers import PRECISION, NumberLike, exact

_exact_add, _exact_subtract, _exact_multiply = (
    _algebra.EXACT.add,
    _algebra.EXACT.subtract,
    _algebra.EXACT.multiply,
)
"""Unrounded arithmetic (no context switch): the signs of the liquidation condition are exact."""

# ----------------------------------------------------------------- liquidation price


@exact
def liquidation_price(
    account: MarginAccount, *, asset: str, prices: PriceMap, liquidation_level: NumberLike
) -> Decimal | None:
    r"""The price of one asset at which the margin level falls to the liquidation level.

    Only ``asset`` moves; every other asset stays at its given price. With ``A_x`` the
    amount of ``asset`` held, ``D_x`` its principal plus interest owed, ``A_o`` and
    ``D_o`` the value of everything else held and owed:

    .. math::

        \frac{A_o + A_x\,l}{D_o + D_x\,l} = ML^*
        \quad\Longrightarrow\quad
        l = \frac{ML^* D_o - A_o}{A_x - ML^* D_x}

    The margin level is at or below ``ML*`` where ``(A_o − ML*·D_o) + l·(A_x − ML*·D_x) ≤ 0``,
    a line in ``l``: when both terms are ``≥ 0`` no price liquidates (``None``); when both
    are ``≤ 0`` every price does (:class:`~levrisk.exceptions.AlwaysLiquidatedError`);
    otherwise ``l`` above is the one price. An isolated short holding only quote gives
    ``l = quote_balance / (ML* · (Q + I))``.

    Args:
        account: an :class:`IsolatedMarginAccount` or a :class:`CrossMarginAccount`.
        asset: the asset whose price moves (held or owed by the account).
        prices: current prices of the other assets in the account's quote.
        liquidation_level: ``ML*``, e.g. ``thresholds.liquidation``.

    Returns:
        The liquidation price of ``asset`` in the account's quote, or ``None`` when no
        price of it liquidates the account (or the account owes nothing).

    Raises:
        InvalidInputError: for a bad account, price or level, an asset the account
            neither holds nor owes, the quote asset itself (its price is 1 by definition,
            and a price given for it must be 1), or a missing price of another asset.
        AlreadyLiquidatedError: when ``prices`` gives ``asset`` a price at which the
            margin level is already at or below ``ML*`` (``.price``: the crossed price).
        AlwaysLiquidatedError: when every price of ``asset`` liquidates the account.
            See :ref:`liquidation-outcomes`.

    References:
        Binance, "Margin Level" (liquidation at ``ML ≤ 1.1``); :ref:`rule-spot-liquidation`
        [published definition, derived closed form].

    Examples:
        Cross, 10,000 USDT own + 20,000 USDT borrowed, 1 BTC bought at 30,000:

        >>> from levrisk.margin import CrossMarginAccount, Loan
        >>> acct = CrossMarginAccount(
        ...     balances={"BTC": 1, "USDT": 0}, loans=[Loan(asset="USDT", principal=20_000)]
        ... )
        >>> liquidation_price(acct, asset="BTC", prices={"BTC": 30_000}, liquidation_level="1.1")
        Decimal('22000')

    .. versionadded:: 0.1.0
    """
    return _liquidation_price(
        _account(account),
        _asset(asset, "asset"),
        _prices(prices),
        positive_number(liquidation_level, "liquidation_level"),
    )


def _liquidation_price(
    acct: MarginAccount, x: str, p: Mapping[str, Decimal], level: Decimal
) -> Decimal | None:
    """:func:`liquidation_price` of arguments already checked (the rest of its checks)."""
    balances, liabilities = acct.balances, _sum_by_asset(acct.loans)  # .liabilities
    if x not in balances and x not in liabilities:
        msg = f"asset {x!r} is neither held nor owed by the account"
        raise InvalidInputError(msg)
    if x == acct.quote:
        msg = f"asset must not be the quote {x!r}: prices are in it, so its price never moves"
        raise InvalidInputError(msg)
    _price_of(p, acct.quote, acct.quote)  # a price given for the quote itself must be 1
    held = balances.get(x, Decimal(0))
    owed = liabilities.get(x, Decimal(0))
    others_held = _value_of({a: v for a, v in balances.items() if a != x}, p, acct.quote)
    others_owed = _value_of({a: v for a, v in liabilities.items() if a != x}, p, acct.quote)
    return level_outcome((held, owed, others_held, others_owed), level, repr(x), p.get(x))


def level_outcome(
    amounts: tuple[Decimal, Decimal, Decimal, Decimal],
    level: Decimal,
    what: str,
    current: Decimal | None,
) -> Decimal | None:
    r"""The liquidation price of one asset, or the liquidated state (the conventions' outcomes).

    ``amounts``: ``(A_x, D_x, A_o, D_o)``. The account is liquidated where
    ``g(l) = (A_o − ML*·D_o) + l·(A_x − ML*·D_x) ≤ 0``: ``g`` is linear in the price ``l``,
    so it is ``≤ 0`` at every price when both terms are ``≤ 0``, never when both are
    ``≥ 0``, and on one side of its root otherwise. ``current``: the asset's price now
    (``None`` when not given); ``g(current) ≤ 0`` is "already at or past". No
    liabilities at all: no margin level, never liquidated (``None``). ``what`` names
    what moves in the messages (``"'BTC'"``).
    """
    held, owed, others_held, others_owed = amounts
    if not owed and not others_owed:
        return None
    c = _exact_subtract(others_held, _exact_multiply(level, others_owed))
    d = _exact_subtract(held, _exact_multiply(level, owed))
    crossed = current is not None and _exact_add(c, _exact_multiply(d, current)) <= 0
    if c <= 0 and d <= 0:
        msg = (
            f"the account is liquidated at every price of {what}: its margin level"
            f" never exceeds the liquidation level {level}"
        )
        raise AlwaysLiquidatedError(msg)
    root = (level * others_owed - others_held) / (held - level * owed) if c * d < 0 else None
    if crossed:
        msg = (
            f"the account is already at or past the liquidation level {level} with"
            f" {what} at {current} (liquidation price {root})"
        )
        raise AlreadyLiquidatedError(msg, price=root)
    return root


def _sums_without(
    amounts: Mapping[str, Decimal], prices: Mapping[str, Decimal], quote: str
) -> tuple[dict[str, Decimal], Decimal] | None:
    """For each asset ``x``, the value of ``amounts`` without ``x`` — as ``_value_of`` sums it.

    Returns the sums by asset of ``amounts`` and the total (the sum without any other
    asset).

    ``_value_of`` adds the (rounded) values in order at ``PRECISION`` digits, starting
    from ``Decimal(0)``. The values are ≥ 0, so when the exact total has at most
    ``PRECISION`` digits above the smallest exponent every partial sum is exact: then
    the sum without ``x`` is the exact total less ``x``'s value, spelled with the
    exponent the additions give (the smallest exponent of the other terms and 0). ``None``
    when a partial sum could round (the caller then sums asset by asset).
    """
    values = {a: v * _price_of(prices, a, quote) for a, v in amounts.items() if v}
    exponents = sorted((int(v.as_tuple().exponent), a) for a, v in values.items())
    with localcontext(_algebra.EXACT):
        total = sum(values.values(), Decimal(0))
        lowest = min(0, exponents[0][0]) if exponents else 0
        if total and total.adjusted() - lowest >= PRECISION:
            return None
        sums = {}
        for asset in amounts:
            rest = [e for e, a in exponents[:2] if a != asset]
            exponent = min(0, rest[0]) if rest else 0
            without = total - values.get(asset, Decimal(0))
            sums[asset] = without.quantize(Decimal(1).scaleb(exponent))
    return sums, total


def liquidation_prices(
    account: MarginAccount, prices: Mapping[str, Decimal], level: Decimal
) -> dict[str, Decimal | None]:
    """:func:`liquidation_price` of each asset of ``prices`` (checked), in ``O(N)``.

    ``prices``: every non-quote asset the account holds or owes, priced. The values of
    the other assets are summed once (:func:`_sums_without`); when that cannot be exact
    each asset is solved on its own, as :func:`liquidation_price` does.
    """
    balances, liabilities = account.balances, account.liabilities
    held = _sums_without(balances, prices, account.quote)
    owed = _sums_without(liabilities, prices, account.quote)
    if held is None or owed is None:
        return {
            asset: liquidation_price(account, asset=asset, prices=prices, liquidation_level=level)
            for asset in prices
        }
    found: dict[str, Decimal | None] = {}
    for asset, price in prices.items():
        amounts = (
            balances.get(asset, Decimal(0)),
            liabilities.get(asset, Decimal(0)),
            held[0].get(asset, held[1]),
            owed[0].get(asset, owed[1]),
        )
        found[asset] = level_outcome(amounts, level, repr(asset), price)
    return found
