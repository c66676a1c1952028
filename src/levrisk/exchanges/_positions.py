"""What the venues' position parsers share: the parsed row, the cross account, ``reconcile``.

Bybit's ``position/list``, OKX's ``account/positions``, Gate's futures positions and
ccxt's ``fetch_positions`` all describe one open position the same way once read: a
``levrisk.futures.Position``, its margin mode (and isolated margin), the mark price, and
the figures the exchange reports on it. :class:`ReportedPosition` holds that, each
venue's parser fills it from its own field names, and :func:`reconcile_position` checks
the reported figures against levrisk's with :func:`~levrisk.exchanges._reconcile.check_figures`
(Binance keeps its own ``PositionRisk``, which predates this type).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Literal, Protocol, TypeAlias, cast

import attrs

from levrisk._fields import non_negative, number, optional_number, positive, require, trusted
from levrisk._typing import Side, one_of
from levrisk.exceptions import (
    BracketError,
    InvalidInputError,
    LeverageError,
    LevriskWarning,
    LiquidationError,
)
from levrisk.exchanges import _payload
from levrisk.exchanges._reconcile import FieldCheck, Figure, Reconciliation, check_figures
from levrisk.exchanges._rows import Parsed, collect
from levrisk.futures import (
    Contract,
    CrossAccount,
    LiquidationRule,
    Position,
    break_even_price,
    cross_liquidation_price,
    initial_margin,
    isolated_liquidation_price,
    maintenance_margin,
    unrealized_pnl,
)
from levrisk.numbers import NumberLike

__all__ = [
    "MarginMode",
    "ReportedPosition",
    "check_contracts",
    "contract_for",
    "cross_account",
    "held_position",
    "located",
    "reconcile_position",
    "report_rows",
    "reported_row",
]

MarginMode: TypeAlias = Literal["isolated", "cross"]
"""How a position is margined: on its own margin, or on the account's cross wallet."""

Report: TypeAlias = Callable[[Decimal], Decimal | None]
AtTick: TypeAlias = Callable[[Decimal, Decimal | None], Decimal | None]
Solve: TypeAlias = Callable[[], tuple[Decimal | None, bool]]


class Reported(Protocol):
    """A position row's reported figures (``ReportedPosition``, ``binance.PositionRisk``)."""

    @property
    def maintenance_margin(self) -> Decimal | None:
        """The venue's maintenance margin."""

    @property
    def initial_margin(self) -> Decimal | None:
        """The venue's initial margin (at mark)."""

    @property
    def unrealized_pnl(self) -> Decimal | None:
        """The venue's unrealised PnL."""

    @property
    def break_even_price(self) -> Decimal | None:
        """The venue's break-even price."""

    @property
    def liquidation_price(self) -> Decimal | None:
        """The venue's liquidation price."""


@attrs.frozen(kw_only=True)
class ReportedPosition:
    """One open position of a venue's position payload, with the figures the venue reports.

    Attributes:
        venue: the exchange (``"Bybit"``, ``"OKX"``, ``"Gate"``, ``"ccxt"``).
        position: the ``levrisk.futures.Position``.
        margin_mode: ``"isolated"`` or ``"cross"`` (a ``MarginMode``).
        margin: the isolated position's margin, in the settlement asset (0 for cross).
        mark_price: the mark price the venue reports.
        liquidation_price: the venue's liquidation price, or ``None`` where it shows none.
        unrealized_pnl: the venue's unrealised PnL (``None`` where absent).
        maintenance_margin: the venue's maintenance margin (``None`` where absent).
        initial_margin: the venue's initial margin (``None`` where absent).
        break_even_price: the venue's break-even price (``None`` where absent or 0).

    .. versionadded:: 0.2.0
    """

    venue: str = attrs.field(validator=_payload.string)
    position: Position = attrs.field(validator=_payload.is_a(Position))
    margin_mode: MarginMode = attrs.field(validator=one_of(MarginMode))
    margin: Decimal = attrs.field(converter=number, validator=non_negative)
    mark_price: Decimal = attrs.field(converter=number, validator=positive)
    liquidation_price: Decimal | None = attrs.field(
        default=None, converter=optional_number, validator=positive
    )
    unrealized_pnl: Decimal | None = attrs.field(default=None, converter=optional_number)
    maintenance_margin: Decimal | None = attrs.field(
        default=None, converter=optional_number, validator=non_negative
    )
    initial_margin: Decimal | None = attrs.field(
        default=None, converter=optional_number, validator=non_negative
    )
    break_even_price: Decimal | None = attrs.field(
        default=None, converter=optional_number, validator=positive
    )


