"""The venue presets over the one solver (rule-venues): worked examples and differences.

Every preset is a ``LiquidationRule`` for ``levrisk.futures``; these tests reproduce the
published examples through the presets and check that each preset gives a different
liquidation price from the others exactly where the venues' rules differ.
"""

from __future__ import annotations

from decimal import Context, Decimal, localcontext
from fractions import Fraction

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from levrisk.brackets import BracketTable
from levrisk.exceptions import BracketError, InvalidInputError
from levrisk.exchanges import binance, bitget, bitmex, bybit, gate, okx
from levrisk.futures import (
    Contract,
    CrossAccount,
    LiquidationRule,
    Position,
    Side,
    bankruptcy_price,
    cross_liquidation_price,
    initial_margin,
    isolated_liquidation_price,
)
from levrisk.numbers import round_to_step
from strategies import decimals

FLAT = BracketTable.from_rates(caps=[10**9], maintenance_rates=["0.005"], max_leverages=[100])
"""One bracket, m = 0.5%, cum 0, up to 100x: the rate of Bybit's 2020 examples."""

BTC = Contract(symbol="BTCUSDT", kind="linear", brackets=FLAT)
BTC_BINANCE = Contract(symbol="BTCUSDT", kind="linear", brackets=binance.BTCUSDT_BRACKETS)
XBTUSD = Contract(
    symbol="XBTUSD", kind="inverse", brackets=FLAT, contract_size=1, margin_asset="BTC"
)


def _close(value: Decimal | None, expected: Fraction) -> bool:
    """``value`` equals the exact ``expected`` to the library's 50 significant digits."""
    assert value is not None
    return abs(Fraction(value) - expected) <= abs(expected) * Fraction(1, 10**45)


def _add(*values: Decimal) -> Decimal:
    """Exact sum (the test's own context would round at 28 digits)."""
    with localcontext(Context(prec=200)):
        return sum(values, Decimal(0))


def _sign(side: Side) -> int:
    return 1 if side == "long" else -1


class TestBinance:
    """rule-futures-liquidation-linear [checked]: Binance USDⓈ-M through ``binance.USDM_RULE``."""

    def test_cross_example(self) -> None:
        """Wallet 500 USDT, long 0.02 BTC at 50,000 on the 0.4% bracket → 25,100.40."""
        pos = Position(
            contract=BTC_BINANCE, side="long", size="0.02", entry_price=50_000, leverage=2
        )
        account = CrossAccount(wallet_balance=500, positions=[pos])
        lp = cross_liquidation_price(account, "BTCUSDT", mark_prices={}, rule=binance.USDM_RULE)
        assert lp is not None
        assert round_to_step(lp, "0.01", "half_up") == Decimal("25100.40")
        isolated = isolated_liquidation_price(pos, margin=500, rule=binance.USDM_RULE)
        assert isolated == lp

    def test_design_example(self) -> None:
        """DESIGN.md: short 0.1 BTC at 60,000, 10x, isolated with IM: (Q·EP + M)/(Q·(1 + m))."""
        pos = Position(
            contract=BTC_BINANCE, side="short", size="0.1", entry_price=60_000, leverage=10
        )
        lp = isolated_liquidation_price(pos, margin=initial_margin(pos))
        expected = Fraction(6000 + 600) / (Fraction(1, 10) * Fraction(1004, 1000))
        assert _close(lp, expected)

    @pytest.mark.parametrize("side", ["long", "short"])
    def test_coinm_closed_form(self, side: Side) -> None:
        """COIN-M: LP = CS·N·(m + s) / (WB + cum + s·N·CS/EP), on the BTCUSD_PERP snapshot."""
        contract = binance.BTCUSD_PERP_CONTRACT  # 100 USD a contract, margined in BTC
        pos = Position(contract=contract, side=side, size=100, entry_price=25_000, leverage=20)
        margin = initial_margin(pos)
        assert margin == Decimal("0.02")
        lp = isolated_liquidation_price(pos, margin=margin, rule=binance.COINM_RULE)
        s = _sign(side)
        m = Fraction(4, 1000)
        expected = Fraction(100 * 100) * (m + s) / (Fraction(2, 100) + s * Fraction(10_000, 25_000))
        assert _close(lp, expected)

    def test_coinm_is_usdm_rule(self) -> None:
        """Binance's two markets share the rule (the algebra differs by contract kind)."""
        assert binance.COINM_RULE == binance.USDM_RULE == LiquidationRule()


