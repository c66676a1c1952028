"""Tests of levrisk.futures against rule-brackets, rule-futures and rule-venues."""

from __future__ import annotations

import contextlib
import decimal
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from levrisk.brackets import BracketTable
from levrisk.exceptions import (
    AlreadyLiquidatedError,
    AlwaysLiquidatedError,
    BracketError,
    InsufficientMarginError,
    InvalidInputError,
    LeverageError,
    LevriskError,
    LiquidationError,
)
from levrisk.futures import (
    Contract,
    ContractKind,
    CrossAccount,
    LiquidationRule,
    OpenCost,
    Position,
    Side,
    adjust_isolated_margin,
    average_entry_price,
    bankruptcy_price,
    break_even_price,
    cost_to_open,
    cross_liquidation_price,
    cross_margin_ratio,
    funding_payment,
    initial_margin,
    isolated_liquidation_price,
    maintenance_margin,
    margin_ratio,
    max_open_quantity,
    max_removable_margin,
    notional,
    realized_pnl,
    roe,
    target_price,
    unrealized_pnl,
)
from levrisk.numbers import round_to_step
from strategies import decimals, futures_prices, kinds, leverages, sides

# Binance BTCUSDT, the 2021–2023 table of rule-brackets (quote notional).
BTCUSDT_TABLE = BracketTable.from_rates(
    caps=[50_000, 250_000, 1_000_000, 10_000_000],
    maintenance_rates=["0.004", "0.005", "0.01", "0.025"],
    max_leverages=[125, 100, 50, 20],
)
# A COIN-M-like table in coin notional (BTC).
BTCUSD_TABLE = BracketTable.from_rates(
    caps=[5, 10, 20, 50, 100, 200],
    maintenance_rates=["0.004", "0.005", "0.01", "0.025", "0.05", "0.1"],
    max_leverages=[125, 100, 50, 20, 10, 5],
)
ONE_BRACKET = BracketTable.from_rates(
    caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
)
WIDE_BRACKET = BracketTable.from_rates(
    caps=[10**12], maintenance_rates=["0.005"], max_leverages=[125]
)

BTCUSDT = Contract(symbol="BTCUSDT", kind="linear", brackets=BTCUSDT_TABLE)
ETHUSDT = Contract(symbol="ETHUSDT", kind="linear", brackets=BTCUSDT_TABLE)


def _coin_m(symbol: str, contract_size: int) -> Contract:
    """A BTC-margined inverse contract of ``contract_size`` USD on the BTCUSD table."""
    return Contract(
        symbol=symbol,
        kind="inverse",
        brackets=BTCUSD_TABLE,
        contract_size=contract_size,
        margin_asset="BTC",
    )


BTCUSD = _coin_m("BTCUSD_PERP", 100)
BTCUSD_QUARTER = _coin_m("BTCUSD_250627", 10)  # a second contract of the same coin
WIDE = Contract(symbol="WIDE", kind="linear", brackets=WIDE_BRACKET)

btc_prices = decimals("10000", "200000", places=2)
"""Prices high enough that 10,000 BTCUSD contracts stay inside BTCUSD_TABLE."""

BINANCE = LiquidationRule()
ENTRY = LiquidationRule(maintenance_basis="entry")


def dec(value: Fraction) -> Decimal:
    """An exact rational as levrisk converts it: one division at 50 digits."""
    with decimal.localcontext() as ctx:
        ctx.prec = 50
        return Decimal(value.numerator) / Decimal(value.denominator)


def close(a: Decimal | Fraction, b: Decimal | Fraction) -> bool:
    """Equal to the library's 50-digit precision (relative 1e-40)."""
    return abs(Fraction(a) - Fraction(b)) <= Fraction(1, 10**40) * max(
        abs(Fraction(b)), Fraction(1)
    )


def pos(contract: Contract, side: Side, size: Any, entry: Any, leverage: Any = 1) -> Position:
    """Shorthand for a Position."""
    return Position(contract=contract, side=side, size=size, entry_price=entry, leverage=leverage)


@st.composite
def positions(
    draw: st.DrawFn, kind: ContractKind | None = None, side: Side | None = None
) -> Position:
    """A valid position on BTCUSDT or BTCUSD_PERP, leverage clamped to its bracket."""
    kind_: ContractKind = draw(kinds) if kind is None else kind
    side_: Side = draw(sides) if side is None else side
    price = draw(futures_prices)
    contract = BTCUSDT if kind_ == "linear" else BTCUSD
    table = contract.brackets
    target = draw(decimals("1", str(table.max_cap), places=2))
    if kind_ == "linear":
        size = max(Decimal("0.001"), (target / price).quantize(Decimal("0.001"), "ROUND_DOWN"))
    else:
        size = max(Decimal(1), (target * price / 100).to_integral_value("ROUND_DOWN"))
    value = size * price if kind_ == "linear" else size * 100 / price
    leverage = min(Decimal(draw(leverages)), table.max_leverage(value))
    return pos(contract, side_, size, price, leverage)


class TestContract:
    """Contract: symbol, kind, contract size, bracket table, tick size (rule-notation)."""

    def test_defaults(self) -> None:
        """Contract size defaults to 1 and tick size to None."""
        contract = Contract(symbol="BTCUSDT", kind="linear", brackets=ONE_BRACKET)
        assert (contract.contract_size, contract.tick_size) == (Decimal(1), None)

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("symbol", ""),
            ("symbol", 3),
            ("kind", "quanto"),
            ("kind", None),
            ("brackets", [1]),
            ("contract_size", 0),
            ("contract_size", "x"),
            ("tick_size", "-0.1"),
        ],
        ids=[
            "empty-symbol",
            "int-symbol",
            "kind",
            "kind-none",
            "brackets",
            "cs-0",
            "cs-str",
            "tick",
        ],
    )
    def test_bad_fields(self, field: str, value: object) -> None:
        """Each field is validated and the message names it."""
        fields: dict[str, Any] = {"symbol": "X", "kind": "linear", "brackets": ONE_BRACKET}
        fields[field] = value
        with pytest.raises(InvalidInputError, match=field):
            Contract(**fields)


class TestPosition:
    """Position: size and price positive, leverage within the bracket's max.

    Rule: rule-brackets, rule-futures-margin-pnl.
    """

    def test_valid(self) -> None:
        """A position at the bracket's max leverage is accepted."""
        assert pos(BTCUSDT, "long", 2, 30_000, 100).leverage == 100

    def test_leverage_above_bracket(self) -> None:
        """Leverage above the max of the bracket holding the entry notional: LeverageError."""
        with pytest.raises(LeverageError, match=r"between 1 and 100 .*250000"):
            pos(BTCUSDT, "long", 2, 30_000, 125)

    def test_leverage_below_one(self) -> None:
        """Leverage below 1 is a LeverageError."""
        with pytest.raises(LeverageError, match="leverage"):
            pos(BTCUSDT, "long", 1, 30_000, "0.5")

    def test_inverse_bracket_by_coin_notional(self) -> None:
        """Inverse leverage is checked on coin notional N·CS/EP (12 BTC: max 50x)."""
        with pytest.raises(LeverageError, match="between 1 and 50"):
            pos(BTCUSD, "short", 3_000, 25_000, 75)

    def test_notional_above_table(self) -> None:
        """A notional above the table's highest cap is a BracketError."""
        with pytest.raises(BracketError, match="notional"):
            pos(BTCUSDT, "long", 1_000, 20_000, 1)

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("size", 0),
            ("size", -1),
            ("entry_price", 0),
            ("entry_price", "-5"),
            ("side", "buy"),
            ("contract", "BTCUSDT"),
            ("leverage", None),
        ],
        ids=["size-0", "size-neg", "price-0", "price-neg", "side", "contract", "leverage"],
    )
    def test_bad_fields(self, field: str, value: object) -> None:
        """Zero or negative size/price and wrong types raise InvalidInputError naming them."""
        fields: dict[str, Any] = {
            "contract": BTCUSDT,
            "side": "long",
            "size": 1,
            "entry_price": 100,
            "leverage": 1,
        }
        fields[field] = value
        with pytest.raises(InvalidInputError, match=field):
            Position(**fields)


class TestBracketsThroughPositions:
    """The rule-brackets bracket examples, through futures positions."""

    def test_maintenance_amount_at_500k(self) -> None:
        """BTCUSDT 500,000 USDT: maintenance amount 1,300, so MM = 500,000 × 1% − 1,300."""
        position = pos(BTCUSDT, "long", 10, 50_000, 10)
        assert maintenance_margin(position, mark_price=50_000) == Decimal(3_700)
        assert BTCUSDT_TABLE.bracket_for(notional(position)).maintenance_amount == 1_300

    def test_coin_m_maintenance(self) -> None:
        """COIN-M: 100 BTCUSD contracts at mark 25,000 → notional 0.4 BTC → MM 0.0016 BTC."""
        position = pos(BTCUSD, "long", 100, 20_000, 20)
        assert notional(position, price=25_000) == Decimal("0.4")
        assert maintenance_margin(position, mark_price=25_000) == Decimal("0.0016")

    def test_tiered_sum(self) -> None:
        """Notional 3,500 over 1,000-wide tiers at 2/2.5/3/3.5/4% → MM = 92.5."""
        table = BracketTable.from_rates(
            caps=[1_000, 2_000, 3_000, 4_000, 5_000],
            maintenance_rates=["0.02", "0.025", "0.03", "0.035", "0.04"],
            max_leverages=[50, 40, 33, 28, 25],
        )
        contract = Contract(symbol="X", kind="linear", brackets=table)
        position = pos(contract, "short", 35, 100, 20)
        assert maintenance_margin(position, mark_price=100) == Decimal("92.5")

    def test_extrapolates_last_bracket(self) -> None:
        """Above the top cap (the price rose), the last bracket's rate and amount apply."""
        position = pos(BTCUSDT, "long", 100, 90_000, 1)
        last = BTCUSDT_TABLE.brackets[-1]
        expected = 100 * 200_000 * last.maintenance_rate - last.maintenance_amount
        assert maintenance_margin(position, mark_price=200_000) == expected


