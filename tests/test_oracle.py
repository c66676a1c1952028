"""The fast exact core against the solver it replaced, digit for digit (issue 13).

``tests/oracle.py`` is a verbatim copy of the general exact-rational solver (every
segment, every bracket walked) that answered before the fast core. A seeded loop draws
random positions, tables, wallets and rules — isolated, bankruptcy, cross one-way and
hedge; linear and inverse; every :class:`~levrisk.futures.LiquidationRule` — and checks
that levrisk returns the very same ``Decimal`` (value and spelling) or the same ``None``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

import pytest

import oracle
from levrisk import futures, interest, margin, risk
from levrisk.brackets import BracketTable
from levrisk.exceptions import AlreadyLiquidatedError, AlwaysLiquidatedError
from levrisk.futures import Contract, CrossAccount, LiquidationRule, Position

_KINDS: tuple[Literal["linear", "inverse"], ...] = ("linear", "inverse")
_SIDES: tuple[Literal["long", "short"], ...] = ("long", "short")
_MODES: tuple[Literal["one_way", "hedge"], ...] = ("one_way", "hedge")

CASES = 100_000
"""How many random cases the comparison runs in all (issue 13: at least 10⁵)."""

_RULES = [
    LiquidationRule(),
    LiquidationRule(maintenance_basis="entry"),
    LiquidationRule(close_fee="mark", fee_rate="0.0005"),
    LiquidationRule(maintenance_basis="entry", close_fee="mark", fee_rate="0.0006"),
    LiquidationRule(close_fee="bankruptcy", fee_rate="0.0005"),
    LiquidationRule(maintenance_basis="entry", close_fee="bankruptcy", fee_rate="0.00075"),
    LiquidationRule(close_fee="mark", fee_rate="0.95"),  # 1 − f − m < 0: not monotone
]


def _table(rng: random.Random) -> BracketTable:
    """A random table of 1 to 6 brackets with rising rates (some high)."""
    k = rng.randint(1, 6)
    caps, cap = [], Decimal(0)
    for _ in range(k):
        cap += Decimal(rng.randint(1, 400)) * Decimal(10) ** rng.randint(0, 4)
        caps.append(cap)
    caps[-1] += Decimal(10) ** 18  # every position fits below the top cap
    rates, rate = [], Decimal(0)
    for _ in range(k):
        rate += Decimal(rng.randint(1, 90)) / Decimal(1000)
        rates.append(min(rate, Decimal("0.9")))
    return BracketTable.from_rates(
        caps=caps, maintenance_rates=rates, max_leverages=[max(1, 125 - 20 * i) for i in range(k)]
    )


def _number(rng: random.Random, low: int, high: int) -> Decimal:
    """A random decimal with up to 3 places between about ``10**low`` and ``10**high``."""
    digits = Decimal(rng.randint(1, 999_999)).scaleb(-rng.randint(0, 3))
    return (digits * Decimal(10) ** rng.randint(low, high)).normalize()


def _position(
    rng: random.Random, symbol: str, kind: Literal["linear", "inverse"], table: BracketTable
) -> Position:
    contract = Contract(
        symbol=symbol,
        kind=kind,
        brackets=table,
        contract_size=1 if kind == "linear" else rng.choice([10, 100]),
        margin_asset=None if kind == "linear" else "BTC",  # one coin: a cross wallet holds one
    )
    return Position(
        contract=contract,
        side=rng.choice(_SIDES),
        size=_number(rng, -5, 0) if kind == "linear" else Decimal(rng.randint(1, 5000)),
        entry_price=_number(rng, -3, 1),
        leverage=1,
    )


def _wallet(rng: random.Random, position: Position) -> Decimal:
    """A wallet from 0 to about twice the position's notional at entry."""
    notional = futures.notional(position)
    return (notional * Decimal(rng.randint(0, 2000)) / 1000).quantize(Decimal("1e-8"))


