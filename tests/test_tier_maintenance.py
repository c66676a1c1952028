"""Tests of rule-tier-maintenance: tables as venues state them, and the solver at a jump."""

from __future__ import annotations

import contextlib
import decimal
from decimal import Decimal
from fractions import Fraction
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from levrisk.brackets import Bracket, BracketTable
from levrisk.exceptions import (
    AlreadyLiquidatedError,
    BracketError,
    InvalidInputError,
    LevriskWarning,
    LiquidationError,
)
from levrisk.exchanges import binance, bitget, gate, okx
from levrisk.futures import (
    Contract,
    ContractKind,
    CrossAccount,
    Position,
    Side,
    cross_liquidation_price,
    isolated_liquidation_price,
    maintenance_margin,
    unrealized_pnl,
)
from strategies import decimals

_EXACT = decimal.Context(prec=decimal.MAX_PREC, traps=[decimal.Inexact])

CAPS = [100_000, 500_000, 2_000_000]
RATES = ["0.01", "0.02", "0.05"]
LEVERAGES = [50, 25, 10]


def _table(maintenance: str) -> BracketTable:
    return BracketTable.from_rates(
        caps=CAPS,
        maintenance_rates=RATES,
        max_leverages=LEVERAGES,
        maintenance=maintenance,  # type: ignore[arg-type]
    )


WHOLE = _table("whole")
MARGINAL = _table("marginal")


class TestTables:
    """rule-tier-maintenance: the three ways a venue states maintenance."""

    def test_whole_uses_the_tier_rate_on_the_whole_notional(self) -> None:
        """'whole': MM = n·m_k of the tier holding n; it jumps at each cap."""
        assert WHOLE.maintenance == "whole"
        assert WHOLE.maintenance_margin(100_000) == Decimal(1000)
        assert WHOLE.maintenance_margin("100000.01") == Decimal("2000.0002")
        assert all(b.maintenance_amount == 0 for b in WHOLE.brackets)

    def test_marginal_is_the_sum_of_slices(self) -> None:
        """'marginal': each slice at its own rate; MM is continuous (the recursion's cum)."""
        # 100,000 at 1% + 400,000 at 2% + 500,000 at 5% = 1,000 + 8,000 + 25,000
        assert MARGINAL.maintenance == "marginal"
        assert MARGINAL.maintenance_margin(1_000_000) == Decimal(34_000)
        assert MARGINAL.maintenance_margin(100_000) == Decimal(1000)

    def test_published_amounts_are_taken_as_published(self) -> None:
        """'deduction': a published cum off the recursion is kept, not re-derived."""
        table = BracketTable.from_rates(
            caps=[50_000, 250_000],
            maintenance_rates=["0.004", "0.005"],
            max_leverages=[125, 100],
            maintenance_amounts=[0, "50.01"],
        )
        assert table.maintenance == "deduction"
        assert table.brackets[1].maintenance_amount == Decimal("50.01")
        assert table.maintenance_margin(100_000) == Decimal("449.99")

    def test_whole_refuses_amounts(self) -> None:
        """A whole-position table has no deduction."""
        bracket = WHOLE.brackets[1]
        with pytest.raises(
            BracketError, match=r"^brackets\[1\]\.maintenance_amount must be Decimal\('0'\)"
        ):
            BracketTable(
                brackets=[WHOLE.brackets[0], attrs_evolve(bracket, 5), WHOLE.brackets[2]],
                maintenance="whole",
            )

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"maintenance": "whole", "maintenance_amounts": [0, 0, 0]}, "built without"),
            ({"maintenance": "deduction"}, "built with maintenance_amounts"),
            ({"maintenance": "tax"}, "maintenance must be one of"),
        ],
        ids=["whole-with-amounts", "deduction-without", "unknown"],
    )
    def test_from_rates_basis_contradictions(self, kwargs: dict[str, object], match: str) -> None:
        """The basis must agree with whether amounts are given."""
        with pytest.raises(BracketError, match=match):
            BracketTable.from_rates(
                caps=CAPS,
                maintenance_rates=RATES,
                max_leverages=LEVERAGES,
                **kwargs,  # type: ignore[arg-type]
            )

    def test_above_the_top_cap_extrapolates(self) -> None:
        """rule-brackets: every maintenance figure extrapolates the last bracket; sizing refuses."""
        assert WHOLE.maintenance_margin(4_000_000) == Decimal(200_000)
        assert MARGINAL.maintenance_margin(4_000_000) == MARGINAL.brackets[-1].maintenance_margin(
            4_000_000
        )
        with pytest.raises(BracketError, match="highest cap"):
            WHOLE.bracket_for(4_000_000)
        with pytest.raises(BracketError, match="highest cap"):
            WHOLE.max_leverage(4_000_000)


