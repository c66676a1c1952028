"""Tests of rule-gate-hedge-maintenance: a hedged pair's maintenance by the higher-value leg."""

from __future__ import annotations

import contextlib
import decimal
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from levrisk import futures
from levrisk.brackets import BracketTable
from levrisk.exceptions import BracketError, InvalidInputError, LiquidationError
from levrisk.exchanges import gate
from levrisk.futures import Contract, ContractKind, CrossAccount, LiquidationRule, Position, Side
from levrisk.numbers import PRECISION
from strategies import decimals

LARGER = LiquidationRule(hedge_maintenance="larger")

# rule-gate-hedge-maintenance's worked example: a marginal (Gate) table, 1 % to 10,000
# USDT, 2 % above (deduction 100 by the recursion).
TABLE = BracketTable.from_rates(
    caps=[10_000, 1_000_000],
    maintenance_rates=["0.01", "0.02"],
    max_leverages=[100, 50],
    maintenance="marginal",
)
BTC = Contract(symbol="BTCUSDT", kind="linear", brackets=TABLE)
ETH = Contract(symbol="ETHUSDT", kind="linear", brackets=TABLE)


def _quotient(top: int | str, bottom: int | str) -> Decimal:
    """``top / bottom`` rounded once, as the library rounds (50 digits)."""
    return decimal.Context(prec=PRECISION).divide(Decimal(top), Decimal(bottom))


def _pair(contract: Contract, long: int, short: int, entry: int = 5000) -> list[Position]:
    return [
        Position(contract=contract, side="long", size=long, entry_price=entry, leverage=10),
        Position(contract=contract, side="short", size=short, entry_price=entry, leverage=10),
    ]


def _account(wallet: int, positions: list[Position]) -> CrossAccount:
    return CrossAccount(wallet_balance=wallet, positions=positions, position_mode="hedge")


class TestWorkedExample:
    """rule-gate-hedge-maintenance: long 4 and short 1 BTC at 5,000, wallet 1,000 USDT."""

    def test_pair_by_the_larger_leg(self) -> None:
        """MM = (5/4)·(0.02·4P − 100) = 0.1P − 125; 1000 + 3(P − 5000) = 0.1P − 125."""
        account = _account(1000, _pair(BTC, 4, 1))
        lp = futures.cross_liquidation_price(account, "BTCUSDT", mark_prices={}, rule=LARGER)
        assert lp == _quotient(13875, "2.9")  # 4784.48...

    def test_each_leg_on_its_own(self) -> None:
        """The default rule: MM = (0.08P − 100) + 0.01P, so 2.91P = 13,900."""
        account = _account(1000, _pair(BTC, 4, 1))
        assert futures.cross_liquidation_price(account, "BTCUSDT", mark_prices={}) == _quotient(
            13900, "2.91"
        )

    def test_gate_preset_with_its_close_fee(self) -> None:
        """Gate's preset (larger leg) and the close fee 0.05 % of (4 + 1)·P: 2.8975P = 13,875."""
        account = _account(1000, _pair(BTC, 4, 1))
        rule = gate.liquidation_rule(fee_rate="0.0005")
        assert rule.hedge_maintenance == "larger"
        lp = futures.cross_liquidation_price(account, "BTCUSDT", mark_prices={}, rule=rule)
        assert lp == _quotient(13875, "2.8975")

    def test_short_is_the_larger_leg(self) -> None:
        """Short 4, long 1: MM = 0.1P − 125 again, PnL −3(P − 5000); 3.1P = 15,000 + 1,000 + 125."""
        account = _account(1000, _pair(BTC, 1, 4))
        lp = futures.cross_liquidation_price(account, "BTCUSDT", mark_prices={}, rule=LARGER)
        assert lp == _quotient(16125, "3.1")

    def test_other_symbols_pair(self) -> None:
        """An ETH pair at its mark owes (20,000 + 5,000)·300/20,000 = 375 (each: 300 + 50).

        BTC long 1 at 5,000: 1000 − 375 + (P − 5000) = 0.01P, so 0.99P = 4,375.
        """
        btc = Position(contract=BTC, side="long", size=1, entry_price=5000, leverage=10)
        account = _account(1000, [btc, *_pair(ETH, 4, 1)])
        marks = {"ETHUSDT": 5000}
        lp = futures.cross_liquidation_price(account, "BTCUSDT", mark_prices=marks, rule=LARGER)
        assert lp == _quotient(4375, "0.99")
        each = futures.cross_liquidation_price(account, "BTCUSDT", mark_prices=marks)
        assert each == _quotient(4350, "0.99")

    def test_unpaired_symbols_are_unchanged(self) -> None:
        """A symbol held on one side only keeps its own maintenance under ``"larger"``."""
        btc = Position(contract=BTC, side="long", size=1, entry_price=5000, leverage=10)
        eth = Position(contract=ETH, side="short", size=4, entry_price=5000, leverage=10)
        account = _account(1000, [btc, eth])
        marks = {"ETHUSDT": 5000}
        assert futures.cross_liquidation_price(
            account, "BTCUSDT", mark_prices=marks, rule=LARGER
        ) == (futures.cross_liquidation_price(account, "BTCUSDT", mark_prices=marks))

    def test_entry_basis(self) -> None:
        """Valued at entry: V_L = 20,000 (long 4 at 5,000) is the larger; MM = 375, fixed.

        1000 + 3(P − 5000) = 375 gives P = 14,375/3.
        """
        account = _account(1000, _pair(BTC, 4, 1))
        rule = LiquidationRule(maintenance_basis="entry", hedge_maintenance="larger")
        lp = futures.cross_liquidation_price(account, "BTCUSDT", mark_prices={}, rule=rule)
        assert lp == _quotient(14375, 3)

    def test_one_position_is_unchanged(self) -> None:
        """The rule acts on a pair only: an isolated or one-way position keeps its price."""
        pos = Position(contract=BTC, side="long", size=4, entry_price=5000, leverage=10)
        rule = gate.liquidation_rule(fee_rate="0.0005")
        each = gate.liquidation_rule(fee_rate="0.0005", hedge_maintenance="each")
        assert futures.isolated_liquidation_price(pos, margin=2000, rule=rule) == (
            futures.isolated_liquidation_price(pos, margin=2000, rule=each)
        )
        one_way = CrossAccount(wallet_balance=2000, positions=[pos])
        assert futures.cross_liquidation_price(one_way, "BTCUSDT", mark_prices={}, rule=rule) == (
            futures.cross_liquidation_price(one_way, "BTCUSDT", mark_prices={}, rule=each)
        )

    def test_repr_and_validation(self) -> None:
        """The repr names the field only off its default; an unknown value is refused."""
        assert "hedge_maintenance" not in repr(LiquidationRule())
        assert repr(LARGER).endswith("hedge_maintenance='larger')")
        with pytest.raises(InvalidInputError, match="hedge_maintenance"):
            LiquidationRule(hedge_maintenance="both")  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="hedge_maintenance"):
            gate.liquidation_rule(fee_rate=0, hedge_maintenance="x")  # type: ignore[arg-type]