def contract_for(
    contracts: Mapping[str, Contract], symbol: str, *, where: str, named: bool = False
) -> Contract:
    """The contract of ``symbol``, or an error naming the row (``named``: the field's path)."""
    contract = contracts.get(symbol)
    if not isinstance(contract, Contract):
        field = where if named else f"{where} symbol"
        msg = f"{field} {symbol!r} has no Contract in contracts (got {contract!r})"
        raise InvalidInputError(msg)
    return contract


def check_contracts(contracts: object) -> Mapping[str, Contract]:
    """``contracts`` as a mapping (each value is checked when its symbol is read)."""
    if not isinstance(contracts, Mapping):
        msg = f"contracts must be a mapping of symbol to Contract, got {contracts!r}"
        raise InvalidInputError(msg)
    return contracts


def held_position(
    *,
    contract: Contract,
    side: Side,
    size: NumberLike,
    entry_price: NumberLike,
    leverage: NumberLike,
    where: str,
) -> Position:
    """An open position as the venue reports it: never refused on its leverage.

    Only opening or sizing a new position validates leverage against the table; a
    position that already exists is what it is (the table may have changed since it was
    opened, and leverage does not enter its liquidation price). A leverage the table
    would not allow today (above the maximum of the bracket holding its notional)
    gives a :class:`~levrisk.exceptions.LevriskWarning` naming the row, and the position
    is kept with the venue's leverage. A notional above the table's top cap is kept the
    same way, with a warning (its maintenance extrapolates the last bracket, as every
    maintenance figure does: :ref:`rule-brackets`); only a new position is refused there.
    Every other field is validated as ``Position`` validates it.
    """
    try:
        return Position(
            contract=contract, side=side, size=size, entry_price=entry_price, leverage=leverage
        )
    except (LeverageError, BracketError) as error:
        # The leverage check runs last: every other field has passed its validator. Its
        # BracketError is the notional above the top cap (bracket_for refuses it).
        msg = f"{where}: {error}; kept as the venue reports it (only a new position is checked)"
        warnings.warn(msg, LevriskWarning, stacklevel=2)
        return trusted(
            Position,
            contract=contract,
            side=side,
            size=number(size),
            entry_price=number(entry_price),
            leverage=number(leverage),
        )


RowParser: TypeAlias = Callable[
    [Mapping[str, object], Mapping[str, Contract], str], "ReportedPosition | None"
]


def report_rows(
    rows: object, *, where: str, contracts: object, parse: RowParser, strict: bool
) -> Parsed:
    """Each row of a venue's position list parsed by ``parse(obj, contracts, where)``.

    The good rows and a per-row error report (:func:`~levrisk.exchanges._rows.collect`);
    ``contracts`` is checked first.
    """
    checked = check_contracts(contracts)
    return collect(
        _payload.objects(rows, where=where),
        lambda at, obj: parse(obj, checked, at),
        strict=strict,
    )


def located(where: str, build: Callable[[], ReportedPosition]) -> ReportedPosition:
    """``build()``, with the row's path put in front of an error's message."""
    try:
        return build()
    except InvalidInputError as error:
        msg = f"{where}: {error}"
        raise type(error)(msg) from error


def reported_row(
    obj: Mapping[str, object],
    *,
    venue: str,
    where: str,
    position: Mapping[str, object],
    margin_mode: MarginMode,
    fields: Mapping[str, str],
) -> ReportedPosition:
    """One venue row as a :class:`ReportedPosition`, the row's path on every error.

    ``position``: the ``contract``, ``side``, ``size`` and a ``leverage`` callable (read
    inside the row's error context); ``fields``: the venue's key of ``entry_price``,
    ``margin``, ``mark_price``, ``liquidation_price``, ``unrealized_pnl`` and, where the
    venue reports them, ``maintenance_margin``, ``initial_margin``, ``break_even_price``.
    A reported price of 0 means none.
    """

    def number(name: str) -> Decimal:
        return _payload.number(obj, fields[name], where=where)

    def optional(name: str) -> Decimal | None:
        key = fields.get(name)
        return None if key is None else _payload.optional_number(obj, key, where=where)

    def build() -> ReportedPosition:
        leverage = cast("Callable[[], Decimal]", position["leverage"])
        return ReportedPosition(
            venue=venue,
            position=held_position(
                contract=cast("Contract", position["contract"]),
                side=cast("Side", position["side"]),
                size=cast("Decimal", position["size"]),
                entry_price=number("entry_price"),
                leverage=leverage(),
                where=where,
            ),
            margin_mode=margin_mode,
            margin=number("margin") if margin_mode == "isolated" else 0,
            mark_price=number("mark_price"),
            liquidation_price=optional("liquidation_price") or None,
            unrealized_pnl=optional("unrealized_pnl"),
            maintenance_margin=optional("maintenance_margin"),
            initial_margin=optional("initial_margin"),
            break_even_price=optional("break_even_price") or None,
        )

    return located(where, build)


