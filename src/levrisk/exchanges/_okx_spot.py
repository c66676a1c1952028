r"""OKX spot margin (isolated and cross, one pair): margin ratio, liquidation price, borrowing.

Rules: :ref:`rule-okx-spot-margin`. Re-exported by :mod:`levrisk.exchanges.okx`.

With base and quote assets ``B``, ``Q_a``, base and quote liabilities (interest included)
``L_b``, ``L_q``, the mark ``P``, the maintenance rate ``m`` and the taker fee rate ``c``,
OKX's quick (current) margin mode states [published]

.. math::

    \text{net} = (Q_a - L_q) + (B - L_b) \cdot P, \qquad
    MM = (L_q + L_b \cdot P) \cdot m, \qquad
    \text{ratio} = \frac{\text{net}}{MM + \text{fees}}

    LP = \frac{L_q \cdot (1 + m)(1 + c) - Q_a}{B - L_b \cdot (1 + m)(1 + c)}

The price makes the ratio exactly 1 when the fees are the liquidation fee
``c·(1 + m)·(L_q + L_b·P)`` on the liability [derived]; so liquidation is when the assets
are worth ``k = (1 + m)(1 + c)`` times the liabilities. The legacy isolated margin mode
(a long's assets in base and liability in quote, a short's the other way round) is the
same condition with one asset and one liability [published].
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final, Literal

import attrs

from levrisk import _fields
from levrisk._fields import fee_rate, fraction_number, non_negative_number, positive_number
from levrisk._typing import Side, choice, one_of
from levrisk.exceptions import AlreadyLiquidatedError, AlwaysLiquidatedError, InvalidInputError
from levrisk.exchanges import _payload
from levrisk.exchanges._payload import Json
from levrisk.exchanges._positions import MarginMode
from levrisk.exchanges._rows import Parsed, collect
from levrisk.numbers import NumberLike, exact

__all__: list[str] = []


def _pair(
    base_assets: NumberLike,
    quote_assets: NumberLike,
    base_liability: NumberLike,
    quote_liability: NumberLike,
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    return (
        non_negative_number(base_assets, "base_assets"),
        non_negative_number(quote_assets, "quote_assets"),
        non_negative_number(base_liability, "base_liability"),
        non_negative_number(quote_liability, "quote_liability"),
    )


def _k(maintenance_rate: NumberLike, taker_fee_rate: NumberLike) -> Decimal:
    """``k = (1 + m)(1 + c)``: how many times the liabilities the assets must be worth."""
    m = fraction_number(maintenance_rate, "maintenance_rate")
    c = fee_rate(taker_fee_rate, "taker_fee_rate")
    return (1 + m) * (1 + c)


@exact
def spot_margin_ratio(
    *,
    base_assets: NumberLike,
    quote_assets: NumberLike,
    base_liability: NumberLike,
    quote_liability: NumberLike,
    mark_price: NumberLike,
    maintenance_rate: NumberLike,
    taker_fee_rate: NumberLike,
) -> Decimal | None:
    r"""OKX's spot-margin ratio of one pair: net assets ÷ (MM + liquidation fee).

    .. math::

        \text{ratio} = \frac{(Q_a - L_q) + (B - L_b) \cdot P}
                            {(L_q + L_b P) \cdot m + (L_q + L_b P) \cdot (1 + m) \cdot c}

    Higher is safer; liquidation at ≤ 1 (100%). Liabilities include unpaid interest.

    Args:
        base_assets: ``B``, the base coin held (transferred in, borrowed and bought), ≥ 0.
        quote_assets: ``Q_a``, the quote coin held, ≥ 0.
        base_liability: ``L_b``, the base coin owed with interest, ≥ 0.
        quote_liability: ``L_q``, the quote coin owed with interest, ≥ 0.
        mark_price: ``P``, quote per base, > 0.
        maintenance_rate: ``m`` of the position's tier, in [0, 1).
        taker_fee_rate: ``c``, in [0, 1).

    Returns:
        The ratio (a fraction: 1 is 100%), or ``None`` without liabilities (OKX shows none).

    Raises:
        InvalidInputError: for a negative amount, a non-positive price or a bad rate.

    References:
        OKX Help, "V. Quick Margin Mode" and "Isolated margin mode";
        :ref:`rule-okx-spot-margin` [published; the fee term derived].

    Examples:
        A 5x ETH long on 1 ETH of margin (6 ETH held, 5,000 USDT owed) at 1,000:

        >>> spot_margin_ratio(
        ...     base_assets=6,
        ...     quote_assets=0,
        ...     base_liability=0,
        ...     quote_liability=5000,
        ...     mark_price=1000,
        ...     maintenance_rate="0.08",
        ...     taker_fee_rate="0.001",
        ... )
        Decimal('2.4666995559940799210656142081894425259003453379378')

    .. versionadded:: 0.2.0
    """
    b, qa, lb, lq = _pair(base_assets, quote_assets, base_liability, quote_liability)
    p = positive_number(mark_price, "mark_price")
    k = _k(maintenance_rate, taker_fee_rate)
    liabilities = lq + lb * p
    if liabilities == 0:
        return None
    return ((qa - lq) + (b - lb) * p) / ((k - 1) * liabilities)


@exact
def spot_liquidation_price(
    *,
    base_assets: NumberLike,
    quote_assets: NumberLike,
    base_liability: NumberLike,
    quote_liability: NumberLike,
    maintenance_rate: NumberLike,
    taker_fee_rate: NumberLike,
    mark_price: NumberLike | None = None,
) -> Decimal | None:
    r"""OKX's estimated liquidation price of one spot-margin pair.

    .. math::

        LP = \frac{L_q \cdot k - Q_a}{B - L_b \cdot k}, \qquad k = (1 + m)(1 + c)

    A net long (``B > k·L_b``) liquidates at or below ``LP``; a net short at or above it.

    Args:
        base_assets: ``B``, ≥ 0.
        quote_assets: ``Q_a``, ≥ 0.
        base_liability: ``L_b`` with interest, ≥ 0.
        quote_liability: ``L_q`` with interest, ≥ 0.
        maintenance_rate: ``m``, in [0, 1).
        taker_fee_rate: ``c``, in [0, 1).
        mark_price: the mark, to check the pair is not already past ``LP`` (optional).

    Returns:
        ``LP``, or ``None`` when no positive price liquidates (no liabilities, or a net
        long whose quote covers ``k·L_q``).

    Raises:
        AlwaysLiquidatedError: when every positive price liquidates.
        AlreadyLiquidatedError: when ``mark_price`` is at or past ``LP`` (``.price``).
        InvalidInputError: for a bad amount, rate or price.

    References:
        OKX Help, "V. Quick Margin Mode" (current) and "Isolated margin mode" (legacy);
        :ref:`rule-okx-spot-margin` [published].

    Examples:
        The 5x ETH long above (liquidation when 6 ETH are worth ``k·5,000`` USDT):

        >>> held, owed = {"base_assets": 6, "quote_assets": 0}, {"quote_liability": 5000}
        >>> spot_liquidation_price(
        ...     **held, **owed, base_liability=0, maintenance_rate="0.08", taker_fee_rate="0.001"
        ... )
        Decimal('900.9')

    .. versionadded:: 0.2.0
    """
    b, qa, lb, lq = _pair(base_assets, quote_assets, base_liability, quote_liability)
    k = _k(maintenance_rate, taker_fee_rate)
    mark = None if mark_price is None else positive_number(mark_price, "mark_price")
    if lb == 0 and lq == 0:
        return None
    numerator = lq * k - qa
    slope = b - lb * k
    if slope == 0:
        if numerator < 0:
            return None
        msg = "the pair's assets never cover k times its liabilities: every price liquidates"
        raise AlwaysLiquidatedError(msg)
    price = numerator / slope
    crossed = mark is not None and (mark <= price if slope > 0 else mark >= price)
    if price > 0 and crossed:
        msg = f"at the mark {mark!r} the pair is already past its liquidation price {price!r}"
        raise AlreadyLiquidatedError(msg, price=price)
    if price > 0 or slope > 0:  # a positive price, or a net long covered at every price
        return price if price > 0 else None
    msg = f"a net short whose quote does not cover k·L_q liquidates at every price ({price!r})"
    raise AlwaysLiquidatedError(msg)


@exact
def legacy_isolated_liquidation_price(
    side: Side,
    *,
    position_assets: NumberLike,
    liability: NumberLike,
    maintenance_rate: NumberLike,
    taker_fee_rate: NumberLike,
) -> Decimal | None:
    r"""OKX's legacy isolated-margin estimate: one asset against one liability.

    .. math::

        LP_{long} = \frac{L \cdot k}{A}, \qquad LP_{short} = \frac{A}{L \cdot k}

    A long holds ``A`` base and owes ``L`` quote; a short holds ``A`` quote and owes ``L``
    base (``L`` includes interest).

    Args:
        side: ``"long"`` or ``"short"``.
        position_assets: ``A``, the position's assets (margin included), > 0.
        liability: ``L``, the liability with interest, ≥ 0.
        maintenance_rate: ``m``, in [0, 1).
        taker_fee_rate: ``c``, in [0, 1).

    Returns:
        ``LP``, or ``None`` without liability.

    Raises:
        InvalidInputError: for a bad side, amount or rate.

    References:
        OKX Help, "Isolated margin mode" (https://www.okx.com/help-center/6997123251341,
        updated 2024-04-04); :ref:`rule-okx-spot-margin` [published].

    Examples:
        A 10x BTC long of 1 BTC at 10,000 (1.1 BTC held, 10,000 USDT owed), the
        page's position, at m = 8% and c = 0.1%:

        >>> legacy_isolated_liquidation_price(
        ...     "long",
        ...     position_assets="1.1",
        ...     liability=10000,
        ...     maintenance_rate="0.08",
        ...     taker_fee_rate="0.001",
        ... )
        Decimal('9828')

    .. versionadded:: 0.2.0
    """
    choice(side, Side, "side")
    assets = positive_number(position_assets, "position_assets")
    owed = non_negative_number(liability, "liability")
    if side == "long":
        return spot_liquidation_price(
            base_assets=assets,
            quote_assets=0,
            base_liability=0,
            quote_liability=owed,
            maintenance_rate=maintenance_rate,
            taker_fee_rate=taker_fee_rate,
        )
    return spot_liquidation_price(
        base_assets=0,
        quote_assets=assets,
        base_liability=owed,
        quote_liability=0,
        maintenance_rate=maintenance_rate,
        taker_fee_rate=taker_fee_rate,
    )


@exact
def spot_available_to_borrow(
    margin: NumberLike,
    *,
    leverage: NumberLike,
    price: NumberLike = 1,
    limit: NumberLike | None = None,
) -> Decimal:
    r"""OKX's available to borrow: the margin balance times the leverage multiplier.

    .. math::

        \text{borrow} = \min(M \cdot L \cdot P,\ \text{limit})

    Args:
        margin: ``M``, the margin balance, ≥ 0.
        leverage: ``L``, the leverage chosen, > 0.
        price: ``P``, the price converting the margin into the borrowed coin (1 when
            they are the same coin).
        limit: the tier's or platform's borrowing limit, when one applies.

    Returns:
        The most that can be borrowed, in the borrowed coin.

    Raises:
        InvalidInputError: for a bad amount, leverage, price or limit.

    References:
        OKX Help, "Ⅱ. Introduction of Margin" (https://www.okx.com/help/6995928593165);
        :ref:`rule-okx-spot-margin` [published].

    Examples:
        The page's example: 1 ETH of margin at 1,000 USDT, 5x, borrows up to 5,000 USDT:

        >>> spot_available_to_borrow(1, leverage=5, price=1000)
        Decimal('5000')

    .. versionadded:: 0.2.0
    """
    amount = (
        non_negative_number(margin, "margin")
        * positive_number(leverage, "leverage")
        * positive_number(price, "price")
    )
    if limit is None:
        return amount
    return min(amount, non_negative_number(limit, "limit"))


@attrs.frozen(kw_only=True)
class OkxMarginPosition:
    """One OKX spot-margin position (``instType=MARGIN``) as the pair levrisk's rules take.

    A long holds ``pos`` of the base (its margin included) and owes quote; a short holds
    ``pos`` of the quote and owes base [published: ``posCcy``]. The liabilities are
    ``|liab|`` plus the ``interest`` incurred and not yet deducted [derived: OKX lists them
    apart]. OKX's own figures stay beside them, for comparison.

    Attributes:
        inst_id: the pair (``"BTC-USDT"``).
        margin_mode: ``"isolated"`` or ``"cross"`` (``mgnMode``).
        side: ``"long"`` when ``posCcy`` is the base, ``"short"`` when it is the quote.
        base_assets: ``B``, the base held (``pos`` of a long, else 0).
        quote_assets: ``Q_a``, the quote held (``pos`` of a short, else 0).
        base_liability: ``L_b``, the base owed with interest (a short's, else 0).
        quote_liability: ``L_q``, the quote owed with interest (a long's, else 0).
        interest: the interest incurred and not yet deducted, in ``liabCcy``.
        mark_price: ``markPx``, quote per base.
        available: ``availPos``, the position that can be closed (``None`` when absent).
        margin: ``margin`` of an isolated position (``None`` when absent).
        liquidation_price: OKX's ``liqPx`` (``None`` when absent).
        margin_ratio: OKX's ``mgnRatio`` (``None`` when absent).
        maintenance_margin: OKX's ``mmr``, in the margin currency ``ccy`` (``None`` when
            absent).

    Examples:
        >>> names = {"inst_id": "BTC-USDT", "margin_mode": "isolated", "side": "short"}
        >>> pair = {"base_assets": 0, "quote_assets": 500, "base_liability": "0.01"}
        >>> row = OkxMarginPosition(**names, **pair, quote_liability=0, mark_price=62000)
        >>> row.liability
        Decimal('0.01')

    .. versionadded:: 0.2.0
    """

    inst_id: str = attrs.field(validator=_payload.string)
    margin_mode: MarginMode = attrs.field(validator=one_of(MarginMode))
    side: Literal["long", "short"] = attrs.field(validator=one_of(Side))  # Side, spelled out
    base_assets: Decimal = attrs.field(converter=_fields.number, validator=_fields.non_negative)
    quote_assets: Decimal = attrs.field(converter=_fields.number, validator=_fields.non_negative)
    base_liability: Decimal = attrs.field(converter=_fields.number, validator=_fields.non_negative)
    quote_liability: Decimal = attrs.field(converter=_fields.number, validator=_fields.non_negative)
    mark_price: Decimal = attrs.field(converter=_fields.number, validator=_fields.positive)
    interest: Decimal = attrs.field(
        default=Decimal(0), converter=_fields.number, validator=_fields.non_negative
    )
    available: Decimal | None = attrs.field(default=None, converter=_fields.optional_number)
    margin: Decimal | None = attrs.field(default=None, converter=_fields.optional_number)
    liquidation_price: Decimal | None = attrs.field(default=None, converter=_fields.optional_number)
    margin_ratio: Decimal | None = attrs.field(default=None, converter=_fields.optional_number)
    maintenance_margin: Decimal | None = attrs.field(
        default=None, converter=_fields.optional_number
    )

    @property
    def liability(self) -> Decimal:
        """The liability in ``liabCcy`` with its interest (quote for a long, base for a short)."""
        return self.quote_liability if self.side == "long" else self.base_liability

    @property
    def pair(self) -> dict[str, Decimal]:
        """``B``, ``Q_a``, ``L_b``, ``L_q`` as the keywords of :func:`spot_margin_ratio`."""
        return {
            "base_assets": self.base_assets,
            "quote_assets": self.quote_assets,
            "base_liability": self.base_liability,
            "quote_liability": self.quote_liability,
        }


_REPORTED: Final = {
    "available": "availPos",
    "margin": "margin",
    "liquidation_price": "liqPx",
    "margin_ratio": "mgnRatio",
    "maintenance_margin": "mmr",
}
"""OKX's own figures of a MARGIN row, by :class:`OkxMarginPosition` attribute."""


def _margin_row(obj: Mapping[str, Json], *, where: str) -> OkxMarginPosition | None:
    """One ``account/positions`` row as an :class:`OkxMarginPosition`; ``None`` if not one."""
    if obj.get("instType") != "MARGIN":
        return None  # a derivatives row: okx.position_report_from_payload reads those
    held = _payload.number(obj, "pos", where=where)
    if held == 0:
        return None  # a manual transfer's empty position
    inst_id = _payload.text(obj, "instId", where=where)
    base, _, quote = inst_id.partition("-")
    currency = _payload.text(obj, "posCcy", where=where)
    if currency not in (base, quote) or not quote:
        msg = f"{where}.posCcy must be the base or the quote of {inst_id!r}, got {currency!r}"
        raise InvalidInputError(msg)
    side: Side = "long" if currency == base else "short"
    interest = _payload.optional_number(obj, "interest", where=where) or Decimal(0)
    owed = abs(_payload.number(obj, "liab", where=where)) + interest
    held_as, owed_as = ("base", "quote") if side == "long" else ("quote", "base")
    amounts: dict[str, Any] = {
        "base_assets": 0,
        "quote_assets": 0,
        "base_liability": 0,
        "quote_liability": 0,
        f"{held_as}_assets": held,
        f"{owed_as}_liability": owed,
        **{
            name: _payload.optional_number(obj, key, where=where) for name, key in _REPORTED.items()
        },
    }
    try:
        return OkxMarginPosition(
            inst_id=inst_id,
            margin_mode=_payload.text(obj, "mgnMode", where=where),  # type: ignore[arg-type]
            side=side,
            interest=interest,
            mark_price=_payload.number(obj, "markPx", where=where),
            **amounts,
        )
    except InvalidInputError as error:
        msg = f"{where}: {error}"
        raise InvalidInputError(msg) from None


@exact
def margin_position_report_from_payload(payload: Json, *, strict: bool = False) -> Parsed:
    """Parse OKX's ``account/positions`` (``instType=MARGIN``) row by row.

    Each ``MARGIN`` row becomes an :class:`OkxMarginPosition` for
    :func:`spot_margin_ratio` and :func:`spot_liquidation_price` (``**row.pair``); rows
    of other instrument types and empty positions (``pos`` 0) are skipped, a row that
    cannot be read is a :class:`~levrisk.exchanges.RowError`. ``pos`` is in ``posCcy``:
    the base for a long, the quote for a short; ``liab`` (negative, in ``liabCcy``) plus
    ``interest`` is the liability.

    Args:
        payload: the decoded response (``{"code": "0", "data": [...]}``) or its ``data``.
        strict: raise the first bad row's error instead of reporting it.

    Returns:
        A :class:`~levrisk.exchanges.Parsed` of :class:`OkxMarginPosition` rows.

    Raises:
        InvalidInputError: when the payload holds no list of rows; with ``strict=True``,
            the first bad row's error.

    References:
        OKX API v5, "Get positions" (``GET /api/v5/account/positions``,
        https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-positions: ``pos``,
        ``posCcy``, ``liab``, ``liabCcy``, ``interest``, ``mgnRatio``, ``liqPx``,
        ``availPos``); :ref:`rule-okx-spot-margin` [published; interest added derived].

    Examples:
        The API documentation's example row (trimmed), a 5x isolated BTC long:

        >>> row = {
        ...     "instType": "MARGIN",
        ...     "instId": "BTC-USDT",
        ...     "mgnMode": "isolated",
        ...     "posSide": "net",
        ...     "pos": "0.00190433573",
        ...     "posCcy": "BTC",
        ...     "availPos": "0.00190433573",
        ...     "liab": "-99.9998177776581948",
        ...     "liabCcy": "USDT",
        ...     "interest": "0",
        ...     "markPx": "62891.9",
        ...     "liqPx": "53615.448336593756",
        ...     "mgnRatio": "9.404143929947395",
        ... }
        >>> position = margin_position_report_from_payload({"data": [row]}).rows[0]
        >>> position.side, position.quote_liability
        ('long', Decimal('99.9998177776581948'))
        >>> rates = {"maintenance_rate": "0.02", "taker_fee_rate": "0.001"}
        >>> round(spot_liquidation_price(**position.pair, **rates), 9)
        Decimal('53615.448336594')

    .. versionadded:: 0.2.0
    """
    if isinstance(payload, Mapping) and "data" in payload:
        rows, where = payload["data"], "payload.data"
    else:
        rows, where = payload, "payload"
    return collect(
        _payload.objects(rows, where=where),
        lambda at, obj: _margin_row(obj, where=at),
        strict=strict,
    )