def attrs_evolve(bracket: Bracket, amount: int) -> Bracket:
    """``bracket`` with another maintenance amount."""
    return attrs.evolve(bracket, maintenance_amount=amount)


class TestJumpAtTheEdge:
    """rule-tier-maintenance: the liquidation price where the jump crosses the condition."""

    def test_short_is_liquidated_at_the_cap(self) -> None:
        """Short 1 at 90,000, margin 12,000: safe at 100,000 (1%), liquidated just above (2%)."""
        btc = Contract(symbol="BTCUSDT", kind="linear", brackets=WHOLE)
        pos = Position(contract=btc, side="short", size=1, entry_price=90_000, leverage=10)
        assert isolated_liquidation_price(pos, margin=12_000) == Decimal(100_000)

    def test_marginal_has_its_root_inside_the_segment(self) -> None:
        """The same position on the marginal table: (12,000 + 90,000 + 1,000) / 1.02."""
        btc = Contract(symbol="BTCUSDT", kind="linear", brackets=MARGINAL)
        pos = Position(contract=btc, side="short", size=1, entry_price=90_000, leverage=10)
        lp = isolated_liquidation_price(pos, margin=12_000)
        assert lp == Decimal("100980.39215686274509803921568627450980392156862745")

    def test_cross_hedge_at_the_cap(self) -> None:
        """A cross short with a small long on the same symbol: the edge is the price."""
        btc = Contract(symbol="BTCUSDT", kind="linear", brackets=WHOLE)
        short = Position(contract=btc, side="short", size=1, entry_price=90_000, leverage=10)
        account = CrossAccount(wallet_balance=12_000, positions=[short])
        assert cross_liquidation_price(account, "BTCUSDT", mark_prices={}) == Decimal(100_000)

    def test_already_past_the_jump(self) -> None:
        """Entry just above the cap with a margin below the jumped maintenance: crossed."""
        btc = Contract(symbol="BTCUSDT", kind="linear", brackets=WHOLE)
        pos = Position(contract=btc, side="short", size=1, entry_price=100_001, leverage=10)
        with pytest.raises(AlreadyLiquidatedError):
            isolated_liquidation_price(pos, margin=2000)


def _condition(pos: Position, margin: Decimal, price: Decimal) -> Decimal:
    """Margin balance minus maintenance at ``price`` (≤ 0: liquidated)."""
    return (
        margin + unrealized_pnl(pos, mark_price=price) - maintenance_margin(pos, mark_price=price)
    )


def _brute(pos: Position, margin: Decimal, far: Decimal) -> Decimal | None:
    """The first price, walking from entry toward ``far``, with margin balance ≤ MM.

    A fine grid plus every boundary price and the prices a hair beyond it.
    """
    entry = pos.entry_price
    q = pos.size * pos.contract.contract_size
    edges = [
        (b.cap / q if pos.contract.kind == "linear" else q / b.cap)
        for b in pos.contract.brackets.brackets
    ]
    grid = {entry + (far - entry) * i / 2000 for i in range(1, 2001)}
    for edge in edges:
        for nudge in (Decimal(0), Decimal("1e-9"), Decimal("-1e-9")):
            grid.add(edge * (1 + nudge))
    down = far < entry
    walk = sorted(
        (p for p in grid if (far <= p < entry if down else entry < p <= far)), reverse=down
    )
    for price in walk:
        if _condition(pos, margin, price) <= 0:
            return price
    return None