def cross_account(
    rows: Iterable[ReportedPosition], *, wallet_balance: NumberLike, hedge: bool
) -> CrossAccount:
    """The ``CrossAccount`` of the cross rows, on ``wallet_balance``."""
    return CrossAccount(
        wallet_balance=wallet_balance,
        positions=[r.position for r in rows if r.margin_mode == "cross"],
        position_mode="hedge" if hedge else "one_way",
    )


def _same(value: Decimal) -> Decimal:
    return value


def break_even(pos: Position, fee_rate: NumberLike | None) -> tuple[Decimal | None, bool]:
    """The break-even price with ``fee_rate`` to open and close (missing without it)."""
    if fee_rate is None:
        return None, True
    return break_even_price(pos, open_fee_rate=fee_rate, close_fee_rate=fee_rate), False


def position_checks(
    pos: Position,
    mark: Decimal,
    reported: Reported,
    *,
    fee_rate: NumberLike | None,
    shown: Report,
    pnl: Report,
    liquidation: Solve,
    shown_liquidation: Report,
    tick: Decimal | None = None,
) -> tuple[FieldCheck, ...]:
    """The checks of one position row at ``mark``, each figure in the venue's form.

    ``reported``: the row whose maintenance margin, initial margin (at mark), PnL,
    break-even price (with ``fee_rate`` to open and close) and liquidation price are
    checked, in that order. ``shown`` puts both margins and the break-even price in the
    venue's form, ``pnl`` the PnL; ``liquidation`` solves the exact liquidation price
    (checked even where the venue shows none), ``shown_liquidation`` gives its form,
    ``tick`` the contract's tick for a likely reason.
    """
    maintenance, initial = reported.maintenance_margin, reported.initial_margin
    profit, even = reported.unrealized_pnl, reported.break_even_price
    liquidation_price = reported.liquidation_price
    return check_figures(
        (
            Figure(
                "maintenance_margin",
                maintenance,
                lambda: (maintenance_margin(pos, mark_price=mark), False),
                shown,
            ),
            Figure(
                "initial_margin",
                initial,
                lambda: (initial_margin(pos, basis="mark", mark_price=mark), False),
                shown,
            ),
            Figure(
                "unrealized_pnl",
                profit,
                lambda: (unrealized_pnl(pos, mark_price=mark), False),
                pnl,
            ),
            Figure("break_even_price", even, lambda: break_even(pos, fee_rate), shown),
            Figure(
                "liquidation_price",
                liquidation_price,
                liquidation,
                shown_liquidation,
                always=True,
                tick=tick,
            ),
        )
    )


def reconcile_position(
    row: ReportedPosition,
    *,
    rule: LiquidationRule,
    account: CrossAccount | None,
    fee_rate: NumberLike | None,
    liquidation: AtTick | None = None,
    pnl: Report | None = None,
) -> Reconciliation:
    """Check the figures ``row`` reports against levrisk's, in the venue's reported forms.

    ``liquidation(price, tick)`` turns the exact liquidation price into the venue's form,
    given the contract's ``tick_size`` (``None`` where it has none; no ``liquidation``:
    the exact price); ``pnl`` does the same for the PnL; every other figure is compared
    as exact, at the decimals the venue writes.
    """
    require(row, ReportedPosition, "row")
    require(rule, LiquidationRule, "rule")
    if account is not None:
        require(account, CrossAccount, "account")
    pos, mark = row.position, row.mark_price
    tick = pos.contract.tick_size

    def shown(price: Decimal) -> Decimal | None:
        return price if liquidation is None else liquidation(price, tick)

    def liquidation_price() -> tuple[Decimal | None, bool]:
        symbol = pos.contract.symbol
        try:
            if row.margin_mode == "isolated":
                return isolated_liquidation_price(pos, margin=row.margin, rule=rule), False
            if account is None:
                return None, True
            return cross_liquidation_price(
                account, symbol, mark_prices={symbol: mark}, rule=rule
            ), False
        except LiquidationError:
            return None, False

    checks = position_checks(
        pos,
        mark,
        row,
        fee_rate=fee_rate,
        shown=_same,
        pnl=pnl or _same,
        liquidation=liquidation_price,
        shown_liquidation=shown,
        tick=tick,
    )
    return Reconciliation(venue=row.venue, symbol=pos.contract.symbol, side=pos.side, checks=checks)