class TestNotionalAndMargin:
    """Notional and initial margin (rule-futures-margin-pnl)."""

    def test_linear_notional(self) -> None:
        """Linear notional Q·P (entry by default)."""
        position = pos(BTCUSDT, "long", "0.5", 40_000, 10)
        assert notional(position) == 20_000
        assert notional(position, price=42_000) == 21_000

    def test_contract_size_scales_linear(self) -> None:
        """A linear contract size multiplies the size (Q·CS·P)."""
        contract = Contract(symbol="X", kind="linear", brackets=ONE_BRACKET, contract_size="0.01")
        assert notional(pos(contract, "long", 100, 1_000, 1)) == 1_000

    def test_initial_margin_published(self) -> None:
        """BTCUSDT 1 BTC at 9,253.30, 20x → IM 462.665 (shown 462.66)."""
        position = pos(BTCUSDT, "long", 1, "9253.30", 20)
        assert initial_margin(position) == Decimal("462.665")
        assert round_to_step(initial_margin(position), "0.01", "down") == Decimal("462.66")

    def test_initial_margin_mark_basis(self) -> None:
        """IM at mark: notional at mark / L; inverse N·CS/(P·L)."""
        position = pos(BTCUSD, "long", 100, 25_000, 20)
        assert initial_margin(position) == Decimal("0.02")
        assert initial_margin(position, basis="mark", mark_price=20_000) == Decimal("0.025")

    def test_initial_margin_needs_mark(self) -> None:
        """basis='mark' without a mark price is an error; an unknown basis too."""
        position = pos(BTCUSDT, "long", 1, 100, 1)
        with pytest.raises(InvalidInputError, match="mark_price"):
            initial_margin(position, basis="mark")
        with pytest.raises(InvalidInputError, match="basis"):
            initial_margin(position, basis="last")  # type: ignore[arg-type]

    @given(position=positions())
    def test_im_covers_mm_at_entry(self, position: Position) -> None:
        """At a bracket-allowed leverage, IM at entry ≥ MM at entry (max L ≤ 1/m)."""
        im = initial_margin(position)
        assert im >= maintenance_margin(position, mark_price=position.entry_price)


class TestPnl:
    """Unrealized and realized PnL, ROE, target price (rule-futures-margin-pnl)."""

    @pytest.mark.parametrize(
        ("contract", "side", "size", "entry", "mark", "expected"),
        [
            (BTCUSDT, "long", "0.5", 40_000, 38_000, Decimal(-1_000)),
            (BTCUSDT, "short", "0.5", 40_000, 38_000, Decimal(1_000)),
            (BTCUSD, "long", 100, 20_000, 25_000, Decimal("0.1")),
            (BTCUSD, "short", 100, 20_000, 25_000, Decimal("-0.1")),
        ],
        ids=["linear-long", "linear-short", "inverse-long", "inverse-short"],
    )
    def test_unrealized(
        self, *, contract: Contract, side: Side, size: str, entry: int, mark: int, expected: Decimal
    ) -> None:
        """Linear s·Q·(MP − EP); inverse s·N·CS·(1/EP − 1/MP)."""
        assert unrealized_pnl(pos(contract, side, size, entry, 1), mark_price=mark) == expected

    @given(position=positions(), mark=futures_prices)
    def test_long_short_antisymmetric(self, position: Position, mark: Decimal) -> None:
        """A long and a short of the same size and entry have opposite PnL."""
        other = pos(
            position.contract,
            "short" if position.side == "long" else "long",
            position.size,
            position.entry_price,
            position.leverage,
        )
        assert (
            unrealized_pnl(position, mark_price=mark)
            == unrealized_pnl(other, mark_price=mark).copy_negate()
        )

    @given(side=sides, contracts=st.integers(1, 10_000), entry=btc_prices, mark=futures_prices)
    def test_inverse_and_linear_agree_in_usd(
        self, side: Side, contracts: int, entry: Decimal, mark: Decimal
    ) -> None:
        """Inverse PnL × exit price = linear PnL of Q = N·CS/EP base units (same USD exposure)."""
        inverse = pos(BTCUSD, side, contracts, entry, 1)
        linear = pos(WIDE, side, dec(Fraction(contracts * 100) / Fraction(entry)), entry, 1)
        usd = Fraction(unrealized_pnl(inverse, mark_price=mark)) * Fraction(mark)
        assert close(usd, unrealized_pnl(linear, mark_price=mark))

    def test_realized_partial_close(self) -> None:
        """Closing part of a position realizes its share; more than the size is an error."""
        position = pos(BTCUSD, "short", 100, 20_000, 1)
        assert realized_pnl(position, size=50, exit_price=25_000) == Decimal("-0.05")
        with pytest.raises(InvalidInputError, match="size"):
            realized_pnl(position, size=101, exit_price=25_000)

    @pytest.mark.parametrize(
        ("contract", "side", "mark", "expected"),
        [
            (BTCUSDT, "long", 42_000, Decimal("0.5")),
            (BTCUSDT, "short", 42_000, Decimal("-0.5")),
            (BTCUSD, "long", 50_000, Decimal(2)),
            (BTCUSD, "short", 50_000, Decimal(-2)),
        ],
        ids=["linear-long", "linear-short", "inverse-long", "inverse-short"],
    )
    def test_roe(self, contract: Contract, side: Side, mark: int, expected: Decimal) -> None:
        """Linear s·(P/EP − 1)·L; inverse s·(1 − EP/P)·L (calculator terms)."""
        position = pos(contract, side, 100 if contract is BTCUSD else "0.1", 40_000, 10)
        assert roe(position, mark_price=mark) == expected

    @given(position=positions(), mark=futures_prices)
    def test_roe_is_pnl_over_entry_im(self, position: Position, mark: Decimal) -> None:
        """ROE = unrealized PnL / IM at entry, for both kinds."""
        ratio = Fraction(unrealized_pnl(position, mark_price=mark)) / Fraction(
            initial_margin(position)
        )
        assert close(roe(position, mark_price=mark), ratio)

    @given(position=positions(), mark=futures_prices)
    def test_target_price_inverts_roe(self, position: Position, mark: Decimal) -> None:
        """target_price(roe(P)) = P: the target-price formula and the ROE agree."""
        target = target_price(position, roe=roe(position, mark_price=mark))
        assert target is not None
        assert close(target, mark)

    @pytest.mark.parametrize(
        ("contract", "side", "target"),
        [
            (BTCUSDT, "short", 10),
            (BTCUSDT, "long", -10),
            (BTCUSD, "long", 10),
            (BTCUSD, "long", 11),
        ],
        ids=["linear-short-gain-L", "linear-long-loss-L", "inverse-long-L", "inverse-long-above"],
    )
    def test_unreachable_target(self, contract: Contract, side: Side, target: int) -> None:
        """No positive price gives the ROE: None."""
        position = pos(contract, side, 1, 40_000, 10)
        assert target_price(position, roe=target) is None


class TestMarginRatio:
    """Binance margin ratio = MM / margin balance; liquidation at 1 (rule-futures-margin-pnl)."""

    def test_isolated(self) -> None:
        """MM 0.004·1,000 over balance 500 − 0 at entry = 0.008."""
        position = pos(BTCUSDT, "long", "0.02", 50_000, 2)
        assert margin_ratio(position, margin=500, mark_price=50_000) == Decimal("0.008")

    def test_exhausted_balance(self) -> None:
        """A margin balance ≤ 0 has no ratio: None."""
        position = pos(BTCUSDT, "long", 1, 50_000, 2)
        assert margin_ratio(position, margin=100, mark_price=40_000) is None

    def test_negative_margin(self) -> None:
        """A negative isolated margin is an error."""
        with pytest.raises(InvalidInputError, match="margin"):
            margin_ratio(pos(BTCUSDT, "long", 1, 100, 1), margin=-1, mark_price=100)

    def test_cross(self) -> None:
        """Cross: total MM / (WB + total UPNL) over every symbol at its mark."""
        account = CrossAccount(
            wallet_balance=1_000,
            positions=[pos(BTCUSDT, "long", 1, 100, 1), pos(ETHUSDT, "short", 2, 50, 1)],
        )
        ratio = cross_margin_ratio(account, mark_prices={"BTCUSDT": 110, "ETHUSDT": 40})
        assert ratio == dec(Fraction("0.76") / (1_000 + 10 + 20))

    def test_cross_exhausted(self) -> None:
        """Cross balance ≤ 0: None."""
        account = CrossAccount(wallet_balance=10, positions=[pos(BTCUSDT, "long", 1, 100, 1)])
        assert cross_margin_ratio(account, mark_prices={"BTCUSDT": 50}) is None