def _book(rng: random.Random, most: int) -> tuple[CrossAccount, dict[str, Decimal]]:
    """A random cross book of 1 to ``most`` symbols of one kind, and its marks."""
    kind = rng.choice(_KINDS)
    positions = [_position(rng, f"S{i}", kind, _table(rng)) for i in range(rng.randint(1, most))]
    marks = {
        p.contract.symbol: p.entry_price * Decimal(rng.randint(70, 130)) / 100 for p in positions
    }
    wallet = sum((_wallet(rng, p) for p in positions), Decimal(0)) / 3
    return CrossAccount(wallet_balance=wallet, positions=positions), marks


def _same(ours: object, theirs: object) -> bool:
    """Equal and spelled the same (or both ``None``)."""
    return repr(ours) == repr(theirs)


def _ours(call: Callable[..., Decimal | None], *args: Any, **kwargs: Any) -> oracle.Outcome:
    """A liquidation function's outcome as the oracle states it (conventions: three states)."""
    try:
        return "price", call(*args, **kwargs)
    except AlreadyLiquidatedError as crossed:
        return "crossed", crossed.price
    except AlwaysLiquidatedError:
        return "always", None


@pytest.mark.parametrize("seed", range(10))
class TestAgainstOracle:
    """rule-futures-liquidation-linear/-inverse, rule-bankruptcy-price: as the general solve.

    The fast core returns what the general exact solve returned, digit for digit.
    """

    def test_isolated_and_bankruptcy(self, seed: int) -> None:
        """Isolated liquidation (every rule) and bankruptcy prices, linear and inverse."""
        rng = random.Random(seed)  # noqa: S311 - seeded test data
        for _ in range(CASES // 10 // 2 // 4):
            kind = rng.choice(_KINDS)
            position = _position(rng, "X", kind, _table(rng))
            wallet = _wallet(rng, position)
            for rule in rng.sample(_RULES, 3):
                ours = _ours(futures.isolated_liquidation_price, position, margin=wallet, rule=rule)
                theirs = oracle.isolated_liquidation_price(position, margin=wallet, rule=rule)
                assert _same(ours, theirs), (position, wallet, rule, ours, theirs)
            ours = _ours(futures.bankruptcy_price, position, margin=wallet)
            theirs = oracle.bankruptcy_price(position, margin=wallet)
            assert _same(ours, theirs), (position, wallet, ours, theirs)

    def test_cross(self, seed: int) -> None:
        """Cross liquidation, one-way and hedge, with other symbols at their marks."""
        rng = random.Random(1000 + seed)  # noqa: S311 - seeded test data
        for _ in range(CASES // 10 // 2 // 2):
            kind = rng.choice(_KINDS)
            table = _table(rng)
            own = _position(rng, "X", kind, table)
            positions = [own]
            mode = rng.choice(_MODES)
            if mode == "hedge" and rng.random() < 0.8:  # most hedges hold both legs
                other_side: Literal["long", "short"] = "short" if own.side == "long" else "long"
                positions.append(
                    Position(
                        contract=own.contract,
                        side=other_side,
                        size=own.size * Decimal(rng.randint(1, 30)) / 10,
                        entry_price=own.entry_price * Decimal(rng.randint(80, 120)) / 100,
                        leverage=1,
                    )
                )
            marks = {"X": own.entry_price * Decimal(rng.randint(50, 150)) / 100}
            for i in range(rng.randint(0, 3)):
                other = _position(rng, f"O{i}", kind, table)
                positions.append(other)
                marks[other.contract.symbol] = (
                    other.entry_price * Decimal(rng.randint(70, 130)) / 100
                )
            wallet = _wallet(rng, own)
            account = CrossAccount(wallet_balance=wallet, positions=positions, position_mode=mode)
            for rule in rng.sample(_RULES, 2):
                ours = _ours(
                    futures.cross_liquidation_price, account, "X", mark_prices=marks, rule=rule
                )
                theirs = oracle.cross_liquidation_price(account, "X", mark_prices=marks, rule=rule)
                assert _same(ours, theirs), (account, marks, rule, ours, theirs)


class TestUniformMoveAgainstOracle:
    """rule-futures-liquidation-linear: the swept uniform move equals the segment-by-segment one."""

    @pytest.mark.parametrize("seed", range(5))
    def test_uniform_move(self, seed: int) -> None:
        """Random cross books of 1 to 12 positions, linear or inverse."""
        rng = random.Random(2000 + seed)  # noqa: S311 - seeded test data
        for _ in range(100):
            account, marks = _book(rng, 12)
            ours = _ours(risk.futures.uniform_move_to_liquidation, account, mark_prices=marks)
            theirs = oracle.uniform_move_to_liquidation(account, mark_prices=marks)
            assert _same(ours, theirs), (account, marks, ours, theirs)


class TestAccrualCountAgainstTimes:
    """rule-interest: the O(1) count equals the number of listed accrual instants."""

    @pytest.mark.parametrize("counting", ["binance", "started_hour", "clock_hour"])
    def test_count(self, counting: Literal["binance", "started_hour", "clock_hour"]) -> None:
        """Random periods up to two weeks, for every counting rule."""
        from datetime import datetime, timedelta, timezone  # noqa: PLC0415 - local to the check

        rng = random.Random(3000)  # noqa: S311 - seeded test data
        base = datetime(2024, 5, 1, tzinfo=timezone.utc)
        for _ in range(2000):
            start = base + timedelta(microseconds=rng.randint(0, 10**11))
            end = start + timedelta(
                microseconds=rng.choice([0, rng.randint(0, 14 * 86_400 * 10**6)])
            )
            listed = len(interest.accrual_times(start, end, counting=counting))
            assert interest.accrual_count(start, end, counting=counting) == listed


class TestMovesAgainstOneByOne:
    """rule-futures-liquidation-linear, rule-spot-liquidation: O(N) moves equal one call each."""

    @pytest.mark.parametrize("seed", range(3))
    def test_futures_moves(self, seed: int) -> None:
        """Each symbol's row holds the cross liquidation price of the oracle."""
        rng = random.Random(4000 + seed)  # noqa: S311 - seeded test data
        for _ in range(60):
            account, marks = _book(rng, 8)
            states = {
                symbol: oracle.cross_liquidation_price(account, symbol, mark_prices=marks)
                for symbol in marks
            }
            if any(state != "price" for state, _ in states.values()):
                with pytest.raises(AlreadyLiquidatedError):
                    risk.futures.moves_to_liquidation(account, mark_prices=marks)
                continue
            rows = risk.futures.moves_to_liquidation(account, mark_prices=marks)
            for row in rows:
                theirs = states[row.asset][1]
                assert _same(row.liquidation_price, theirs), (account, marks, row, theirs)

    @pytest.mark.parametrize("digits", [3, 30])
    def test_margin_moves(self, digits: int) -> None:
        """Each asset's row holds margin.liquidation_price (sums exact, and sums that round)."""
        rng = random.Random(5000 + digits)  # noqa: S311 - seeded test data
        for _ in range(200):
            n = rng.randint(1, 8)
            balances = {
                f"A{i}": Decimal(rng.randint(0, 10**digits)).scaleb(-rng.randint(0, 6))
                for i in range(n)
            }
            balances["USDT"] = Decimal(rng.randint(0, 10**6))
            prices = {
                f"A{i}": Decimal(rng.randint(1, 10**digits)).scaleb(-rng.randint(0, 4))
                for i in range(n)
            }
            loans = [
                margin.Loan(
                    asset=rng.choice([*balances]),
                    principal=Decimal(rng.randint(1, 10**digits)).scaleb(-3),
                )
                for _ in range(rng.randint(1, 3))
            ]
            account = margin.CrossMarginAccount(balances=balances, loans=loans)
            level = Decimal(rng.choice(["1.05", "1.1", "1.3"]))
            states = {
                asset: _ours(
                    margin.liquidation_price,
                    account,
                    asset=asset,
                    prices=prices,
                    liquidation_level=level,
                )
                for asset in prices
            }
            if any(state != "price" for state, _ in states.values()):
                with pytest.raises(AlreadyLiquidatedError):
                    risk.margin.moves_to_liquidation(
                        account, prices=prices, liquidation_level=level
                    )
                continue
            rows = risk.margin.moves_to_liquidation(account, prices=prices, liquidation_level=level)
            for row in rows:
                theirs = states[row.asset][1]
                assert _same(row.liquidation_price, theirs), (account, prices, row, theirs)