class TestBybitLegacy:
    """rule-venues [published]: Bybit 2020, long EP·(1 − 1/L + m), short EP·(1 + 1/L − m)."""

    @pytest.mark.parametrize(
        ("side", "entry", "leverage", "expected"),
        [("long", 10_000, 50, Decimal(9850)), ("short", 8_000, 40, Decimal(8160))],
        ids=["long-9850", "short-8160"],
    )
    def test_published(self, side: Side, entry: int, leverage: int, expected: Decimal) -> None:
        """Long 1 BTC at 10,000, 50x → 9,850; short 1 BTC at 8,000, 40x → 8,160 (m 0.5%)."""
        pos = Position(contract=BTC, side=side, size=1, entry_price=entry, leverage=leverage)
        lp = isolated_liquidation_price(pos, margin=initial_margin(pos), rule=bybit.CLASSIC_RULE)
        assert lp == expected

    @pytest.mark.parametrize(
        ("side", "entry", "leverage"),
        [("long", 10_000, 50), ("short", 8_000, 40)],
        ids=["long-9850", "short-8160"],
    )
    def test_binance_differs(self, side: Side, entry: int, leverage: int) -> None:
        """The same positions under Binance's mark-valued rule liquidate elsewhere."""
        pos = Position(contract=BTC, side=side, size=1, entry_price=entry, leverage=leverage)
        bybit_lp = isolated_liquidation_price(
            pos, margin=initial_margin(pos), rule=bybit.CLASSIC_RULE
        )
        binance_lp = isolated_liquidation_price(
            pos, margin=initial_margin(pos), rule=binance.USDM_RULE
        )
        assert binance_lp is not None
        assert bybit_lp != binance_lp
        # long: (Q·EP − M)/(Q·(1 − m)) = 9,800/0.995 ≈ 9,849.25 vs 9,850
        m = Fraction(5, 1000)
        s = _sign(side)
        expected = Fraction(entry) * (1 - Fraction(s, leverage)) / (1 - s * m)
        assert _close(binance_lp, expected)


class TestBybitClassic:
    """rule-venues [published]: Bybit classic, EP ∓ (IM − MM₀)/Q ∓ A/Q, MM₀ = Q·EP·m − D."""

    @given(
        st.sampled_from(["long", "short"]),
        decimals("0.001", "10", places=3),
        decimals("1000", "100000", places=2),
        st.integers(min_value=2, max_value=100),
        decimals(0, "1000", places=2),
    )
    def test_closed_form(
        self, side: Side, size: Decimal, entry: Decimal, leverage: int, added: Decimal
    ) -> None:
        """The preset reproduces Bybit's closed form with margin added, exactly."""
        pos = Position(contract=BTC, side=side, size=size, entry_price=entry, leverage=leverage)
        im = Fraction(initial_margin(pos))
        q, ep = Fraction(size), Fraction(entry)
        mm0 = q * ep * Fraction(5, 1000)
        s = _sign(side)
        expected = ep - s * (im - mm0) / q - s * Fraction(added) / q
        lp = isolated_liquidation_price(
            pos, margin=_add(initial_margin(pos), added), rule=bybit.CLASSIC_RULE
        )
        if expected <= 0:
            assert lp is None
        else:
            assert _close(lp, expected)

    def test_fee_to_close_moves_the_price(self) -> None:
        """With the fee to close at the bankruptcy price the long liquidates higher."""
        pos = Position(contract=BTC, side="long", size=1, entry_price=10_000, leverage=50)
        plain = isolated_liquidation_price(pos, margin=200, rule=bybit.CLASSIC_RULE)
        with_fee = isolated_liquidation_price(
            pos, margin=200, rule=bybit.classic_rule(fee_rate="0.00055")
        )
        assert plain is not None
        assert with_fee is not None
        assert with_fee > plain
        # M + (P − EP) = m·EP + c·BP with BP = EP − M = 9,800: P = 9,850 + 0.00055 × 9,800
        assert with_fee == Decimal(9850) + Decimal("0.00055") * 9800