class TestFeesAndFunding:
    """Break-even price, funding, average entry (rule-futures-margin-pnl)."""

    @given(position=positions(), fees=st.tuples(decimals(0, "0.01", 5), decimals(0, "0.01", 5)))
    def test_break_even_pays_fees(self, position: Position, fees: tuple[Decimal, Decimal]) -> None:
        """At the break-even price the PnL equals the open fee plus the close fee."""
        fo, fc = fees
        price = break_even_price(position, open_fee_rate=fo, close_fee_rate=fc)
        paid = Fraction(fo) * Fraction(notional(position))
        paid += Fraction(fc) * Fraction(notional(position, price=price))
        assert close(unrealized_pnl(position, mark_price=price), paid)

    def test_break_even_published_linear(self) -> None:
        """Linear long EP(1+fo)/(1−fc), short EP(1−fo)/(1+fc)."""
        long = pos(BTCUSDT, "long", 1, 1_000, 1)
        short = pos(BTCUSDT, "short", 1, 1_000, 1)
        assert break_even_price(long, open_fee_rate="0.2", close_fee_rate="0.2") == 1_500
        assert break_even_price(short, open_fee_rate="0.2", close_fee_rate="0.6") == 500

    def test_bad_fee(self) -> None:
        """A fee rate outside [0, 1) is an error naming it."""
        with pytest.raises(InvalidInputError, match="close_fee_rate"):
            break_even_price(pos(BTCUSDT, "long", 1, 1, 1), open_fee_rate=0, close_fee_rate=1)

    @pytest.mark.parametrize(
        ("side", "rate", "expected"),
        [
            ("long", "0.0001", Decimal(2)),
            ("short", "0.0001", Decimal(-2)),
            ("long", "-0.0001", Decimal(-2)),
        ],
        ids=["long-pays", "short-receives", "negative-rate"],
    )
    def test_funding_sign(self, side: Side, rate: str, expected: Decimal) -> None:
        """Positive result = the position pays; positive rate: longs pay shorts."""
        position = pos(BTCUSDT, side, "0.5", 40_000, 10)
        assert funding_payment(position, mark_price=40_000, funding_rate=rate) == expected

    def test_average_entry(self) -> None:
        """Linear quantity-weighted, inverse harmonic."""
        assert average_entry_price([(1, 20_000), (3, 30_000)]) == Decimal(27_500)
        fills = [(1, 20_000), (1, 30_000)]
        assert average_entry_price(fills, kind="inverse") == Decimal(24_000)

    @given(fills=st.lists(st.tuples(st.integers(1, 1_000), futures_prices), min_size=1, max_size=5))
    def test_inverse_average_keeps_coin_value(self, fills: list[tuple[int, Decimal]]) -> None:
        """The harmonic mean keeps the coin value: Σn/avg = Σ n/p (the PnL basis)."""
        average = average_entry_price(fills, kind="inverse")
        total = sum((Fraction(n) for n, _ in fills), Fraction(0))
        coin = sum((Fraction(n) / Fraction(p) for n, p in fills), Fraction(0))
        assert close(dec(total / Fraction(average)), dec(coin))

    @pytest.mark.parametrize(
        "fills",
        [[], "12", 5, [(1,)], [(0, 1)], [(1, -1)], [[1, 2, 3]]],
        ids=["empty", "str", "int", "short-pair", "zero-size", "neg-price", "triple"],
    )
    def test_average_entry_bad(self, fills: Any) -> None:
        """Empty or malformed fills raise InvalidInputError naming fills."""
        with pytest.raises(InvalidInputError, match="fills"):
            average_entry_price(fills)


class TestCostToOpen:
    """Cost to open = IM + open loss (rule-futures-margin-pnl [published])."""

    @pytest.mark.parametrize(
        ("side", "im", "loss"),
        [("short", Decimal("462.665"), Decimal("6.54")), ("long", Decimal("462.665"), Decimal(0))],
        ids=["short", "long"],
    )
    def test_published(self, side: Side, im: Decimal, loss: Decimal) -> None:
        """BTCUSDT 1 BTC, order 9,253.30, mark 9,259.84, 20x: IM 462.665; short loss 6.54."""
        cost = cost_to_open(
            BTCUSDT, side=side, size=1, order_price="9253.30", mark_price="9259.84", leverage=20
        )
        assert cost == OpenCost(initial_margin=im, open_loss=loss)
        assert cost.total == im + loss

    def test_inverse_open_loss(self) -> None:
        """Inverse: buying above mark loses N·CS·(1/MP − 1/P) coin [derived]."""
        cost = cost_to_open(
            BTCUSD, side="long", size=100, order_price=25_000, mark_price=20_000, leverage=10
        )
        assert cost == OpenCost(initial_margin=Decimal("0.04"), open_loss=Decimal("0.1"))

    def test_not_a_contract(self) -> None:
        """A non-Contract is an error."""
        with pytest.raises(InvalidInputError, match="contract"):
            cost_to_open(
                "BTCUSDT",  # type: ignore[arg-type]
                side="long",
                size=1,
                order_price=1,
                mark_price=1,
                leverage=1,
            )


class TestMaxOpen:
    """Max open quantity (rule-max-open [derived])."""

    @given(
        contract=st.sampled_from([BTCUSDT, BTCUSD]),
        side=sides,
        available=decimals("1", "1000", 4),
        price=futures_prices,
        mark=futures_prices,
        leverage=st.integers(1, 20),
    )
    @example(
        contract=BTCUSD,
        side="long",
        available=Decimal("838.8607"),
        price=Decimal("8434.50"),
        mark=Decimal("100.00"),
        leverage=1,
    )  # its cost once exceeded the balance in the 50th digit
    def test_spends_available_or_hits_cap(
        self,
        *,
        contract: Contract,
        side: Side,
        available: Decimal,
        price: Decimal,
        mark: Decimal,
        leverage: int,
    ) -> None:
        """The max size costs exactly the available balance, unless the notional cap binds."""
        if contract.kind == "inverse":
            available /= 1_000
        size = max_open_quantity(
            contract,
            side=side,
            available=available,
            price=price,
            mark_price=mark,
            leverage=leverage,
        )
        cap = contract.brackets.max_notional(leverage)
        n = size * price if contract.kind == "linear" else size * 100 / price
        cost = cost_to_open(
            contract, side=side, size=size, order_price=price, mark_price=mark, leverage=leverage
        )
        assert cost.total <= available
        assert close(cost.total, available) or close(n, cap)

    def test_published_shape(self) -> None:
        """1,000 USDT at 20x on 50,000 buys 0.4 BTC; nothing available buys 0."""
        kwargs: dict[str, Any] = {"side": "long", "price": 50_000, "mark_price": 50_000}
        assert max_open_quantity(BTCUSDT, available=1_000, leverage=20, **kwargs) == Decimal("0.4")
        assert max_open_quantity(BTCUSDT, available=-5, leverage=20, **kwargs) == 0

    def test_bad_inputs(self) -> None:
        """A non-Contract, a bad side, or a leverage above the table are errors."""
        kwargs: dict[str, Any] = {"available": 1, "price": 1, "mark_price": 1, "leverage": 1}
        with pytest.raises(InvalidInputError, match="contract"):
            max_open_quantity(None, side="long", **kwargs)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="side"):
            max_open_quantity(BTCUSDT, side="buy", **kwargs)  # type: ignore[arg-type]
        kwargs["leverage"] = 200
        with pytest.raises(LeverageError):
            max_open_quantity(BTCUSDT, side="long", **kwargs)


class TestLiquidationRule:
    """LiquidationRule: the venue's condition as data (rule-venues)."""

    def test_default_is_binance(self) -> None:
        """Mark basis, no close fee, fee rate 0."""
        assert BINANCE.maintenance_basis == "mark"
        assert BINANCE.close_fee == "none"
        assert BINANCE.fee_rate == 0

    @pytest.mark.parametrize(
        ("fields", "name"),
        [
            ({"maintenance_basis": "last"}, "maintenance_basis"),
            ({"close_fee": "taker"}, "close_fee"),
            ({"close_fee": "mark", "fee_rate": 1}, "fee_rate"),
            ({"close_fee": "mark", "fee_rate": -1}, "fee_rate"),
            ({"fee_rate": "0.001"}, "fee_rate"),
        ],
        ids=["basis", "fee-basis", "fee-1", "fee-neg", "fee-without-basis"],
    )
    def test_bad(self, fields: dict[str, Any], name: str) -> None:
        """Unknown options and bad fee rates are InvalidInputError naming the field."""
        with pytest.raises(InvalidInputError, match=name):
            LiquidationRule(**fields)