class TestAgainstBruteForce:
    """rule-tier-maintenance: the solver agrees with a scan of the condition, jumps included."""

    @given(
        kind=st.sampled_from(["linear", "inverse"]),
        side=st.sampled_from(["long", "short"]),
        size=decimals("0.1", "40", 2),
        entry=decimals("5000", "100000", 0),
        share=decimals("0.03", "0.9", 3),
        maintenance=st.sampled_from(["whole", "marginal"]),
    )
    @example(
        kind="inverse",
        side="short",
        size=Decimal("1.50"),
        entry=Decimal(5000),
        share=Decimal("0.030"),
        maintenance="whole",
    )  # entry exactly at a cap, where the jump faces the winning side: not a root
    def test_isolated(
        self,
        *,
        kind: ContractKind,
        side: Side,
        size: Decimal,
        entry: Decimal,
        share: Decimal,
        maintenance: str,
    ) -> None:
        """Every scanned price before the solver's is safe; just beyond it is liquidated."""
        if kind == "linear":
            caps: list[int | str] = [100_000, 500_000, 2_000_000]
        else:
            caps = ["0.5", "3", "40"]
            size = (size * 100).to_integral_value()
        table = BracketTable.from_rates(
            caps=caps,
            maintenance_rates=RATES,
            max_leverages=[1, 1, 1],
            maintenance=maintenance,  # type: ignore[arg-type]
        )
        contract = Contract(
            symbol="X",
            kind=kind,
            brackets=table,
            contract_size=1 if kind == "linear" else 100,
            margin_asset=None if kind == "linear" else "BTC",
        )
        with contextlib.suppress(BracketError):
            pos = Position(contract=contract, side=side, size=size, entry_price=entry, leverage=1)
            notional_at_entry = size * entry if kind == "linear" else size * 100 / entry
            margin = notional_at_entry * share
            try:
                lp = isolated_liquidation_price(pos, margin=margin)
            except LiquidationError:
                return
            far = entry / 20 if (side == "long") else entry * 20
            brute = _brute(pos, margin, far)
            if lp is None:
                assert brute is None
                return
            down = side == "long"
            if (lp >= far) if down else (lp <= far):
                hair = lp * Decimal("1e-12")
                beyond = lp - hair if down else lp + hair
                assert _condition(pos, margin, beyond) <= 0
                assert brute is not None
                assert (brute <= lp) if down else (brute >= lp)
                before = entry + (lp - entry) * Decimal("0.999999")
                assert _condition(pos, margin, before) > 0


_GATE_NAMES = (
    "tier",
    "risk_limit",
    "initial_rate",
    "maintenance_rate",
    "leverage_max",
    "deduction",
)
GATE_TIERS: list[dict[str, Any]] = [
    {**dict(zip(_GATE_NAMES, row, strict=True)), "contract": "BTC_USDT"}
    for row in [
        (1, "500000", "0.01", "0.005", "100", "0"),
        (2, "1000000", "0.015", "0.01", "66.66", "2500"),
    ]
]


class TestGateTiers:
    """rule-tier-maintenance: Gate's risk-limit tiers, marginal with a published deduction."""

    def test_deduction_as_published(self) -> None:
        """Every deduction given: a 'deduction' table, MM = n·m − deduction."""
        table = gate.risk_limit_tiers_from_payload(GATE_TIERS)
        assert table.maintenance == "deduction"
        assert table.maintenance_margin(800_000) == Decimal(5500)
        assert table.brackets[1].floor == Decimal(500_000)
        assert table.brackets[1].initial_rate == Decimal("0.015")

    def test_without_deduction_is_marginal(self) -> None:
        """No deduction column: marginal by tier (the recursion's deduction)."""
        rows = [{k: v for k, v in row.items() if k != "deduction"} for row in GATE_TIERS]
        table = gate.risk_limit_tiers_from_payload(rows)
        assert table.maintenance == "marginal"
        assert table.maintenance_margin(800_000) == Decimal(5500)

    def test_deduction_checked_on_request(self) -> None:
        """A deduction off the recursion is kept, or raises with on_mismatch='raise'."""
        rows = [dict(GATE_TIERS[0]), {**GATE_TIERS[1], "deduction": "2400"}]
        assert gate.risk_limit_tiers_from_payload(rows).maintenance_margin(800_000) == 5600
        with pytest.raises(BracketError, match=r"payload\[1\]\.deduction must be"):
            gate.risk_limit_tiers_from_payload(rows, on_mismatch="raise")

    def test_contract_selection(self) -> None:
        """Several contracts need contract=; an unknown one is named."""
        other = [{**row, "contract": "ETH_USDT"} for row in GATE_TIERS]
        both = [*GATE_TIERS, *other]
        table = gate.risk_limit_tiers_from_payload(both, contract="ETH_USDT")
        assert table.max_cap == Decimal(1_000_000)
        with pytest.raises(InvalidInputError, match="pass contract="):
            gate.risk_limit_tiers_from_payload(both)
        with pytest.raises(InvalidInputError, match="no tiers of contract 'SOL_USDT'"):
            gate.risk_limit_tiers_from_payload(both, contract="SOL_USDT")

    def test_gap_is_refused(self) -> None:
        """Tiers out of order are refused, naming the path."""
        with pytest.raises(BracketError, match=r"payload\[1\]\.risk_limit must be above"):
            gate.risk_limit_tiers_from_payload([GATE_TIERS[1], GATE_TIERS[0]])