class TestBybitUnified:
    """rule-venues [published]: Bybit unified, mark basis, fee through the added margin."""

    @given(
        side=st.sampled_from(["long", "short"]),
        size=decimals("0.001", "10", places=3),
        entry=decimals("1000", "100000", places=2),
        leverage=st.integers(min_value=2, max_value=100),
        added=decimals(0, "1000", places=2),
        fee=decimals(0, "0.001", places=5),
    )
    def test_linear_closed_form(
        self,
        *,
        side: Side,
        size: Decimal,
        entry: Decimal,
        leverage: int,
        added: Decimal,
        fee: Decimal,
    ) -> None:
        """[EP·Q ∓ EP·Q/L ∓ A/(1 ∓ c) ∓ D] / [Q·(1 ∓ m)], D = 0 on the flat table."""
        pos = Position(contract=BTC, side=side, size=size, entry_price=entry, leverage=leverage)
        margin = bybit.unified_margin(pos, fee_rate=fee, added_margin=added)
        lp = isolated_liquidation_price(pos, margin=margin, rule=bybit.UNIFIED_RULE)
        q, ep, a, c, m = (Fraction(v) for v in (size, entry, added, fee, Decimal("0.005")))
        s = _sign(side)
        expected = (ep * q - s * ep * q / leverage - s * a / (1 - s * c)) / (q * (1 - s * m))
        if expected <= 0:
            assert lp is None
        else:
            assert _close(lp, expected)

    def test_inverse_long_closed_form(self) -> None:
        """Inverse long: N·(1 + m) / [N/EP + N/(EP·L) + A/(1 + c) + D], N in USD."""
        pos = Position(contract=XBTUSD, side="long", size=10_000, entry_price=20_000, leverage=20)
        margin = bybit.unified_margin(pos, fee_rate="0.0006", added_margin="0.01")
        lp = isolated_liquidation_price(pos, margin=margin, rule=bybit.UNIFIED_RULE)
        n, ep, m = Fraction(10_000), Fraction(20_000), Fraction(5, 1000)
        expected = n * (1 + m) / (n / ep + n / (ep * 20) + Fraction("0.01") / Fraction("1.0006"))
        assert _close(lp, expected)

    def test_differs_from_classic_and_binance(self) -> None:
        """With margin added and a fee, unified differs from both classic and Binance."""
        pos = Position(contract=BTC, side="long", size=1, entry_price=20_000, leverage=10)
        margin = bybit.unified_margin(pos, fee_rate="0.0006", added_margin=500)
        unified = isolated_liquidation_price(pos, margin=margin, rule=bybit.UNIFIED_RULE)
        plain = _add(initial_margin(pos), Decimal(500))
        binance_lp = isolated_liquidation_price(pos, margin=plain, rule=binance.USDM_RULE)
        classic = isolated_liquidation_price(pos, margin=plain, rule=bybit.CLASSIC_RULE)
        assert len({unified, binance_lp, classic}) == 3

    def test_no_fee_no_added_margin_is_binance(self) -> None:
        """Without fee and added margin the unified rule is Binance's (both mark basis)."""
        pos = Position(contract=BTC, side="short", size=2, entry_price=30_000, leverage=25)
        margin = bybit.unified_margin(pos, fee_rate=0)
        assert margin == initial_margin(pos)
        assert isolated_liquidation_price(
            pos, margin=margin, rule=bybit.UNIFIED_RULE
        ) == isolated_liquidation_price(pos, margin=margin, rule=binance.USDM_RULE)


class TestBybitBankruptcy:
    """rule-venues [published]: Bybit bankruptcy, long EP·(1 − 1/L), short EP·(1 + 1/L)."""

    @pytest.mark.parametrize(
        ("side", "expected"),
        [("long", Decimal(18000)), ("short", Decimal(22000))],
        ids=["long", "short"],
    )
    def test_bankruptcy_and_fee(self, side: Side, expected: Decimal) -> None:
        """1 BTC at 20,000, 10x: BP 18,000 / 22,000; fee to close = c·Q·BP."""
        pos = Position(contract=BTC, side=side, size=1, entry_price=20_000, leverage=10)
        assert bankruptcy_price(pos, margin=initial_margin(pos)) == expected
        fee = bybit.fee_to_close(pos, margin=initial_margin(pos), fee_rate="0.0006")
        assert fee == Decimal("0.0006") * expected

    def test_no_bankruptcy_price(self) -> None:
        """A linear long at 1x has no bankruptcy price, so no fee to close."""
        pos = Position(contract=BTC, side="long", size=1, entry_price=20_000, leverage=1)
        assert bybit.fee_to_close(pos, margin=initial_margin(pos), fee_rate="0.0006") is None

    def test_inverse_fee_in_coin(self) -> None:
        """Inverse: the fee is c·N/BP in coin, BP = EP·L/(L + 1) for a long."""
        pos = Position(contract=XBTUSD, side="long", size=10_000, entry_price=20_000, leverage=10)
        fee = bybit.fee_to_close(pos, margin=initial_margin(pos), fee_rate="0.0006")
        bp = Fraction(20_000 * 10, 11)
        assert _close(fee, Fraction(6, 10_000) * 10_000 / bp)