class TestIsolatedLiquidationExamples:
    """Isolated liquidation price: published and closed-form cases.

    Rule: rule-futures-liquidation-linear, rule-futures-liquidation-inverse, rule-venues.
    """

    @pytest.mark.parametrize(
        ("side", "entry", "leverage", "expected"),
        [("long", 10_000, 50, Decimal(9_850)), ("short", 8_000, 40, Decimal(8_160))],
        ids=["long-9850", "short-8160"],
    )
    def test_bybit_2020(self, side: Side, entry: int, leverage: int, expected: Decimal) -> None:
        """Bybit 2020: long EP(1 − 1/L + m), short EP(1 + 1/L − m), as an entry-basis rule."""
        table = BracketTable.from_rates(
            caps=[10**9], maintenance_rates=["0.005"], max_leverages=[100]
        )
        contract = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        position = pos(contract, side, 1, entry, leverage)
        lp = isolated_liquidation_price(position, margin=initial_margin(position), rule=ENTRY)
        assert lp == expected

    def test_binance_bracket_at_lp_not_entry(self) -> None:
        """Long 5.2 BTC at 50,000 (260k, tier 3), 10x: LP's notional is in tier 2."""
        position = pos(BTCUSDT, "long", "5.2", 50_000, 10)
        lp = isolated_liquidation_price(position, margin=26_000)
        expected = dec(Fraction(260_000 - 26_000 - 50) / (Fraction("5.2") * Fraction("0.995")))
        assert lp == expected
        assert BTCUSDT_TABLE.bracket_for(
            notional(position, price=expected)
        ).maintenance_rate == Decimal("0.005")

    def test_binance_short_crosses_up(self) -> None:
        """Short 4.9 BTC at 50,000 (245k, tier 2), 10x: the LP's notional is in tier 3."""
        position = pos(BTCUSDT, "short", "4.9", 50_000, 10)
        lp = isolated_liquidation_price(position, margin=24_500)
        assert lp == dec(Fraction(245_000 + 24_500 + 1_300) / (Fraction("4.9") * Fraction("1.01")))

    @pytest.mark.parametrize(("side", "s"), [("long", 1), ("short", -1)], ids=["long", "short"])
    def test_gate_close_fee_at_mark(self, side: Side, s: int) -> None:
        """Gate/OKX/Bitget: (Q·EP ∓ M ∓ D)/(Q·(1 ∓ m ∓ c)) with the close fee at mark."""
        rule = LiquidationRule(close_fee="mark", fee_rate="0.00075")
        position = pos(BTCUSDT, side, 2, 10_000, 20)
        lp = isolated_liquidation_price(position, margin=1_000, rule=rule)
        q, ep, m, c = Fraction(2), Fraction(10_000), Fraction("0.004"), Fraction("0.00075")
        assert lp == dec((q * ep - s * 1_000) / (q * (1 - s * (m + c))))

    @pytest.mark.parametrize(("side", "s"), [("long", 1), ("short", -1)], ids=["long", "short"])
    def test_bybit_unified(self, side: Side, s: int) -> None:
        """Bybit unified: [EP·Q ∓ EP·Q/L ∓ A/(1 ∓ c) ∓ D]/[Q·(1 ∓ m)], the default rule."""
        position = pos(BTCUSDT, side, 3, 100_000, 10)
        a, c = Fraction(500), Fraction("0.00055")
        margin = Fraction(initial_margin(position)) + a / (1 - s * c)
        lp = isolated_liquidation_price(position, margin=dec(margin))
        q, ep, m, d = Fraction(3), Fraction(100_000), Fraction("0.01"), Fraction(1_300)
        expected = (ep * q - s * ep * q / 10 - s * a / (1 - s * c) - s * d) / (q * (1 - s * m))
        assert lp is not None
        assert close(lp, expected)

    @pytest.mark.parametrize(("side", "s"), [("long", 1), ("short", -1)], ids=["long", "short"])
    def test_bybit_classic(self, side: Side, s: int) -> None:
        """Bybit classic: EP ∓ (IM − MM₀)/Q ∓ A/Q, MM₀ = Q·EP·m − D (entry basis)."""
        position = pos(BTCUSDT, side, 3, 100_000, 10)
        im = initial_margin(position)
        lp = isolated_liquidation_price(position, margin=im + 500, rule=ENTRY)
        mm0 = Fraction(300_000) * Fraction("0.01") - 1_300
        assert lp == dec(Fraction(100_000) - s * (Fraction(im) - mm0 + 500) / 3)

    @pytest.mark.parametrize(("side", "s"), [("long", 1), ("short", -1)], ids=["long", "short"])
    def test_close_fee_at_bankruptcy(self, side: Side, s: int) -> None:
        """Close fee at the bankruptcy price: LP = EP − s·(M − MM₀ − c·Q·BP)/Q."""
        rule = LiquidationRule(maintenance_basis="entry", close_fee="bankruptcy", fee_rate="0.0006")
        position = pos(BTCUSDT, side, 2, 20_000, 10)
        bp = Fraction(20_000) * (1 - Fraction(s, 10))
        mm0 = 2 * Fraction(20_000) * Fraction("0.004")
        fee = Fraction("0.0006") * 2 * bp
        lp = isolated_liquidation_price(position, margin=4_000, rule=rule)
        assert lp == dec(20_000 - s * (4_000 - mm0 - fee) / 2)

    @pytest.mark.parametrize(("side", "s"), [("long", 1), ("short", -1)], ids=["long", "short"])
    def test_inverse_entry_basis(self, side: Side, s: int) -> None:
        """BitMEX-style inverse, MM at entry: P = N·CS / (N·CS·(1 − s·m)/EP + s·(M + cum))."""
        position = pos(BTCUSD, side, 1_000, 20_000, 25)
        margin = initial_margin(position)
        lp = isolated_liquidation_price(position, margin=margin, rule=ENTRY)
        q, ep, m, cum = Fraction(100_000), Fraction(20_000), Fraction("0.004"), Fraction(0)
        expected = q / (q * (1 - s * m) / ep + s * (Fraction(margin) + cum))
        assert lp == dec(expected)

    def test_fee_at_bankruptcy_without_bankruptcy_price(self) -> None:
        """No bankruptcy price (1x long): the fee falls back to mark and there is no LP."""
        rule = LiquidationRule(close_fee="bankruptcy", fee_rate="0.0006")
        position = pos(BTCUSDT, "long", 1, 20_000, 1)
        assert isolated_liquidation_price(position, margin=20_000, rule=rule) is None

    @pytest.mark.parametrize(
        ("contract", "side", "size"),
        [(BTCUSDT, "long", 1), (BTCUSD, "short", 100)],
        ids=["linear-long-1x", "inverse-short-1x"],
    )
    def test_fully_collateralised_has_none(self, contract: Contract, side: Side, size: int) -> None:
        """A 1x linear long and a 1x inverse short are never liquidated: None."""
        position = pos(contract, side, size, 20_000, 1)
        assert isolated_liquidation_price(position, margin=initial_margin(position)) is None
        assert bankruptcy_price(position, margin=initial_margin(position)) is None

    @pytest.mark.parametrize(
        ("side", "above"), [("long", True), ("short", False)], ids=["long", "short"]
    )
    def test_no_margin_liquidates_beyond_entry(self, side: Side, above: bool) -> None:
        """Margin below MM at entry: already liquidated, the crossed price beyond entry."""
        position = pos(BTCUSDT, side, 1, 20_000, 10)
        with pytest.raises(AlreadyLiquidatedError, match="already at or past") as info:
            isolated_liquidation_price(position, margin=0)
        assert info.value.price is not None
        assert (info.value.price > 20_000) is above

    @given(position=positions(kind="inverse"))
    def test_coin_m_closed_form(self, position: Position) -> None:
        """COIN-M: LP = CS·N·(m + s)/(M + cum + s·N·CS/EP) with the bracket at LP."""
        margin = initial_margin(position)
        lp = isolated_liquidation_price(position, margin=margin)
        s = 1 if position.side == "long" else -1
        if lp is None:
            assert s == -1
            assert position.leverage == 1
            return
        bracket = BTCUSD_TABLE.bracket_for(min(notional(position, price=lp), BTCUSD_TABLE.max_cap))
        n, cs, m, cum = (
            Fraction(v)
            for v in (position.size, 100, bracket.maintenance_rate, bracket.maintenance_amount)
        )
        expected = (
            cs
            * n
            * (m + s)
            / (Fraction(margin) + cum + s * n * cs / Fraction(position.entry_price))
        )
        assert close(lp, dec(expected))


class TestIsolatedLiquidationProperties:
    """Invariants of the isolated liquidation price.

    Rule: rule-futures-liquidation-linear–rule-bankruptcy-price.
    """

    @given(position=positions(), extra=decimals("0", "2", 3))
    def test_margin_ratio_is_one_at_lp(self, position: Position, extra: Decimal) -> None:
        """At the LP, MM (bracket by the LP's notional, as the exchange does) = balance.

        Checked where the ratio is well conditioned (LP within 100x of entry): far out,
        MM and the balance are both near zero and 50 digits cannot resolve their ratio.
        """
        margin = initial_margin(position) * (1 + extra)
        lp = isolated_liquidation_price(position, margin=margin)
        entry = position.entry_price
        if lp is not None and entry / 100 < lp < entry * 100:
            ratio = margin_ratio(position, margin=margin, mark_price=lp)
            assert ratio is not None
            assert close(ratio, Decimal(1))

    @given(position=positions(kind="linear", side="long"), leverage=st.integers(2, 125))
    def test_linear_long_below_entry_below_short(self, position: Position, leverage: int) -> None:
        """Linear, L > 1, margin = IM: long LP < entry < short LP."""
        lev = min(Decimal(leverage), BTCUSDT_TABLE.max_leverage(notional(position)))
        if lev < 2:
            lev = Decimal(2)
        long = pos(BTCUSDT, "long", position.size, position.entry_price, lev)
        short = pos(BTCUSDT, "short", position.size, position.entry_price, lev)
        long_lp = isolated_liquidation_price(long, margin=initial_margin(long))
        short_lp = isolated_liquidation_price(short, margin=initial_margin(short))
        assert long_lp is not None
        assert short_lp is not None
        assert long_lp < position.entry_price < short_lp

    @given(position=positions(), other=leverages)
    def test_lp_moves_toward_entry_with_leverage(self, position: Position, other: int) -> None:
        """Higher leverage (margin = IM) puts the LP closer to the entry price."""
        cap = position.contract.brackets.max_leverage(notional(position))
        low, high = sorted([position.leverage, min(Decimal(other), cap)])
        lps = []
        for lev in (low, high):
            p = pos(position.contract, position.side, position.size, position.entry_price, lev)
            lps.append(isolated_liquidation_price(p, margin=initial_margin(p)))
        if lps[1] is None:
            assert lps[0] is None
        elif lps[0] is not None:
            distances = [abs(lp - position.entry_price) for lp in lps if lp is not None]
            assert distances[1] <= distances[0]
            assert (distances[1] < distances[0]) is (low < high)

    @given(position=positions(), extra=decimals("0", "1", 3))
    def test_bracket_contains_notional_at_lp(self, position: Position, extra: Decimal) -> None:
        """The bracket the solver used holds the notional at the LP.

        Rule: rule-futures-liquidation-linear bracket iteration.
        """
        from levrisk.futures import _liquidation  # noqa: PLC0415 - private check
        from levrisk.futures import _solver as _futures_solver  # noqa: PLC0415 - private check

        margin = initial_margin(position) * (1 + extra)
        leg = _liquidation.leg(position)
        x = _futures_solver.solve(
            [leg], Fraction(margin), _liquidation.solver_rule(BINANCE), leg.x_entry
        )
        if x is not None:
            n = leg.quantity * x
            brackets = position.contract.brackets.brackets
            holding = [b for b in brackets if Fraction(b.floor) < n <= Fraction(b.cap)]
            bracket = holding[0] if holding else brackets[-1]  # above the top: extrapolated
            assert holding or n > Fraction(brackets[-1].cap)
            used = leg.at(x)
            assert used == (
                Fraction(bracket.maintenance_rate),
                Fraction(bracket.maintenance_amount),
            )
            a, b = _futures_solver._coefficients(
                [leg], Fraction(margin), _liquidation.solver_rule(BINANCE), x, None
            )
            assert a * x + b == 0

    @given(position=positions(), extra=decimals("0", "1", 3))
    def test_bankruptcy_beyond_lp(self, position: Position, extra: Decimal) -> None:
        """The bankruptcy price lies beyond the liquidation price (further from entry)."""
        margin = initial_margin(position) * (1 + extra)
        lp = isolated_liquidation_price(position, margin=margin)
        bp = bankruptcy_price(position, margin=margin)
        if bp is not None:
            assert lp is not None
            assert (bp < lp) if position.side == "long" else (bp > lp)

    @pytest.mark.parametrize(
        ("contract", "side", "expected"),
        [
            (BTCUSDT, "long", Decimal(18_000)),
            (BTCUSDT, "short", Decimal(22_000)),
            (BTCUSD, "long", dec(Fraction(20_000 * 10, 11))),
            (BTCUSD, "short", dec(Fraction(20_000 * 10, 9))),
        ],
        ids=["linear-long", "linear-short", "inverse-long", "inverse-short"],
    )
    def test_bankruptcy_closed_forms(
        self, contract: Contract, side: Side, expected: Decimal
    ) -> None:
        """rule-bankruptcy-price: linear EP(1 − s/L); inverse long EP·L/(L+1), short EP·L/(L−1)."""
        position = pos(contract, side, 10, 20_000, 10)
        assert bankruptcy_price(position, margin=initial_margin(position)) == expected