class TestBitget:
    """rule-tier-maintenance: Bitget's announcement, whole before 2025-11-10, marginal after."""

    # keepMarginRate: 0.40 % and 0.50 % plus the 0.06 % fee rate of the example
    PAYLOAD: ClassVar[list[dict[str, str]]] = [
        dict(zip(("level", "startUnit", "endUnit", "leverage", "keepMarginRate"), row, strict=True))
        for row in [
            ("1", "0", "200000", "125", "0.0046"),
            ("2", "200000", "900000", "100", "0.0056"),
        ]
    ]

    def test_worked_example(self) -> None:
        """3 BTC at 110,000: whole 330,000 × 0.56 % = 1,848; tiered 920 + 728 = 1,648."""
        whole = bitget.position_tiers_from_payload(self.PAYLOAD, maintenance="whole")
        marginal = bitget.position_tiers_from_payload(self.PAYLOAD)
        assert whole.maintenance_margin(3 * 110_000) == Decimal(1848)
        assert marginal.maintenance_margin(3 * 110_000) == Decimal(1648)


class TestOkxWhole:
    """rule-tier-maintenance: OKX's mmr of the tier holding the position, on the whole of it."""

    TIERS: ClassVar[list[dict[str, str]]] = [
        {
            "instFamily": "BTC-USDT",
            **dict(zip(("minSz", "maxSz", "mmr", "maxLever"), row, strict=True)),
        }
        for row in [("0", "500", "0.004", "100"), ("501", "1000", "0.005", "75")]
    ]

    def test_whole_by_default(self) -> None:
        """600 contracts of 0.01 BTC: 6 × 0.5 %, no deduction."""
        table = okx.position_tiers_from_payload(self.TIERS, ct_val="0.01")
        assert table.maintenance == "whole"
        assert table.maintenance_margin(6) == Decimal("0.030")
        assert table.maintenance_margin(5) == Decimal("0.020")

    def test_every_digit_kept(self) -> None:
        """Issue 14 item 6: 50-digit sizes and ct_val stay exact; contiguous tiers stay so."""
        ct_val = "0.1234567890123456789012345678901234567890123456789"
        big = "123456789012345678901234567890123456789012345678.9"
        tiers = [
            {**self.TIERS[0], "maxSz": big},
            {**self.TIERS[1], "minSz": big, "maxSz": f"{big}9"},
        ]
        table = okx.position_tiers_from_payload(tiers, ct_val=ct_val)
        exact = Decimal(big).fma(Decimal(ct_val), 0, context=_EXACT)
        assert table.brackets[0].cap == exact
        assert table.brackets[1].floor == exact


