r"""Risk tools shared by both markets: the stop check, risk/reward, liquidation outcomes.

The private half of :mod:`levrisk.risk` that knows nothing about a market; everything
public is re-exported there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_FLOOR, Decimal, localcontext
from fractions import Fraction
from typing import Final, Literal, cast

import attrs

from levrisk._fields import (
    FrozenMap,
    entries,
    finite,
    instance_of,
    non_negative,
    non_negative_number,
    number,
    optional_number,
    positive,
    positive_number,
)
from levrisk._typing import Side, choice, one_of, side_sign
from levrisk.exceptions import InvalidInputError
from levrisk.numbers import NumberLike, exact, round_to_step, to_decimal

MARKET_NAMES: Final = (
    "Scenario",
    "StressRow",
    "check_stop",
    "liquidation_outcome",
    "max_leverage_for_stop",
    "max_size_for_stop",
    "moves_to_liquidation",
    "position_size",
    "scenarios",
    "stop_price",
    "stress",
    "take_profit_price",
    "uniform_move_to_liquidation",
)
"""The regular names both markets publish (``levrisk.risk.futures`` and ``.margin``)."""

SPOT_LIQUIDATION_FEE_RATE: Final = Decimal("0.02")
"""The liquidation clearance fee of Binance cross classic and isolated margin (2 %)."""

PRO_LIQUIDATION_FEE_RATE: Final = Decimal("0.03")
"""The liquidation clearance fee of Binance Cross Margin Pro (3 %)."""

# ----------------------------------------------------------------- small checks


def risk_fraction(value: object) -> Decimal:
    """The share of equity at risk, strictly between 0 and 1."""
    result = to_decimal(cast("NumberLike", value), name="risk_fraction")
    if not 0 < result < 1:
        msg = f"risk_fraction must be strictly between 0 and 1, got {value!r}"
        raise InvalidInputError(msg)
    return result


def stop_side(side: str, entry: Decimal, stop: Decimal, name: str = "stop_price") -> None:
    """A stop must lie on the losing side of the entry: below a long's, above a short's."""
    if (side == "long" and stop >= entry) or (side == "short" and stop <= entry):
        where = "below" if side == "long" else "above"
        msg = f"{name} of a {side} must lie {where} the entry price {entry!r}, got {stop!r}"
        raise InvalidInputError(msg)


def entry_and_stop(
    side: object, entry_price: object, stop_price: object
) -> tuple[Side, Decimal, Decimal]:
    """The side, entry and stop of a trade; the stop on the losing side of the entry."""
    s_name: Side = choice(side, Side, "side")
    entry = positive_number(entry_price, "entry_price")
    stop = positive_number(stop_price, "stop_price")
    stop_side(s_name, entry, stop)
    return s_name, entry, stop


SCAN_LIMIT: Final = 256
"""Leverage ranges up to this many steps are scanned from the top; longer ones bisected."""


def largest_passing(low: int, high: int, passes: Callable[[int], bool]) -> int | None:
    """The largest whole leverage in ``[low, high]`` for which ``passes`` holds.

    Short ranges (every venue's) are scanned from the top, so the answer is exact however
    the tiers interact. Longer ranges are bisected, which relies on the check holding on
    a prefix of the range: the liquidation price moves toward the entry as the leverage
    rises, and a leverage a tier forbids stays forbidden above it.
    """
    if high - low < SCAN_LIMIT:
        for lev in range(high, low - 1, -1):
            if passes(lev):
                return lev
        return None
    if passes(high):
        return high
    if not passes(low):
        return None
    lo, hi = low, high
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if passes(mid):
            lo = mid
        else:
            hi = mid
    return lo


def stop_cap(entry: Decimal, stop: Decimal, top: Decimal) -> int:
    """The highest leverage worth trying for a stop: ``min(top, max(EP, SP)/|EP − SP| + 2)``.

    At leverage ``L`` the own margin is the notional at entry divided by ``L`` (futures:
    the initial margin; spot margin: the equity), and the loss at the stop is the
    notional times ``|EP − SP|/EP`` (linear) or ``|EP − SP|/SP`` (inverse). Above
    ``max(EP, SP)/|EP − SP|`` that loss exceeds the margin, so liquidation precedes the
    stop whatever the maintenance: no leverage above passes. Capping the search there
    keeps it short for a table whose top leverage is absurd (``1E+999999``) — the
    ``+ 2`` absorbs the rounding of the quotient. Runs in the library's context.
    """
    bound = max(entry, stop) / abs(entry - stop) + 2
    return int(min(top, bound).to_integral_value(rounding=ROUND_FLOOR))


def floor_decimal(value: Fraction) -> Decimal:
    """An exact rational rounded down to the library's precision (never above it)."""
    with localcontext() as context:
        context.rounding = ROUND_FLOOR
        return Decimal(value.numerator) / Decimal(value.denominator)


def round_size(size: Decimal, lot_step: NumberLike | None) -> Decimal:
    """Round a size down to the lot step, when one is given."""
    if lot_step is None:
        return size
    step = positive_number(lot_step, "lot_step")
    return round_to_step(size, step, "down")


def grid(values: object, name: str) -> tuple[Decimal, ...]:
    """A non-empty grid of positive numbers (prices)."""
    msg = f"{name} must be a non-empty sequence of positive numbers, got {values!r}"
    points = entries(values, msg)
    result = tuple(positive_number(v, f"{name}[{i}]") for i, v in enumerate(points))
    if not result:
        msg = f"{name} must not be empty, got {values!r}"
        raise InvalidInputError(msg)
    return result


def frozen_map(value: Mapping[str, NumberLike]) -> FrozenMap:
    """Converter for asset → number fields (bad entries raise the documented error)."""
    if not isinstance(value, Mapping):
        msg = f"expected a mapping of asset to number, got {value!r}"
        raise InvalidInputError(msg)
    data: dict[str, Decimal] = {}
    for key, raw in value.items():
        if not isinstance(key, str):
            msg = f"asset names must be strings, got {key!r}"
            raise InvalidInputError(msg)
        data[key] = to_decimal(raw, name=f"[{key!r}]")
    return FrozenMap(data)


# ----------------------------------------------------------------- the stop check


@attrs.frozen(kw_only=True)
class StopCheck:
    r"""Whether a stop fires before liquidation, and by how much (built by :func:`check_stop`).

    Distances are signed so that a positive value is the safe direction: for a long
    (``s = +1``) the liquidation price lies below the entry and a working stop lies
    above the liquidation price; for a short both the other way round.

    Attributes:
        side: ``"long"`` or ``"short"``.
        entry_price: the entry price, quote per base.
        stop_price: the stop price, quote per base.
        liquidation_price: the liquidation price, or ``None`` when there is none.
        buffer: the required gap between stop and liquidation, a fraction of the stop.
        liquidation_distance: ``s·(EP − LP)``, how far the price may move against the
            position from entry before it is liquidated (``None`` without ``LP``).
        liquidation_distance_fraction: ``liquidation_distance / EP`` (``0.05`` is 5 %).
        stop_gap: ``s·(SP − LP)``, how far beyond the stop liquidation lies
            (positive: the stop fires first).
        stop_gap_fraction: ``stop_gap / SP``.
        passed: ``True`` when there is no liquidation price, or when
            ``stop_gap > 0`` and ``stop_gap_fraction ≥ buffer``.

    .. versionadded:: 0.1.0
    """

    side: Literal["long", "short"] = attrs.field(validator=one_of(Side))
    entry_price: Decimal = attrs.field(converter=number, validator=positive)
    stop_price: Decimal = attrs.field(converter=number, validator=positive)
    liquidation_price: Decimal | None = attrs.field(converter=optional_number, validator=positive)
    buffer: Decimal = attrs.field(converter=number, validator=non_negative)
    liquidation_distance: Decimal | None = attrs.field(converter=optional_number, validator=finite)
    liquidation_distance_fraction: Decimal | None = attrs.field(
        converter=optional_number, validator=finite
    )
    stop_gap: Decimal | None = attrs.field(converter=optional_number, validator=finite)
    stop_gap_fraction: Decimal | None = attrs.field(converter=optional_number, validator=finite)
    passed: bool = attrs.field(validator=instance_of(bool))


@exact
def check_stop(
    side: Literal["long", "short"],
    *,
    entry_price: NumberLike,
    stop_price: NumberLike,
    liquidation_price: NumberLike | None,
    buffer: NumberLike = 0,
) -> StopCheck:
    r"""Check that a stop triggers before the liquidation price, with a buffer.

    Along the adverse path (down for a long, up for a short) the stop must be reached
    first, and liquidation must lie at least ``buffer`` (a fraction of the stop price)
    beyond it:

    .. math::

        \text{gap} = s\,(SP - LP) > 0
        \quad\text{and}\quad
        \frac{\text{gap}}{SP} \ge \text{buffer}

    A position without a liquidation price (``LP = None``) always passes. A stop equal
    to the liquidation price fails: liquidation triggers at that price.

    Args:
        side: ``"long"`` or ``"short"``.
        entry_price: ``EP`` (> 0).
        stop_price: ``SP`` (> 0), below the entry of a long, above that of a short.
        liquidation_price: ``LP`` (> 0), or ``None`` when there is none.
        buffer: the required gap as a fraction of the stop price (≥ 0), e.g. ``0.01``.

    Returns:
        A :class:`StopCheck` with the distances and the verdict.

    Raises:
        InvalidInputError: for a bad side, a non-positive price, a negative buffer, or
            a stop on the wrong side of the entry.

    References:
        The seed guide's advice (a stop before the liquidation price);
        :ref:`rule-futures-liquidation-linear` and :ref:`rule-spot-liquidation` for the liquidation
        price [derived check].

    Examples:
        A short at 60,000 with a stop at 63,000 and liquidation at 63,081:

        >>> check = check_stop(
        ...     "short", entry_price=60_000, stop_price=63_000, liquidation_price=63_081
        ... )
        >>> check.passed, check.stop_gap, check.liquidation_distance
        (True, Decimal('81'), Decimal('3081'))
        >>> check_stop(
        ...     "short",
        ...     entry_price=60_000,
        ...     stop_price=63_000,
        ...     liquidation_price=63_081,
        ...     buffer="0.01",
        ... ).passed
        False

    .. versionadded:: 0.1.0
    """
    s_name, entry, stop = entry_and_stop(side, entry_price, stop_price)
    gap_needed = non_negative_number(buffer, "buffer")
    if liquidation_price is None:
        return StopCheck(
            side=s_name,
            entry_price=entry,
            stop_price=stop,
            liquidation_price=None,
            buffer=gap_needed,
            liquidation_distance=None,
            liquidation_distance_fraction=None,
            stop_gap=None,
            stop_gap_fraction=None,
            passed=True,
        )
    lp = positive_number(liquidation_price, "liquidation_price")
    s = side_sign(s_name)
    distance = s * (entry - lp)
    gap = s * (stop - lp)
    gap_fraction = gap / stop
    return StopCheck(
        side=s_name,
        entry_price=entry,
        stop_price=stop,
        liquidation_price=lp,
        buffer=gap_needed,
        liquidation_distance=distance,
        liquidation_distance_fraction=distance / entry,
        stop_gap=gap,
        stop_gap_fraction=gap_fraction,
        passed=gap > 0 and gap_fraction >= gap_needed,
    )


@exact
def risk_reward_ratio(
    side: Literal["long", "short"],
    *,
    entry_price: NumberLike,
    stop_price: NumberLike,
    target_price: NumberLike,
) -> Decimal:
    r"""The reward-to-risk ratio of a trade: the price gain to the target over the loss to the stop.

    .. math::

        RR = \frac{s\,(TP - EP)}{s\,(EP - SP)}

    Fees and interest are left out (they shrink the reward and grow the risk; size the
    position with the risk-budget functions to include them).

    Args:
        side: ``"long"`` or ``"short"``.
        entry_price: ``EP`` (> 0).
        stop_price: ``SP`` (> 0), on the losing side of the entry.
        target_price: ``TP`` (> 0), on the winning side of the entry.

    Returns:
        The ratio (``2`` means the target earns twice what the stop loses).

    Raises:
        InvalidInputError: for a bad side or price, a stop or a target on the wrong side
            of the entry.

    References:
        Standard trading definition [derived].

    Examples:
        >>> risk_reward_ratio("short", entry_price=60_000, stop_price=63_000, target_price=54_000)
        Decimal('2')

    .. versionadded:: 0.1.0
    """
    s_name, entry, stop = entry_and_stop(side, entry_price, stop_price)
    target = positive_number(target_price, "target_price")
    s = side_sign(s_name)
    if s * (target - entry) <= 0:
        where = "above" if s_name == "long" else "below"
        msg = (
            f"target_price of a {s_name} must lie {where} the entry price {entry!r}, got {target!r}"
        )
        raise InvalidInputError(msg)
    return (s * (target - entry)) / (s * (entry - stop))


# ----------------------------------------------------------------- liquidation outcome


@attrs.frozen(kw_only=True)
class LiquidationOutcome:
    r"""What a liquidation costs, and whether anything remains.

    Built by ``futures_liquidation_outcome`` and ``margin_liquidation_outcome``.

    All amounts are in the account's settlement unit: quote for spot margin and linear
    futures, the coin for inverse futures.

    Attributes:
        liquidation_price: the price at which the position is liquidated.
        collateral: what was put in (the isolated margin, or the spot collateral).
        equity_at_liquidation: equity left when liquidation triggers (before the fee).
        liquidation_fee: the clearance / insurance fee charged.
        remaining: what is returned after the fee (≥ 0; a shortfall is the insurance
            fund's, not the trader's).
        loss: ``collateral − remaining``.
        loss_fraction: ``loss / collateral`` (``1`` is everything).
        anything_remains: ``remaining > 0``.

    .. versionadded:: 0.1.0
    """

    liquidation_price: Decimal = attrs.field(converter=number, validator=positive)
    collateral: Decimal = attrs.field(converter=number, validator=positive)
    equity_at_liquidation: Decimal = attrs.field(converter=number, validator=finite)
    liquidation_fee: Decimal = attrs.field(converter=number, validator=non_negative)
    remaining: Decimal = attrs.field(converter=number, validator=non_negative)
    loss: Decimal = attrs.field(converter=number, validator=finite)
    loss_fraction: Decimal = attrs.field(converter=number, validator=finite)
    anything_remains: bool = attrs.field(validator=instance_of(bool))


def outcome(
    *, price: Decimal, collateral: Decimal, equity: Decimal, fee: Decimal
) -> LiquidationOutcome:
    """Assemble a :class:`LiquidationOutcome` from the equity at liquidation and the fee."""
    remaining = max(Decimal(0), equity - fee)
    loss = collateral - remaining
    return LiquidationOutcome(
        liquidation_price=price,
        collateral=collateral,
        equity_at_liquidation=equity,
        liquidation_fee=fee,
        remaining=remaining,
        loss=loss,
        loss_fraction=loss / collateral,
        anything_remains=remaining > 0,
    )


@attrs.frozen(kw_only=True)
class AssetMove:
    r"""How far one asset's (or one futures symbol's) price may move before liquidation.

    Built by ``asset_moves_to_liquidation`` (spot margin) and
    ``symbol_moves_to_liquidation`` (futures; ``asset`` holds the symbol).

    Attributes:
        asset: the asset whose price moves alone.
        price: its current price.
        liquidation_price: its liquidation price with everything else unchanged, or
            ``None``.
        move: ``liquidation_price / price − 1`` (negative: a fall), or ``None``.

    .. versionadded:: 0.1.0
    """

    asset: str = attrs.field(validator=instance_of(str))
    price: Decimal = attrs.field(converter=number, validator=positive)
    liquidation_price: Decimal | None = attrs.field(converter=optional_number, validator=positive)
    move: Decimal | None = attrs.field(converter=optional_number, validator=finite)


def nearest_moves(
    prices: Mapping[str, Decimal], liquidation_prices: Mapping[str, Decimal | None]
) -> tuple[AssetMove, ...]:
    """One :class:`AssetMove` per name of ``prices``, sorted by ``|move|`` (``None`` last).

    ``liquidation_prices`` holds each name's liquidation price alone (or ``None``); ties
    and the names without one keep the order of ``prices``.
    """
    rows = []
    for name, price in prices.items():
        lp = liquidation_prices[name]
        move = None if lp is None else lp / price - 1
        rows.append(AssetMove(asset=name, price=price, liquidation_price=lp, move=move))
    return tuple(sorted(rows, key=lambda r: (r.move is None, abs(r.move or 0))))


# ----------------------------------------------------------------- stress shocks


def move(value: object, name: str) -> Decimal:
    """A relative price move above −1 (``-0.1`` is a 10 % fall)."""
    result = to_decimal(cast("NumberLike", value), name=name)
    if result <= -1:
        msg = f"{name} must be above -1 (a price cannot fall to 0 or below), got {value!r}"
        raise InvalidInputError(msg)
    return result


def shocks(
    value: object, known: Sequence[str], *, key: str, unknown: str
) -> list[dict[str, Decimal]]:
    """The stress shocks: each one move for every ``known`` name, or a ``key → move`` map.

    A map may only move the ``known`` names (``unknown`` ends the message that says so);
    names a map leaves out keep their price.
    """
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        msg = f"shocks must be a non-empty sequence of moves or {key} → move maps, got {value!r}"
        raise InvalidInputError(msg)
    result: list[dict[str, Decimal]] = []
    for i, shock in enumerate(value):
        if isinstance(shock, Mapping):
            moves: dict[str, Decimal] = {}
            for name, raw in shock.items():
                if name not in known:
                    msg = f"shocks[{i}] moves {name!r}, {unknown}"
                    raise InvalidInputError(msg)
                moves[name] = move(raw, f"shocks[{i}][{name!r}]")
            result.append(moves)
        else:
            result.append(dict.fromkeys(known, move(shock, f"shocks[{i}]")))
    if not result:
        msg = f"shocks must not be empty, got {value!r}"
        raise InvalidInputError(msg)
    return result


# ----------------------------------------------------------------- targets


def amount_or_roe(
    amount: object, roe_value: object, name: str, *, capital: Callable[[], Decimal]
) -> Decimal:
    """The target amount: ``amount`` itself, or ``roe`` × the capital it is measured on.

    Exactly one of the two must be given; ``capital`` (the margin of a futures position,
    the collateral of a spot-margin trade) is only evaluated for an ``roe``.
    """
    if (amount is None) == (roe_value is None):
        msg = (
            f"exactly one of {name} and roe must be given, got {name}={amount!r}, roe={roe_value!r}"
        )
        raise InvalidInputError(msg)
    if amount is not None:
        return positive_number(amount, name)
    return positive_number(roe_value, "roe") * capital()