class TestMarginAdjustment:
    """Adding and removing isolated margin (derived from Binance's rules)."""

    def test_max_removable(self) -> None:
        """M + min(0, UPNL) − max(IM at mark, MM): losses reduce it, profit does not add."""
        position = pos(BTCUSDT, "long", "0.1", 40_000, 10)
        assert max_removable_margin(position, margin=500, mark_price=39_000) == 10
        assert max_removable_margin(position, margin=500, mark_price=41_000) == 90
        assert max_removable_margin(position, margin=300, mark_price=39_000) == 0

    def test_adjust(self) -> None:
        """Adding is free; removing more than the removable amount is refused."""
        position = pos(BTCUSDT, "long", "0.1", 40_000, 10)
        assert adjust_isolated_margin(position, margin=500, amount=-10, mark_price=39_000) == 490
        with pytest.raises(InsufficientMarginError, match="amount"):
            adjust_isolated_margin(position, margin=500, amount=-11, mark_price=39_000)

    @given(position=positions(), added=decimals("0.0001", "100", 4))
    def test_added_margin_moves_lp_away(self, position: Position, added: Decimal) -> None:
        """More margin moves the LP away from entry (or removes it)."""
        margin = initial_margin(position)
        mark = position.entry_price
        before = isolated_liquidation_price(position, margin=margin)
        new = adjust_isolated_margin(position, margin=margin, amount=added, mark_price=mark)
        after = isolated_liquidation_price(position, margin=new)
        if after is not None:
            assert before is not None
            assert abs(after - mark) > abs(before - mark)


class TestCrossAccount:
    """CrossAccount validation (rule-futures-liquidation-linear: one-way and hedge)."""

    def test_hedge_in_one_way(self) -> None:
        """A long and a short of one symbol need hedge mode."""
        with pytest.raises(InvalidInputError, match="hedge"):
            CrossAccount(
                wallet_balance=1,
                positions=[pos(BTCUSDT, "long", 1, 1, 1), pos(BTCUSDT, "short", 1, 1, 1)],
            )

    def test_two_same_side(self) -> None:
        """Two positions for one symbol and side are an error in either mode."""
        with pytest.raises(InvalidInputError, match="second long"):
            CrossAccount(
                wallet_balance=1,
                positions=[pos(BTCUSDT, "long", 1, 1, 1), pos(BTCUSDT, "long", 2, 1, 1)],
                position_mode="hedge",
            )

    def test_mixed_kinds(self) -> None:
        """Linear and inverse cannot share a cross wallet."""
        with pytest.raises(InvalidInputError, match="mix linear and inverse"):
            CrossAccount(
                wallet_balance=1,
                positions=[pos(BTCUSDT, "long", 1, 1, 1), pos(BTCUSD, "long", 1, 100, 1)],
            )

    def test_same_symbol_other_contract(self) -> None:
        """One symbol must be one contract."""
        other = Contract(symbol="BTCUSDT", kind="linear", brackets=ONE_BRACKET)
        with pytest.raises(InvalidInputError, match="same contract"):
            CrossAccount(
                wallet_balance=1,
                positions=[pos(BTCUSDT, "long", 1, 1, 1), pos(other, "short", 1, 1, 1)],
                position_mode="hedge",
            )

    @pytest.mark.parametrize(
        ("positions", "match"),
        [(5, "positions"), ("ab", "positions"), ([1], r"positions\[0\]")],
        ids=["int", "str", "not-position"],
    )
    def test_bad_positions(self, positions: Any, match: str) -> None:
        """Positions must be an iterable of Position."""
        with pytest.raises(InvalidInputError, match=match):
            CrossAccount(wallet_balance=1, positions=positions)

    def test_bad_mode(self) -> None:
        """An unknown position mode is an error."""
        with pytest.raises(InvalidInputError, match="position_mode"):
            CrossAccount(wallet_balance=1, positions=[], position_mode="net")  # type: ignore[arg-type]


class TestCrossLiquidation:
    """Cross liquidation price.

    Rule: rule-futures-liquidation-linear [checked], rule-futures-liquidation-inverse [checked].
    """

    def test_published(self) -> None:
        """Wallet 500 USDT, long 0.02 BTC at 50,000, 0.4% cum 0 → 25,100.40."""
        account = CrossAccount(
            wallet_balance=500, positions=[pos(BTCUSDT, "long", "0.02", 50_000, 2)]
        )
        lp = cross_liquidation_price(account, "BTCUSDT", mark_prices={"BTCUSDT": 50_000})
        assert lp is not None
        assert round_to_step(lp, "0.01", "half_up") == Decimal("25100.40")

    def test_other_symbols_at_their_marks(self) -> None:
        """WB' = WB − TMM1 + UPNL1 of ETHUSDT at its mark enters the one-way closed form."""
        eth = pos(ETHUSDT, "short", 1, 3_000, 10)
        account = CrossAccount(
            wallet_balance=500, positions=[pos(BTCUSDT, "long", "0.02", 50_000, 2), eth]
        )
        lp = cross_liquidation_price(
            account, "BTCUSDT", mark_prices={"ETHUSDT": 3_100, "BTCUSDT": 49_000}
        )
        wb = Fraction(500) - Fraction("12.4") - 100
        assert lp == dec((Fraction("0.02") * 50_000 - wb) / (Fraction("0.02") * Fraction("0.996")))

    def test_missing_mark_names_symbol(self) -> None:
        """A missing mark price for another symbol is an error naming it."""
        account = CrossAccount(
            wallet_balance=500,
            positions=[pos(BTCUSDT, "long", 1, 100, 1), pos(ETHUSDT, "short", 1, 100, 1)],
        )
        with pytest.raises(InvalidInputError, match="ETHUSDT"):
            cross_liquidation_price(account, "BTCUSDT", mark_prices={"BTCUSDT": 1})

    def test_unknown_symbol(self) -> None:
        """A symbol the account does not hold is an error."""
        account = CrossAccount(wallet_balance=500, positions=[pos(BTCUSDT, "long", 1, 100, 1)])
        with pytest.raises(InvalidInputError, match="symbol"):
            cross_liquidation_price(account, "ETHUSDT", mark_prices={})

    def test_hedge_shared_price(self) -> None:
        """Hedge long 0.5 at 40,000 and short 0.3 at 42,000 share one liquidation price."""
        account = CrossAccount(
            wallet_balance=3_000,
            positions=[
                pos(BTCUSDT, "long", "0.5", 40_000, 10),
                pos(BTCUSDT, "short", "0.3", 42_000, 10),
            ],
            position_mode="hedge",
        )
        lp = cross_liquidation_price(account, "BTCUSDT", mark_prices={})
        m = Fraction("0.004")
        num = 3_000 - Fraction("0.5") * 40_000 + Fraction("0.3") * 42_000
        den = Fraction("0.5") * m + Fraction("0.3") * m - Fraction("0.5") + Fraction("0.3")
        assert lp == dec(num / den)

    def test_equal_hedge_entry_basis_has_none(self) -> None:
        """Equal hedge, MM valued at entry (80 + 80) and covered by the wallet: no LP."""
        account = CrossAccount(
            wallet_balance=200,
            positions=[pos(BTCUSDT, "long", 1, 20_000, 10), pos(BTCUSDT, "short", 1, 20_000, 10)],
            position_mode="hedge",
        )
        assert cross_liquidation_price(account, "BTCUSDT", mark_prices={}, rule=ENTRY) is None

    @given(
        position=positions(side="long"),
        spread=decimals("-0.05", "0.05", 4),
        cover=decimals("1.0001", "5", 4),
    )
    def test_equal_hedge_covered_has_none(
        self, position: Position, spread: Decimal, cover: Decimal
    ) -> None:
        """Equal hedge (either kind), wallet covering both MMs and the locked loss: no LP.

        With maintenance valued at entry (the condition rule-venues calls entry basis)
        the balance and the requirement are both constant in the price.
        """
        short_entry = position.entry_price * (1 + spread)
        assume(notional(position, price=short_entry) <= position.contract.brackets.max_cap)
        short = pos(position.contract, "short", position.size, short_entry, 1)
        mms = maintenance_margin(position, mark_price=position.entry_price)
        mms += maintenance_margin(short, mark_price=short.entry_price)
        locked = unrealized_pnl(short, mark_price=position.entry_price)
        wallet = max(Decimal(0), mms * cover - locked)
        account = CrossAccount(
            wallet_balance=wallet, positions=[position, short], position_mode="hedge"
        )
        symbol = position.contract.symbol
        assert cross_liquidation_price(account, symbol, mark_prices={}, rule=ENTRY) is None

    @given(
        size=decimals("0.001", "10", 3),
        entry=futures_prices,
        spread=decimals("-0.05", "0.05", 4),
        cover=decimals("1", "5", 3),
    )
    def test_equal_hedge_mark_basis(
        self, size: Decimal, entry: Decimal, spread: Decimal, cover: Decimal
    ) -> None:
        """Equal hedge, wallet covering both MMs: the only LP is where MM at mark reaches it.

        Hedged PnL is locked, so the price only matters through MM(P), which grows with P:
        the LP lies above the mark, and there the margin ratio is exactly 1.
        """
        short_entry = entry * (1 + spread)
        long = pos(BTCUSDT, "long", size, entry, 1)
        short = pos(BTCUSDT, "short", size, short_entry, 1)
        locked = unrealized_pnl(long, mark_price=entry) + unrealized_pnl(short, mark_price=entry)
        mms = 2 * maintenance_margin(long, mark_price=entry)
        wallet = max(Decimal(0), mms * cover - locked)
        account = CrossAccount(
            wallet_balance=wallet, positions=[long, short], position_mode="hedge"
        )
        marks = {"BTCUSDT": entry}
        if wallet + locked <= mms:
            with pytest.raises(LiquidationError):
                cross_liquidation_price(account, "BTCUSDT", mark_prices=marks)
            return
        lp = cross_liquidation_price(account, "BTCUSDT", mark_prices=marks)
        assert lp is not None
        assert lp > entry
        ratio = cross_margin_ratio(account, mark_prices={"BTCUSDT": lp})
        assert ratio is not None
        assert close(ratio, Decimal(1))

    def test_two_roots_returns_losing_side(self) -> None:
        """Tiered rates can give a net-long hedge two roots: the one below the mark is returned."""
        table = BracketTable.from_rates(
            caps=[1_000, 10**9], maintenance_rates=["0.01", "0.5"], max_leverages=[50, 2]
        )
        contract = Contract(symbol="X", kind="linear", brackets=table)
        account = CrossAccount(
            wallet_balance=5,
            positions=[pos(contract, "long", 1, 100, 1), pos(contract, "short", "0.9", 100, 1)],
            position_mode="hedge",
        )
        lp = cross_liquidation_price(account, "X", mark_prices={"X": 100})
        assert lp is not None
        assert lp < 100
        ratio = cross_margin_ratio(account, mark_prices={"X": lp})
        assert ratio is not None
        assert close(ratio, Decimal(1))
        high = cross_margin_ratio(account, mark_prices={"X": 2_000})
        assert high is None or high > 1  # a second root lies above: not the one returned

    @given(position=positions(), extra=decimals("0", "1", 3))
    def test_one_position_equals_isolated(self, position: Position, extra: Decimal) -> None:
        """A cross account holding one position with wallet = isolated margin agrees."""
        margin = initial_margin(position) * (1 + extra)
        account = CrossAccount(wallet_balance=margin, positions=[position])
        symbol = position.contract.symbol
        cross = cross_liquidation_price(account, symbol, mark_prices={})
        assert cross == isolated_liquidation_price(position, margin=margin)

    @given(
        contracts=st.integers(1, 2_000),
        entry=btc_prices,
        quarter=st.integers(1, 2_000),
        quarter_mark=decimals("100", "5000", 2),
        wallet=decimals("0", "10", 4),
        side=sides,
    )
    def test_coin_m_closed_form(
        self,
        *,
        contracts: int,
        entry: Decimal,
        quarter: int,
        quarter_mark: Decimal,
        wallet: Decimal,
        side: Side,
    ) -> None:
        """COIN-M one-way: LP = CS·N·(m + s)/(WB' + cum + s·N·CS/EP), bracket at LP.

        The other position is a second BTC-margined contract (one wallet, one coin).
        Rule: rule-futures-liquidation-inverse.
        """
        btc = pos(BTCUSD, side, contracts, entry, 1)
        other = pos(BTCUSD_QUARTER, "long", quarter, 1_000, 1)
        account = CrossAccount(wallet_balance=wallet, positions=[btc, other])
        try:
            lp = cross_liquidation_price(
                account, "BTCUSD_PERP", mark_prices={"BTCUSD_250627": quarter_mark}
            )
        except AlreadyLiquidatedError as crossed:  # liquidated at entry: the crossed price
            lp = crossed.price
        except AlwaysLiquidatedError:
            return
        wb = Fraction(wallet) + Fraction(unrealized_pnl(other, mark_price=quarter_mark))
        wb -= Fraction(maintenance_margin(other, mark_price=quarter_mark))
        s = 1 if side == "long" else -1
        if lp is None:
            return
        bracket = BTCUSD_TABLE.bracket_for(min(notional(btc, price=lp), BTCUSD_TABLE.max_cap))
        m, cum = Fraction(bracket.maintenance_rate), Fraction(bracket.maintenance_amount)
        n = Fraction(contracts) * 100
        expected = n * (m + s) / (wb + cum + s * n / Fraction(entry))
        assert close(lp, dec(expected))

    def test_cross_entry_rule_and_fees_for_others(self) -> None:
        """Entry-basis rule: other symbols' MM at their entry, their close fee at mark."""
        rule = LiquidationRule(maintenance_basis="entry", close_fee="mark", fee_rate="0.001")
        eth = pos(ETHUSDT, "long", 1, 3_000, 10)
        account = CrossAccount(
            wallet_balance=1_000, positions=[pos(BTCUSDT, "short", 1, 20_000, 20), eth]
        )
        wb = Fraction(1_000) - 1_000 - 12 - 2
        expected = (Fraction(20_000) + wb - Fraction(80)) / (1 + Fraction("0.001"))
        # Below the short's entry: at its entry (the default start) it is already liquidated.
        with pytest.raises(AlreadyLiquidatedError) as info:
            cross_liquidation_price(account, "BTCUSDT", mark_prices={"ETHUSDT": 2_000}, rule=rule)
        assert info.value.price == dec(expected)

    def test_bad_arguments(self) -> None:
        """A non-account, non-mapping marks, a bad rule or mark are errors."""
        account = CrossAccount(wallet_balance=500, positions=[pos(BTCUSDT, "long", 1, 100, 1)])
        with pytest.raises(InvalidInputError, match="account"):
            cross_liquidation_price(None, "BTCUSDT", mark_prices={})  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="account"):
            cross_margin_ratio(None, mark_prices={})  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="mark_prices"):
            cross_liquidation_price(account, "BTCUSDT", mark_prices=[])  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="rule"):
            cross_liquidation_price(account, "BTCUSDT", mark_prices={}, rule="binance")  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="BTCUSDT"):
            cross_liquidation_price(account, "BTCUSDT", mark_prices={"BTCUSDT": 0})