class TestScaledDigits:
    """issue 14 item 6 (rule-brackets): scaling by a 50-digit notionalCoef keeps every digit."""

    COEF: ClassVar[str] = "1.234567890123456789012345678901234567890123456789"

    def test_scale_brackets(self) -> None:
        """A valid marginal table scaled by a 50-digit k stays valid and exact."""
        scaled = binance.scale_brackets(MARGINAL, self.COEF)
        assert scaled.maintenance == "marginal"
        k = Decimal(self.COEF)
        assert scaled.brackets[1].cap == Decimal(500_000).fma(k, 0, context=_EXACT)
        assert scaled.brackets[2].maintenance_amount == MARGINAL.brackets[2].maintenance_amount.fma(
            k, 0, context=_EXACT
        )

    def test_notional_coef_apply(self) -> None:
        """notional_coef='apply' with a 50-digit coefficient accepts a valid table."""
        names = (
            "bracket",
            "initialLeverage",
            "notionalCap",
            "notionalFloor",
            "maintMarginRatio",
            "cum",
        )
        rows = [(1, 125, 50000, 0, 0.004, 0.0), (2, 100, 250000, 50000, 0.005, 50.0)]
        payload = {
            "symbol": "BTCUSDT",
            "notionalCoef": self.COEF,
            "brackets": [dict(zip(names, row, strict=True)) for row in rows],
        }
        table = binance.brackets_from_payload(payload, notional_coef="apply")
        assert table.brackets[1].floor == Decimal(50_000).fma(Decimal(self.COEF), 0, context=_EXACT)


class TestJumpInternals:
    """rule-tier-maintenance: the solver's jump edges (roots, sweep, 'somewhere positive')."""

    def test_swept_roots_find_the_jump(self) -> None:
        """The one-sweep roots and the segment roots both hold the edge where MM jumps."""
        from levrisk.futures import _solver  # noqa: PLC0415 - private check

        legs = [_solver.Leg(-1, Fraction(1), Fraction(90_000), WHOLE)]
        rule = _solver.Rule("mark", "none", Fraction(0))
        segment = _solver.roots(legs, Fraction(12_000), rule, None)
        swept = _solver.swept_roots(legs, Fraction(12_000), Fraction(90_000))
        assert Fraction(100_000) in segment
        assert sorted(set(swept)) == sorted(set(segment))

    def test_crossed_not_always_across_a_jump(self) -> None:
        """The condition is ≤ 0 below the edge and at entry, > 0 just above it: crossed.

        A published table off the recursion: cum_1 = −200,000 (MM 200,000 higher below
        100,000), cum_2 = 0. A short of 1 from 150,000 with no margin.
        """
        table = BracketTable.from_rates(
            caps=[100_000, 10_000_000],
            maintenance_rates=["0.01", "0.01"],
            max_leverages=[10, 10],
            maintenance_amounts=[-200_000, 0],
        )
        btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        pos = Position(contract=btc, side="short", size=1, entry_price=150_000, leverage=10)
        with pytest.raises(AlreadyLiquidatedError):
            isolated_liquidation_price(pos, margin=0)


def _cross_condition(account: CrossAccount, price: Decimal) -> Decimal:
    """Wallet plus PnL minus maintenance of every position at ``price`` (≤ 0: liquidated)."""
    total = account.wallet_balance
    for p in account.positions:
        total += unrealized_pnl(p, mark_price=price) - maintenance_margin(p, mark_price=price)
    return total