def _value(position: Position, price: Decimal) -> Decimal:
    q = position.size * position.contract.contract_size
    return q * price if position.contract.kind == "linear" else q / price


def _condition(account: CrossAccount, price: Decimal, fee: Decimal) -> Decimal:
    """Wallet + PnL − close fees − the pair's MM by the larger leg (≤ 0: liquidated)."""
    with decimal.localcontext() as ctx:
        ctx.prec = 120
        legs = account.positions
        values = [_value(p, price) for p in legs]
        big = legs[values.index(max(values))]
        owed = sum(values) * futures.maintenance_margin(big, mark_price=price) / max(values)
        total = account.wallet_balance - owed - fee * sum(values)
        for p in legs:
            total += futures.unrealized_pnl(p, mark_price=price)
        return total


def _gate_contract(kind: ContractKind) -> Contract:
    """Gate's marginal table on a linear (quote caps) or inverse (coin caps, 100-USD) BTC."""
    linear = kind == "linear"
    table = BracketTable.from_rates(
        caps=[100_000, 500_000, 2_000_000] if linear else ["2", "10", "40"],
        maintenance_rates=["0.01", "0.02", "0.05"],
        max_leverages=[1, 1, 1],
        maintenance="marginal",
    )
    return Contract(
        symbol="BTCUSDT",
        kind=kind,
        brackets=table,
        contract_size=1 if linear else 100,
        margin_asset=None if linear else "BTC",
    )


CONTRACTS = {kind: _gate_contract(kind) for kind in ("linear", "inverse")}
"""Per kind: the contract, and the size and wallet units (inverse: contracts, coin)."""
UNITS = {"linear": (Decimal(1), Decimal(1)), "inverse": (Decimal(100), Decimal(1) / 50_000)}


def _scanned(account: CrossAccount, found: Decimal | None, start: Decimal, fee: Decimal) -> None:
    """No scanned price before ``found`` liquidates; a hair beyond it does."""
    if found is None:
        grid = [start * k / 100 for k in range(1, 800)]
    else:
        grid = [start + (found - start) * k / 1000 for k in range(1, 1000)]
        outside = found * (1 - Decimal("1e-12") if found < start else 1 + Decimal("1e-12"))
        assert _condition(account, outside, fee) <= 0
    assert all(_condition(account, price, fee) > 0 for price in grid)


class TestAgainstBruteForce:
    """rule-gate-hedge-maintenance: the solver agrees with a scan of the pair's condition."""

    @given(
        kind=st.sampled_from(["linear", "inverse"]),
        sizes=st.tuples(decimals("0.1", "30", 1), decimals("0.1", "30", 1)),
        entries=st.tuples(decimals("20000", "90000", 0), decimals("20000", "90000", 0)),
        wallet=decimals("100", "200000", 0),
        fee=st.sampled_from([Decimal(0), Decimal("0.0005")]),
    )
    def test_cross_hedge(
        self,
        *,
        kind: ContractKind,
        sizes: tuple[Decimal, Decimal],
        entries: tuple[Decimal, Decimal],
        wallet: Decimal,
        fee: Decimal,
    ) -> None:
        """The solver's price against the scan, Gate's preset, long and short at own entries."""
        size_unit, wallet_unit = UNITS[kind]
        sides: tuple[Side, Side] = ("long", "short")
        with contextlib.suppress(BracketError):
            legs = [
                Position(
                    contract=CONTRACTS[kind], side=s, size=q * size_unit, entry_price=e, leverage=1
                )
                for s, q, e in zip(sides, sizes, entries, strict=True)
            ]
            account = _account(0, legs)
            account = attrs.evolve(account, wallet_balance=wallet * wallet_unit)
            rule = gate.liquidation_rule(fee_rate=fee)
            try:
                lp = futures.cross_liquidation_price(account, "BTCUSDT", mark_prices={}, rule=rule)
            except LiquidationError:
                assert _condition(account, entries[0], fee) <= 0
                return
            _scanned(account, lp, entries[0], fee)