class TestSolver:
    """The private generic solver's degenerate segments (rule-venues)."""

    def test_flat_zero_segment(self) -> None:
        """A segment where f ≡ 0 contributes its ends; f never > 0: liquidated at every price."""
        from levrisk.futures._solver import (  # noqa: PLC0415 - private
            Always,
            Leg,
            Rule,
            _nearest,
            solve,
        )

        table = BracketTable.from_rates(
            caps=[100, 10**9], maintenance_rates=["0.01", "0.02"], max_leverages=[50, 25]
        )
        legs = [
            Leg(1, Fraction(101, 99), Fraction(99), table),
            Leg(-1, Fraction(1), Fraction(101), table),
        ]
        rule = Rule("mark", "none", Fraction(0))
        assert _nearest(legs, Fraction(0), rule, Fraction(50), None) == Fraction(9_900, 101)
        with pytest.raises(Always):  # f ≤ 0 everywhere (0 on the segment): always at or past
            solve(legs, Fraction(0), rule, Fraction(50))

    @pytest.mark.parametrize(
        ("start", "expected"),
        [(200, Fraction(2_375, 24)), (990, Fraction(1_040))],
        ids=["nearer-below", "nearer-above"],
    )
    def test_flat_start_takes_nearest_root(self, start: int, expected: Fraction) -> None:
        """Flat (f = 10) where the search starts, roots on both sides: the nearer one."""
        from levrisk.futures._solver import Leg, Rule, solve  # noqa: PLC0415 - private

        table = BracketTable.from_rates(
            caps=[100, 1_000, 10**9],
            maintenance_rates=["0.01", "0.25", "0.5"],
            max_leverages=[50, 4, 2],
        )
        legs = [
            Leg(1, Fraction(1), Fraction(500), table),
            Leg(-1, Fraction(6, 10), Fraction(500), table),
        ]
        rule = Rule("mark", "none", Fraction(0))
        assert solve(legs, Fraction(162), rule, Fraction(start)) == expected

    @pytest.mark.parametrize(
        ("rates", "constant", "start", "expected"),
        [
            (("0.25", "0.9"), Fraction(190), 160, Fraction(625, 24)),
            (("0.404", None), Fraction("163.6"), 110, Fraction(13_250, 77)),
        ],
        ids=["rising-start-takes-lower", "falling-start-takes-upper"],
    )
    def test_losing_side_beats_nearer_root(
        self, rates: tuple[str, str | None], constant: Fraction, start: int, expected: Fraction
    ) -> None:
        """Two roots, the nearer one on the gaining side: the losing side's root is returned."""
        from levrisk.futures._solver import Leg, Rule, solve  # noqa: PLC0415 - private

        caps = [100, 200, 10**9] if rates[1] else [100, 10**9]
        table = BracketTable.from_rates(
            caps=caps,
            maintenance_rates=["0.01", *(r for r in rates if r)],
            max_leverages=[50, 4, 1][: len(caps)],
        )
        legs = [
            Leg(1, Fraction(1), Fraction(500), table),
            Leg(-1, Fraction(6, 10), Fraction(500), table),
        ]
        assert solve(legs, constant, Rule("mark", "none", Fraction(0)), Fraction(start)) == expected

    def test_flat_nonzero_has_no_root(self) -> None:
        """An equal hedge without maintenance: balance 5 never reaches 0; balance 0 always is."""
        from levrisk.futures._solver import Always, Leg, Rule, solve  # noqa: PLC0415 - private

        legs = [
            Leg(1, Fraction(1), Fraction(10), WIDE_BRACKET),
            Leg(-1, Fraction(1), Fraction(10), WIDE_BRACKET),
        ]
        assert solve(legs, Fraction(5), Rule(None, "none", Fraction(0)), Fraction(10)) is None
        with pytest.raises(Always):
            solve(legs, Fraction(0), Rule(None, "none", Fraction(0)), Fraction(10))

    @staticmethod
    def _convex(middle_rate: str | None = None) -> list[Any]:
        """A long on a table whose rate FALLS at 10 (valid), hedged by a short: f is convex."""
        from levrisk.futures._solver import Leg  # noqa: PLC0415 - private

        rates = ["0.9", *([middle_rate] if middle_rate else []), "0.1"]
        table = BracketTable.from_rates(
            caps=[10, 20, 10**6][-len(rates) :] if middle_rate else [10, 10**6],
            maintenance_rates=rates,
            max_leverages=[1] * len(rates),
        )
        return [
            Leg(1, Fraction(1), Fraction(10), table),
            Leg(-1, Fraction(1, 2), Fraction(10), ONE_BRACKET),
        ]

    def test_root_at_the_start_is_on_the_losing_side(self) -> None:
        """A root at x_start itself is taken (crossed: at the liquidation point), not the other."""
        from levrisk.futures._solver import Crossed, Rule, _nearest, solve  # noqa: PLC0415

        legs, rule = self._convex(), Rule("mark", "none", Fraction(0))
        low, high = Fraction(500, 67), Fraction(2_500, 199)
        assert _nearest(legs, Fraction(8), rule, high, None) == high
        assert _nearest(legs, Fraction(8), rule, low, None) == low
        for root in (low, high):
            with pytest.raises(Crossed) as info:
                solve(legs, Fraction(8), rule, root)
            assert info.value.x == root

    def test_direction_follows_the_slope_at_the_start(self) -> None:
        """Falling at x_start (10), the root above is taken; rising (at 11), the root below."""
        from levrisk.futures._solver import Crossed, Rule, _nearest, solve  # noqa: PLC0415

        legs, rule = self._convex(), Rule("mark", "none", Fraction(0))
        for start, root in ((10, Fraction(2_500, 199)), (11, Fraction(500, 67))):
            assert _nearest(legs, Fraction(8), rule, Fraction(start), None) == root
            with pytest.raises(Crossed) as info:  # f < 0 at both starts: the crossed root
                solve(legs, Fraction(8), rule, Fraction(start))
            assert info.value.x == root

    def test_bankruptcy_fee_does_not_tilt_the_direction(self) -> None:
        """A fee on the bankruptcy price is a constant: f rises at x_start, the lower root wins."""
        from levrisk.futures._solver import Leg, Rule, solve  # noqa: PLC0415 - private

        table = BracketTable.from_rates(
            caps=[100, 10**6], maintenance_rates=["0.01", "0.05"], max_leverages=[50, 20]
        )
        legs = [
            Leg(1, Fraction(1), Fraction(50), table),
            Leg(-1, Fraction(49, 50), Fraction(50), ONE_BRACKET),
        ]
        constant = Fraction(9, 10)
        assert solve(legs, constant, Rule(None, "none", Fraction(0)), Fraction(50)) == 5
        rule = Rule("mark", "bankruptcy", Fraction(5, 1000))
        assert solve(legs, constant, rule, Fraction(50)) == Fraction(7_475, 304)

    def test_flat_segment_off_zero_has_no_root(self) -> None:
        """A segment where f is constant and non-zero (here f ≡ 1) contributes no root."""
        from levrisk.futures._solver import Rule, _coefficients, solve  # noqa: PLC0415 - private

        legs, rule = self._convex("0.498"), Rule("mark", "none", Fraction(0))
        constant = 1 - _coefficients(legs, Fraction(0), rule, Fraction(15), None)[1]
        assert _coefficients(legs, constant, rule, Fraction(15), None) == (Fraction(0), Fraction(1))
        assert solve(legs, constant, rule, Fraction(15)) is None