class TestCloseFeeAtMark:
    """rule-venues: Gate [published], OKX and Bitget [derived], the close fee at mark."""

    @pytest.mark.parametrize("venue", [gate, okx, bitget], ids=["gate", "okx", "bitget"])
    @given(
        side=st.sampled_from(["long", "short"]),
        size=decimals("0.001", "10", places=3),
        entry=decimals("1000", "100000", places=2),
        leverage=st.integers(min_value=2, max_value=100),
        fee=decimals("0.0001", "0.001", places=5),
    )
    def test_closed_form(
        self,
        venue: object,
        *,
        side: Side,
        size: Decimal,
        entry: Decimal,
        leverage: int,
        fee: Decimal,
    ) -> None:
        """(Q·EP ∓ M ∓ D) / (Q·(1 ∓ m ∓ c)), and it differs from Binance's price."""
        rule = venue.liquidation_rule(fee_rate=fee)  # type: ignore[attr-defined]
        pos = Position(contract=BTC, side=side, size=size, entry_price=entry, leverage=leverage)
        im = initial_margin(pos)
        lp = isolated_liquidation_price(pos, margin=im, rule=rule)
        q, ep, c, m, margin = (Fraction(v) for v in (size, entry, fee, Decimal("0.005"), im))
        s = _sign(side)
        expected = (q * ep - s * margin) / (q * (1 - s * m - s * c))
        assert _close(lp, expected)
        assert lp != isolated_liquidation_price(pos, margin=im, rule=binance.USDM_RULE)

    @pytest.mark.parametrize("venue", [gate, okx, bitget], ids=["gate", "okx", "bitget"])
    def test_zero_fee_is_binance(self, venue: object) -> None:
        """With no fee the rule is Binance's (Gate's but for its hedge-mode maintenance)."""
        rule = venue.liquidation_rule(fee_rate=0)  # type: ignore[attr-defined]
        assert attrs.evolve(rule, hedge_maintenance="each") == binance.USDM_RULE

    def test_okx_ratio_is_100_percent_at_its_price(self) -> None:
        """At OKX's liquidation price, equity ÷ (MM + fee at mark) is exactly 100%."""
        pos = Position(contract=BTC, side="long", size=2, entry_price=30_000, leverage=20)
        c = Decimal("0.0005")
        rule = okx.liquidation_rule(fee_rate=c)
        lp = isolated_liquidation_price(pos, margin=initial_margin(pos), rule=rule)
        assert lp is not None
        with localcontext(Context(prec=200)):
            equity = initial_margin(pos) + 2 * (lp - 30_000)
            mm, fee = 2 * lp * Decimal("0.005"), c * 2 * lp
        ratio = okx.equity_to_maintenance_ratio(equity, maintenance_margin=mm, liquidation_fee=fee)
        assert ratio is not None
        assert abs(ratio - okx.LIQUIDATION_RATIO) < Decimal("1e-45")


class TestBitmex:
    """rule-venues [derived]: BitMEX inverse XBTUSD, maintenance valued at entry."""

    @pytest.mark.parametrize("side", ["long", "short"])
    @pytest.mark.parametrize(
        "rule", [bitmex.RULE, bybit.CLASSIC_RULE], ids=["bitmex", "bybit-inverse"]
    )
    def test_closed_form(self, side: Side, rule: LiquidationRule) -> None:
        """M + s·N·(1/EP − 1/P) = m·N/EP: 1/P = 1/EP + (M − m·N/EP)/(s·N) (N in USD)."""
        pos = Position(contract=XBTUSD, side=side, size=10_000, entry_price=20_000, leverage=25)
        im = initial_margin(pos)
        lp = isolated_liquidation_price(pos, margin=im, rule=rule)
        n, ep, m = Fraction(10_000), Fraction(20_000), Fraction(5, 1000)
        s = _sign(side)
        inverse = 1 / ep + (Fraction(im) - m * n / ep) / (s * n)
        assert _close(lp, 1 / inverse)

    def test_differs_from_binance_coinm(self) -> None:
        """The same inverse position under Binance's mark-valued rule liquidates elsewhere."""
        pos = Position(contract=XBTUSD, side="long", size=10_000, entry_price=20_000, leverage=25)
        im = initial_margin(pos)
        assert isolated_liquidation_price(
            pos, margin=im, rule=bitmex.RULE
        ) != isolated_liquidation_price(pos, margin=im, rule=binance.COINM_RULE)

    def test_same_rule_as_bybit_classic(self) -> None:
        """BitMEX and Bybit classic state the same condition (entry basis, no fee)."""
        assert bitmex.RULE == bybit.CLASSIC_RULE