class TestHedgeAgainstBruteForce:
    """rule-tier-maintenance: a hedge on a whole-position table, scanned near the solver's price."""

    @given(
        kind=st.sampled_from(["linear", "inverse"]),
        long_size=decimals("0.1", "30", 1),
        short_size=decimals("0.1", "30", 1),
        entry=decimals("20000", "90000", 0),
        wallet=decimals("100", "200000", 0),
    )
    @example(
        kind="inverse",
        long_size=Decimal("20.0"),
        short_size=Decimal("0.1"),
        entry=Decimal(20000),
        wallet=Decimal(10026),
    )  # the long leg exactly at a cap: any fall liquidates, so the price is the entry
    def test_cross_hedge(
        self,
        *,
        kind: ContractKind,
        long_size: Decimal,
        short_size: Decimal,
        entry: Decimal,
        wallet: Decimal,
    ) -> None:
        """Before the solver's price every scanned price is safe; just beyond it, liquidated.

        Inverse: sizes in 100-USD contracts, caps in coin, the wallet in coin.
        """
        caps: list[int | str] = list(CAPS)
        size = 1
        if kind == "inverse":
            caps, size = ["2", "10", "40"], 100
            long_size, short_size = long_size * 100, short_size * 100
            wallet /= 50_000
        table = BracketTable.from_rates(
            caps=caps, maintenance_rates=RATES, max_leverages=[1, 1, 1], maintenance="whole"
        )
        coin = None if kind == "linear" else "BTC"
        btc = Contract(
            symbol="BTCUSDT", kind=kind, brackets=table, contract_size=size, margin_asset=coin
        )
        with contextlib.suppress(BracketError):
            legs = [
                Position(contract=btc, side="long", size=long_size, entry_price=entry, leverage=1),
                Position(
                    contract=btc, side="short", size=short_size, entry_price=entry, leverage=1
                ),
            ]
            account = CrossAccount(wallet_balance=wallet, positions=legs, position_mode="hedge")
            try:
                lp = cross_liquidation_price(account, "BTCUSDT", mark_prices={})
            except LiquidationError:
                return
            if lp is None:
                for i in range(1, 400):
                    for price in (entry * i / 100, entry + entry * i / 100):
                        assert _cross_condition(account, price) > 0
                return
            hair = lp * Decimal("1e-12")
            # at the entry itself (a leg exactly at a cap) the jump may face either way
            sides = (
                [lp - hair] if lp < entry else [lp + hair] if lp > entry else [lp - hair, lp + hair]
            )
            assert min(_cross_condition(account, beyond) for beyond in sides) <= 0
            for i in range(1, 1000):
                price = entry + (lp - entry) * i / 1000
                assert _cross_condition(account, price) > 0


class TestHeldPositions:
    """Issue 15 item 2: OKX and Gate rows above their bracket's max leverage are kept, warned."""

    def test_okx(self) -> None:
        """A 150x OKX row on a table allowing 125x: kept at 150x, the warning names the row."""
        btc = Contract(symbol="BTC-USDT-SWAP", kind="linear", brackets=binance.BTCUSDT_BRACKETS)
        row = {"instId": "BTC-USDT-SWAP", "instType": "SWAP", "mgnMode": "cross"}
        row |= {"posSide": "net", "pos": "0.1", "avgPx": "50000", "lever": "150"}
        row["markPx"] = "50000"
        with pytest.warns(LevriskWarning, match=r"^payload\.data\[0\]: leverage must be"):
            report = okx.position_report_from_payload(
                {"data": [row]}, contracts={"BTC-USDT-SWAP": btc}
            )
        assert report.rows[0].position.leverage == Decimal(150)

    def test_gate(self) -> None:
        """The same on Gate: the position keeps the venue's leverage."""
        btc = Contract(symbol="BTC_USDT", kind="linear", brackets=binance.BTCUSDT_BRACKETS)
        row = {"contract": "BTC_USDT", "size": "10", "lever": "150", "margin": "40"}
        row |= {"entry_price": "50000", "mark_price": "50000", "pos_margin_mode": "isolated"}
        with pytest.warns(LevriskWarning, match=r"^payload\[0\]: leverage must be"):
            report = gate.position_report_from_payload([row], contracts={"BTC_USDT": btc})
        assert report.rows[0].position.leverage == Decimal(150)

    def test_above_the_top_cap(self) -> None:
        """A Gate row worth 500,000 on a table ending at 100,000: kept, warned, MM extrapolated.

        rule-tier-maintenance: maintenance above the top cap extrapolates the last bracket
        (1 % of 500,000); only a new position is refused there.
        """
        table = BracketTable.from_rates(
            caps=[100_000], maintenance_rates=["0.01"], max_leverages=[50]
        )
        btc = Contract(symbol="BTC_USDT", kind="linear", brackets=table)
        row = {"contract": "BTC_USDT", "size": "10", "lever": "10", "margin": "50000"}
        row |= {"entry_price": "50000", "mark_price": "50000", "pos_margin_mode": "isolated"}
        with pytest.warns(LevriskWarning, match=r"^payload\[0\]: notional must not exceed"):
            report = gate.position_report_from_payload([row], contracts={"BTC_USDT": btc})
        position = report.rows[0].position
        assert position.size == Decimal(10)
        assert maintenance_margin(position, mark_price=50_000) == Decimal(5000)
        with pytest.raises(BracketError):
            Position(contract=btc, side="long", size=10, entry_price=50_000, leverage=10)