LONG = pos(BTCUSDT, "long", "0.5", 60_000, 10)
COIN = pos(BTCUSD, "short", 100, 25_000, 5)
ACCOUNT = CrossAccount(wallet_balance=1_000, positions=[LONG, pos(ETHUSDT, "short", 1, 3_000, 10)])

JUNK = st.one_of(
    st.sampled_from(
        [
            None,
            True,
            float("nan"),
            float("inf"),
            -0.0,
            Decimal("1e-40"),
            Decimal("1e30"),
            Decimal("1e999999"),
            Decimal("-1e-999999"),
            Decimal("-0"),
            Decimal("sNaN"),
            "abc",
            "",
            [],
            [(1, 2)],
            {},
            {"BTCUSDT": 1},
            "long",
            "short",
            "linear",
            "inverse",
            "mark",
            "entry",
            "bankruptcy",
            "hedge",
            "one_way",
            "BTCUSDT",
            LONG,
            COIN,
            ACCOUNT,
            BINANCE,
            BTCUSDT,
        ]
    ),
    decimals("-1000000", "1000000", 4),
    st.integers(-(10**6), 10**6),
    st.floats(),
    st.text(max_size=4),
)

ENTRY_POINTS: list[tuple[str, Any]] = [
    ("notional", notional),
    ("notional.price", lambda v: notional(COIN, price=v)),
    ("initial_margin", initial_margin),
    ("initial_margin.basis", lambda v: initial_margin(LONG, basis=v, mark_price=1)),
    ("initial_margin.mark", lambda v: initial_margin(LONG, basis="mark", mark_price=v)),
    ("maintenance_margin", lambda v: maintenance_margin(COIN, mark_price=v)),
    ("unrealized_pnl", lambda v: unrealized_pnl(COIN, mark_price=v)),
    ("roe", lambda v: roe(v, mark_price=v)),
    ("margin_ratio.margin", lambda v: margin_ratio(LONG, margin=v, mark_price=50_000)),
    ("margin_ratio.mark", lambda v: margin_ratio(COIN, margin=1, mark_price=v)),
    ("target_price", lambda v: target_price(COIN, roe=v)),
    ("break_even", lambda v: break_even_price(COIN, open_fee_rate=v, close_fee_rate=v)),
    ("funding", lambda v: funding_payment(LONG, mark_price=v, funding_rate=v)),
    ("average_entry", average_entry_price),
    ("average_entry.fill", lambda v: average_entry_price([(v, v)], kind="inverse")),
    ("average_entry.kind", lambda v: average_entry_price([(1, 1)], kind=v)),
    ("realized_pnl", lambda v: realized_pnl(COIN, size=v, exit_price=v)),
    (
        "cost_to_open",
        lambda v: cost_to_open(
            BTCUSDT, side=v, size=v, order_price=60_000, mark_price=v, leverage=10
        ),
    ),
    (
        "max_open",
        lambda v: max_open_quantity(
            BTCUSD, side="short", available=v, price=v, mark_price=20_000, leverage=v
        ),
    ),
    ("isolated.margin", lambda v: isolated_liquidation_price(COIN, margin=v)),
    ("isolated.rule", lambda v: isolated_liquidation_price(LONG, margin=3_000, rule=v)),
    ("isolated.position", lambda v: isolated_liquidation_price(v, margin=1)),
    ("bankruptcy", lambda v: bankruptcy_price(COIN, margin=v)),
    ("removable", lambda v: max_removable_margin(LONG, margin=v, mark_price=v)),
    (
        "adjust",
        lambda v: adjust_isolated_margin(LONG, margin=3_000, amount=v, mark_price=55_000),
    ),
    ("account.wallet", lambda v: CrossAccount(wallet_balance=v, positions=[LONG])),
    ("account.positions", lambda v: CrossAccount(wallet_balance=1, positions=v)),
    (
        "account.mode",
        lambda v: CrossAccount(wallet_balance=1, positions=[LONG], position_mode=v),
    ),
    (
        "cross.wallet",
        lambda v: cross_liquidation_price(
            CrossAccount(wallet_balance=v, positions=[COIN]), "BTCUSD_PERP", mark_prices={}
        ),
    ),
    ("cross.symbol", lambda v: cross_liquidation_price(ACCOUNT, v, mark_prices={})),
    ("cross.marks", lambda v: cross_liquidation_price(ACCOUNT, "BTCUSDT", mark_prices=v)),
    (
        "cross.mark",
        lambda v: cross_liquidation_price(ACCOUNT, "BTCUSDT", mark_prices={"ETHUSDT": v}),
    ),
    (
        "cross.rule",
        lambda v: cross_liquidation_price(
            ACCOUNT, "BTCUSDT", mark_prices={"ETHUSDT": 3_000}, rule=v
        ),
    ),
    (
        "cross_ratio",
        lambda v: cross_margin_ratio(ACCOUNT, mark_prices={"BTCUSDT": v, "ETHUSDT": 1}),
    ),
    ("contract", lambda v: Contract(symbol=v, kind=v, brackets=BTCUSDT_TABLE)),
    (
        "contract.size",
        lambda v: Contract(symbol="X", kind="linear", brackets=v, contract_size=v, tick_size=v),
    ),
    (
        "position",
        lambda v: Position(contract=BTCUSD, side="long", size=v, entry_price=v, leverage=v),
    ),
    ("position.side", lambda v: Position(contract=v, side=v, size=1, entry_price=1, leverage=1)),
    ("rule", lambda v: LiquidationRule(maintenance_basis=v, close_fee=v, fee_rate=v)),
    ("rule.fee", lambda v: LiquidationRule(close_fee="bankruptcy", fee_rate=v)),
]


TINY = Decimal("1e-1001")
TINY_RATE_TABLE = BracketTable.from_rates(
    caps=[10**6], maintenance_rates=[TINY], max_leverages=[10]
)
HUGE_CAP_TABLE = BracketTable.from_rates(
    caps=[Decimal("1e1001")], maintenance_rates=["0.01"], max_leverages=[10]
)
TINY_AMOUNT_TABLE = BracketTable.from_rates(
    caps=[1, 10**6],
    maintenance_rates=["0.01", "0.01" + "0" * 999 + "1"],  # cum_2 = 1 × 1e-1002
    max_leverages=[10, 10],
)