BITGET_EXAMPLE: dict[str, object] = {
    "code": "00000",
    "msg": "success",
    "requestTime": 1695796884470,
    "data": [
        {
            "symbol": "BTCUSDT",
            "level": "1",
            "startUnit": "0",
            "endUnit": "50000",
            "leverage": "125",
            "keepMarginRate": "0.004",
        },
        {
            "symbol": "BTCUSDT",
            "level": "2",
            "startUnit": "50000",
            "endUnit": "200000",
            "leverage": "100",
            "keepMarginRate": "0.005",
        },
    ],
}
"""Bitget API v2, "Get Position Tier": the documented response example."""


class TestBitgetTiers:
    """rule-brackets [published tiers; derived amounts]: Bitget's ``query-position-lever``."""

    def test_documented_example(self) -> None:
        """The API's example: 125x at 0.4% to 50,000, 100x at 0.5% to 200,000, D = 50."""
        table = bitget.position_tiers_from_payload(BITGET_EXAMPLE)
        assert table == bitget.BTCUSDT_TIERS
        assert table.brackets[1].maintenance_amount == Decimal(50)
        assert table.maintenance_margin(50_000) == Decimal(200)
        assert "2023-09-27" in bitget.BTCUSDT_TIERS_SOURCE

    def test_data_list(self) -> None:
        """The ``data`` list alone parses the same."""
        data = BITGET_EXAMPLE["data"]
        assert bitget.position_tiers_from_payload(data) == bitget.BTCUSDT_TIERS

    def test_gap(self) -> None:
        """A gap between tiers is a bracket error."""
        rows = [
            {"startUnit": "0", "endUnit": "10", "leverage": "50", "keepMarginRate": "0.01"},
            {"startUnit": "20", "endUnit": "30", "leverage": "20", "keepMarginRate": "0.02"},
        ]
        with pytest.raises(BracketError, match="gap"):
            bitget.position_tiers_from_payload(rows)

    def test_solves_with_the_rule(self) -> None:
        """A contract on the snapshot solves with Bitget's rule."""
        contract = Contract(symbol="BTCUSDT", kind="linear", brackets=bitget.BTCUSDT_TIERS)
        pos = Position(contract=contract, side="long", size="0.5", entry_price=60_000, leverage=10)
        price = isolated_liquidation_price(
            pos, margin=initial_margin(pos), rule=bitget.liquidation_rule(fee_rate="0.0006")
        )
        assert price is not None
        assert price < 60_000


class TestBitmexRiskLimits:
    """rule-venues [published]: BitMEX's risk-limit steps (the XBTUSD example)."""

    @pytest.mark.parametrize(
        ("value", "steps", "maintenance", "initial"),
        [
            (180, 0, Decimal("0.005"), Decimal("0.01")),
            (199, 0, Decimal("0.005"), Decimal("0.01")),
            (230, 1, Decimal("0.01"), Decimal("0.015")),
            (349, 1, Decimal("0.01"), Decimal("0.015")),
            (400, 2, Decimal("0.015"), Decimal("0.02")),
            (600, 3, Decimal("0.02"), Decimal("0.025")),
        ],
        ids=["trade-180", "below-200", "trade-230", "below-350", "below-500", "below-650"],
    )
    def test_table(self, value: int, steps: int, maintenance: Decimal, initial: Decimal) -> None:
        """The page's table: < 200, < 350, < 500, < 650 XBT."""
        assert bitmex.risk_limit_steps(value) == steps
        assert bitmex.risk_limit_rates(value) == (maintenance, initial)

    def test_trade_example_maintenance(self) -> None:
        """180 XBT at 0.50% is 0.90 XBT of maintenance."""
        table = bitmex.risk_limit_brackets(180)
        assert table.maintenance_margin(180) == Decimal("0.9")
        assert table.brackets[0].cap == bitmex.XBTUSD_BASE_RISK_LIMIT

    def test_rejects_negative(self) -> None:
        """A negative value is named."""
        with pytest.raises(InvalidInputError, match="position_value"):
            bitmex.risk_limit_steps(-1)

    def test_rejects_beyond_any_limit(self) -> None:
        """A value beyond a billion steps is an input error, not an arithmetic one."""
        with pytest.raises(InvalidInputError, match="beyond any risk limit"):
            bitmex.risk_limit_steps("1E+9999")