class TestErrorsNameTheArgument:
    """Bad input raises InvalidInputError naming the argument (DESIGN.md principle 3)."""

    @pytest.mark.parametrize(
        ("call", "name"),
        [
            (lambda: notional(None), "position must be a Position"),  # type: ignore[arg-type]
            (lambda: notional(LONG, price="x"), "price"),
            (lambda: margin_ratio(LONG, margin="x", mark_price=1), "margin"),
            (lambda: margin_ratio(LONG, margin=1, mark_price="x"), "mark_price"),
            (lambda: break_even_price(LONG, open_fee_rate="x", close_fee_rate=0), "open_fee_rate"),
            (lambda: isolated_liquidation_price(LONG, margin=Decimal("1e1001")), "margin"),
            (
                lambda: isolated_liquidation_price(pos(BTCUSDT, "long", TINY, 1, 1), margin=1),
                "position.size",
            ),
            (
                lambda: isolated_liquidation_price(
                    pos(
                        Contract(
                            symbol="X", kind="linear", brackets=ONE_BRACKET, contract_size=TINY
                        ),
                        "long",
                        1,
                        1,
                        1,
                    ),
                    margin=1,
                ),
                "contract_size",
            ),
            (
                lambda: bankruptcy_price(pos(BTCUSDT, "short", 1, TINY, 1), margin=1),
                "position.entry_price",
            ),
            (
                lambda: isolated_liquidation_price(
                    LONG, margin=1, rule=LiquidationRule(close_fee="mark", fee_rate=TINY)
                ),
                "rule.fee_rate",
            ),
            (
                lambda: isolated_liquidation_price(
                    pos(
                        Contract(symbol="X", kind="linear", brackets=TINY_RATE_TABLE),
                        "long",
                        1,
                        1,
                        1,
                    ),
                    margin=1,
                ),
                r"brackets\[0\].maintenance_rate",
            ),
            (
                lambda: isolated_liquidation_price(
                    pos(
                        Contract(symbol="X", kind="linear", brackets=HUGE_CAP_TABLE),
                        "long",
                        1,
                        1,
                        1,
                    ),
                    margin=1,
                ),
                r"brackets\[0\].cap",
            ),
            (
                lambda: isolated_liquidation_price(
                    pos(
                        Contract(symbol="X", kind="linear", brackets=TINY_AMOUNT_TABLE),
                        "long",
                        1,
                        1,
                        1,
                    ),
                    margin=1,
                ),
                r"brackets\[1\].maintenance_amount",
            ),
            (
                lambda: cross_liquidation_price(ACCOUNT, "BTCUSDT", mark_prices={"ETHUSDT": "x"}),
                "mark_prices\\['ETHUSDT'\\]",
            ),
        ],
        ids=[
            "position",
            "price",
            "margin",
            "mark",
            "fee",
            "huge-margin",
            "tiny-size",
            "tiny-cs",
            "tiny-entry",
            "tiny-fee",
            "tiny-rate",
            "huge-cap",
            "tiny-amount",
            "other-mark",
        ],
    )
    def test_named(self, call: Any, name: str) -> None:
        """The message names the offending argument."""
        with pytest.raises(InvalidInputError, match="^" + name):
            call()

    @pytest.mark.parametrize("margin", ["1e1000", "1e-1000"], ids=["1e1000", "1e-1000"])
    def test_magnitude_limit_is_inclusive(self, margin: str) -> None:
        """1e±1000 itself is accepted by the exact solve (1e-1000: already liquidated)."""
        if margin == "1e-1000":
            with pytest.raises(AlreadyLiquidatedError):
                isolated_liquidation_price(LONG, margin=Decimal(margin))
            return
        assert isolated_liquidation_price(LONG, margin=Decimal(margin)) != Decimal(0)


class TestFuzz:
    """Only LevriskError escapes any entry point (DESIGN.md principle 3)."""

    @pytest.mark.parametrize("call", [c for _, c in ENTRY_POINTS], ids=[n for n, _ in ENTRY_POINTS])
    @given(value=JUNK)
    def test_only_levrisk_errors(self, call: Any, value: object) -> None:
        """A result, None, or a LevriskError — nothing else, and promptly."""
        with contextlib.suppress(LevriskError):
            call(value)

    def test_huge_exponent_is_refused(self) -> None:
        """A margin of 1e999999 is refused by name instead of stalling the exact solve."""
        with pytest.raises(InvalidInputError, match="margin must lie within"):
            isolated_liquidation_price(LONG, margin=Decimal("1e999999"))


class TestNoMagnitudeCutOff:
    """rule-bankruptcy-price: every root is a price, however far from the entry (issue 14.4)."""

    def test_inverse_short_at_1x_is_exact(self) -> None:
        """1x inverse short: the margin is the coin notional rounded; the exact root or None."""
        table = BracketTable.from_rates(caps=[5], maintenance_rates=["0.004"], max_leverages=[125])
        contract = Contract(
            symbol="BTCUSD_PERP",
            kind="inverse",
            contract_size=100,
            brackets=table,
            margin_asset="BTC",
        )
        for entry in ("30000", "70000", "25000"):
            position = Position(
                contract=contract, side="short", size=1, entry_price=entry, leverage=1
            )
            margin = initial_margin(position)
            # Bankrupt where M + Q·(1/P − 1/EP) = 0: P = 1 / (1/EP − M/Q), when > 0.
            x = 1 / Fraction(entry) - Fraction(margin) / 100
            expected = None if x <= 0 else dec(1 / x)
            assert bankruptcy_price(position, margin=margin) == expected

    def test_short_at_1x_huge_margin(self) -> None:
        """A 1x short of size 1 at price 1 has a price with margin 1E+40 and 1E+41 (no cut-off)."""
        table = BracketTable.from_rates(
            caps=[10**60], maintenance_rates=["0.004"], max_leverages=[125]
        )
        contract = Contract(symbol="XUSDT", kind="linear", brackets=table)
        position = Position(contract=contract, side="short", size=1, entry_price=1, leverage=1)
        for margin in ("1E+40", "1E+41", "1E+55"):
            lp = isolated_liquidation_price(position, margin=margin)
            assert lp == dec((1 + Fraction(Decimal(margin))) / Fraction("1.004"))

    def test_far_but_real_root_is_kept(self) -> None:
        """A bankruptcy price 1e-30 of the entry (leverage 1 + 1e-30) is still a price."""
        table = BracketTable.from_rates(
            caps=[10**9], maintenance_rates=["0.004"], max_leverages=[2]
        )
        contract = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        leverage = "1." + "0" * 29 + "1"  # 1 + 1e-30, as a string: no context rounds it
        position = Position(
            contract=contract, side="long", size=1, entry_price=60_000, leverage=leverage
        )
        price = bankruptcy_price(position, margin=initial_margin(position))
        assert price is not None
        assert Decimal("1e-27") < price < Decimal("1e-25")


def test_initial_margin_mark_price_needs_mark_basis() -> None:
    """A mark price with the default entry basis is an error, not silently ignored."""
    table = BracketTable.from_rates(caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125])
    contract = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
    position = Position(contract=contract, side="long", size="0.1", entry_price=50_000, leverage=10)
    with pytest.raises(InvalidInputError, match=r"^mark_price is only used with basis='mark'"):
        initial_margin(position, mark_price=51_000)
    assert initial_margin(position, basis="mark", mark_price=51_000) == Decimal(510)


class TestFace:
    """levrisk.futures is a thin face over its role modules (rule-futures)."""

    def test_dir_lists_the_public_names(self) -> None:
        """``dir(levrisk.futures)`` is the sorted ``__all__``; each name is documented there."""
        import levrisk.futures  # noqa: PLC0415 - the face under test

        assert dir(levrisk.futures) == sorted(levrisk.futures.__all__)
        assert levrisk.futures.isolated_liquidation_price.__module__ == "levrisk.futures"


class TestFastCoreSpelling:
    """rule-rounding: the fast core spells an exact quotient as the rational path does."""

    @staticmethod
    def _price(top: str, bottom: str, start: str) -> Decimal | None:  # noqa: ARG004 - kept
        from levrisk import _algebra  # noqa: PLC0415 - private check
        from levrisk.futures import _solver  # noqa: PLC0415 - private check

        tiers = _solver.tiers(
            BracketTable.from_rates(caps=[10], maintenance_rates=["0.01"], max_leverages=[10])
        )
        one = _solver.One("linear", 1, Decimal(1), Decimal(1), tiers)
        with decimal.localcontext() as rounding:
            rounding.prec = 50
            with decimal.localcontext(_algebra.EXACT):
                return _solver._price(one, Decimal(top), Decimal(bottom), rounding)

    @pytest.mark.parametrize(
        ("top", "bottom", "spelled"),
        [
            ("44000.00", "2", "22000"),
            ("3.000", "2", "1.5"),
            ("1", "3", "0.33333333333333333333333333333333333333333333333333"),
            ("1E+60", "1", "1.0000000000000000000000000000000000000000000000000E+60"),
        ],
        ids=["integer", "fraction", "inexact", "integer of 61 digits"],
    )
    def test_spelling(self, top: str, bottom: str, spelled: str) -> None:
        """Integers without exponent, fractions without trailing zeros, long integers rounded."""
        start = "1e25" if "E+60" in top else "1"
        assert str(self._price(top, bottom, start)) == spelled
        exact = Fraction(Decimal(top)) / Fraction(Decimal(bottom))
        with decimal.localcontext() as ctx:
            ctx.prec = 50
            assert str(Decimal(exact.numerator) / Decimal(exact.denominator)) == spelled

    @pytest.mark.parametrize(("top", "bottom"), [("-1", "1"), ("0", "1")], ids=["negative", "zero"])
    def test_no_price(self, top: str, bottom: str) -> None:
        """Non-positive roots are no price."""
        assert self._price(top, bottom, "1") is None

    @pytest.mark.parametrize(
        ("top", "start"), [("1", "1e40"), ("1e40", "1")], ids=["far below", "far above"]
    )
    def test_far_roots_are_prices(self, top: str, start: str) -> None:
        """Roots 1e40 times away from the start are prices too: no magnitude cut-off."""
        assert self._price(top, "1", start) == Decimal(top)


class TestSweptRoots:
    """rule-futures-liquidation-linear: the one-sweep roots equal the segment-by-segment ones."""

    def test_interval_of_roots(self) -> None:
        """A segment on which the condition is identically 0 gives its ends, as before."""
        from levrisk.futures import _solver  # noqa: PLC0415 - private check

        table = BracketTable.from_rates(
            caps=[1000, 10**6], maintenance_rates=["0.01", "0.02"], max_leverages=[10, 5]
        )
        # a = 101·(1 − 0.01) − 99·(1 + 0.01) = 0 and b = 2 − 101 + 99 = 0 below 1000/101
        legs = [
            _solver.Leg(1, Fraction(101), Fraction(1), table),
            _solver.Leg(-1, Fraction(99), Fraction(1), table),
        ]
        rule = _solver.Rule("mark", "none", Fraction(0))
        expected = _solver.roots(legs, Fraction(2), rule, None)
        assert Fraction(1000, 101) in expected
        assert _solver.swept_roots(legs, Fraction(2), Fraction(1)) == expected
        # the same flat segment 1 above 0: no root there
        shifted = _solver.roots(legs, Fraction(3), rule, None)
        assert Fraction(1000, 101) not in shifted
        assert _solver.swept_roots(legs, Fraction(3), Fraction(1)) == shifted
