"""Tests for portfolio margin's risk units (rule-portfolio-margin-units): figures and liquidation.

The requirement of a :class:`~levrisk.portfolio.RiskUnit` is checked against
:func:`~levrisk.portfolio.scenario_loss`; the liquidation point against a brute-force scan
of the account's figures on a fine price grid.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from levrisk.exceptions import AlreadyLiquidatedError, AlwaysLiquidatedError, InvalidInputError
from levrisk.exchanges import okx
from levrisk.futures import Contract, Position, Side
from levrisk.numbers import NumberLike
from levrisk.portfolio import (
    AssetBook,
    Collateral,
    PortfolioAccount,
    RiskUnit,
    account_figures,
    asset_liquidation_price,
    liquidation_move,
    scenario_loss,
    symbol_liquidation_price,
    underlying_liquidation_price,
)
from strategies import sides
from test_portfolio_unified import BTCUSDT

BTCFUT, ETHUSDT = (attrs.evolve(BTCUSDT, symbol=name) for name in ("BTCUSDT-FUT", "ETHUSDT"))
BTCUSD = attrs.evolve(BTCUSDT, symbol="BTCUSD", kind="inverse", contract_size=1, margin_asset="BTC")
BYBIT_UNIT = RiskUnit(
    underlying="BTC", symbols=["BTCUSDT"], moves=["-0.15", "0.15"], contingency_rate="0.01"
)
INDEXES = {"USDT": 1, "BTC": 60_000}
_ASKED: dict[str, Any] = {"index_prices": INDEXES, "liquidation_level": 1}


def _long(
    size: NumberLike = 1, entry: NumberLike = 50_000, contract: Contract = BTCUSDT
) -> Position:
    return Position(contract=contract, side="long", size=size, entry_price=entry, leverage=10)


def _account(
    wallet: NumberLike, *positions: Position, btc: NumberLike | None = None
) -> PortfolioAccount:
    books = [AssetBook(asset="USDT", wallet_balance=wallet, positions=list(positions))]
    rules = [Collateral(asset="USDT")]
    if btc is not None:
        books.append(AssetBook(asset="BTC", wallet_balance=btc))
        rules.append(Collateral(asset="BTC", ratio="0.95"))
    return PortfolioAccount(books=books, collaterals=rules)


def _coin_price(
    account: PortfolioAccount,
    unit: RiskUnit = BYBIT_UNIT,
    marks: dict[str, int] | None = None,
    coin: str = "BTC",
) -> Decimal | None:
    """The BTC unit's coin price at liquidation (θ = 1, the index prices of ``INDEXES``)."""
    return underlying_liquidation_price(
        account,
        coin,
        units=[unit],
        mark_prices={"BTCUSDT": 60_000} if marks is None else marks,
        index_prices=INDEXES,
        liquidation_level=1,
    )


class TestRequirement:
    """rule-portfolio-margin-units: MM = max(L + c·G, f·G), IM = k·MM."""

    def test_published_method_worked_example(self) -> None:
        """One long: MM = 15 % loss + 1 % contingency of 60,000; IM = 1.25 × MM."""
        # 1 BTC long at 60,000: L = 15 % × 60,000, contingency 1 % × 60,000.
        unit = RiskUnit(
            underlying="BTC",
            symbols=["BTCUSDT"],
            moves=["-0.15", "0.15"],
            contingency_rate="0.01",
            initial_factor="1.25",
        )
        figures = account_figures(
            _account(2_000, _long()),
            mark_prices={"BTCUSDT": 60_000},
            index_prices=INDEXES,
            units=[unit],
        )
        assert figures.maintenance_margin == Decimal(9_600)
        assert figures.initial_margin == Decimal(12_000)
        assert figures.equity == Decimal(12_000)

    def test_spot_offset_leaves_the_charges(self) -> None:
        """A spot-hedged short has no scenario loss; the minimum charge f·G remains."""
        # OKX's offset shape: 10 BTC spot against a 10 BTC short; MR1 = 0, MR7 = f·G.
        short = Position(contract=BTCUSDT, side="short", size=10, entry_price=50_000, leverage=10)
        unit = RiskUnit(
            underlying="BTC",
            symbols=["BTCUSDT"],
            moves=["-0.12", "0", "0.12"],
            spot=True,
            contingency_rate="0.001",
            minimum_rate="0.005",
        )
        account = _account(0, short, btc=10)
        marks = {"BTCUSDT": 50_000}
        prices = {"USDT": 1, "BTC": 50_000}
        figures = account_figures(account, mark_prices=marks, index_prices=prices, units=[unit])
        assert figures.maintenance_margin == Decimal(2_500)
        assert (
            scenario_loss([short], mark_prices=marks, moves=unit.moves, spot=10, spot_price=50_000)
            == 0
        )

    @given(
        size=st.integers(1, 50),
        side=sides,
        spot=st.integers(-20, 20),
        mark=st.integers(1_000, 90_000),
        rates=st.tuples(*(st.sampled_from(["0", "0.001", "0.01", "0.05"]) for _ in range(2))),
    )
    def test_matches_scenario_loss(
        self, size: int, side: Side, spot: int, mark: int, rates: tuple[str, str]
    ) -> None:
        """The unit's MM is max(scenario_loss + c·G, f·G) for any exposure."""
        position = Position(contract=BTCUSDT, side=side, size=size, entry_price=mark, leverage=10)
        unit = RiskUnit(
            underlying="BTC",
            symbols=["BTCUSDT"],
            moves=["-0.1", "0", "0.08"],
            spot=True,
            contingency_rate=rates[0],
            minimum_rate=rates[1],
        )
        account = _account(10**6, position, btc=spot)
        marks, prices = {"BTCUSDT": mark}, {"USDT": 1, "BTC": mark}
        figures = account_figures(account, mark_prices=marks, index_prices=prices, units=[unit])
        loss = scenario_loss(
            [position], mark_prices=marks, moves=unit.moves, spot=spot, spot_price=mark
        )
        gross = size * mark
        assert figures.maintenance_margin == max(
            loss + Decimal(rates[0]) * gross, Decimal(rates[1]) * gross
        )

    @given(
        size=st.integers(1, 50),
        spot=st.integers(-20, 20),
        rates=st.tuples(*(st.sampled_from(["0", "0.002", "0.01", "0.2"]) for _ in range(2))),
    )
    def test_is_okx_unit_mmr_of_its_terms(
        self, size: int, spot: int, rates: tuple[str, str]
    ) -> None:
        """rule-okx-portfolio-margin: MM = max(MR1 + MR4, MR7) with MR4 = c·G, MR7 = f·G."""
        short = Position(contract=BTCUSDT, side="short", size=size, entry_price=60_000, leverage=5)
        unit = RiskUnit(
            underlying="BTC",
            symbols=["BTCUSDT"],
            moves=okx.PM_SPOT_SHOCKS["BTC"],
            spot=True,
            contingency_rate=rates[0],
            minimum_rate=rates[1],
        )
        marks, prices = {"BTCUSDT": 60_000}, {"USDT": 1, "BTC": 60_000}
        figures = account_figures(
            _account(10**6, short, btc=spot), mark_prices=marks, index_prices=prices, units=[unit]
        )
        mr1 = scenario_loss(
            [short], mark_prices=marks, moves=unit.moves, spot=spot, spot_price=60_000
        )
        gross = Decimal(size * 60_000)
        expected = okx.portfolio_margin_unit_mmr(
            mr1, mr4=Decimal(rates[0]) * gross, mr7=Decimal(rates[1]) * gross
        )
        assert figures.maintenance_margin == expected

    def test_positions_outside_units_keep_their_brackets(self) -> None:
        """A position in no unit keeps its bracket MM and leverage IM."""
        eth = Position(contract=ETHUSDT, side="long", size=10, entry_price=3_000, leverage=10)
        figures = account_figures(
            _account(2_000, _long(), eth),
            mark_prices={"BTCUSDT": 60_000, "ETHUSDT": 3_000},
            index_prices=INDEXES,
            units=[BYBIT_UNIT],
        )
        assert figures.maintenance_margin == Decimal(9_600) + Decimal("0.005") * 30_000
        assert figures.initial_margin == Decimal(9_600) + Decimal(3_000)


class TestUnitValidation:
    """rule-portfolio-margin-units: bad units raise InvalidInputError naming the argument."""

    @pytest.mark.parametrize(
        ("fields", "match"),
        [
            ({"moves": []}, "at least one scenario"),
            ({"moves": ["-1"]}, "above -1"),
            ({"moves": "x"}, "iterable of relative moves"),
            ({"symbols": [""]}, "non-empty symbol"),
            ({"symbols": ["A", "A"]}, "must not repeat"),
            ({"initial_factor": "0.5"}, "at least 1"),
            ({"contingency_rate": "-1"}, "contingency_rate"),
            ({"spot": 1}, "True or False"),
        ],
    )
    def test_fields(self, fields: dict[str, object], match: str) -> None:
        """Each RiskUnit field out of its domain is rejected by name."""
        values: dict[str, object] = {"underlying": "BTC", "symbols": ["BTCUSDT"], "moves": ["0.1"]}
        with pytest.raises(InvalidInputError, match=match):
            RiskUnit(**{**values, **fields})  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("units", "prices", "match"),
        [
            ("x", INDEXES, "units must be an iterable"),
            ([1], INDEXES, r"units\[0\]"),
            ([BYBIT_UNIT, BYBIT_UNIT], INDEXES, "must not repeat"),
            (
                [RiskUnit(underlying="BTC", symbols=[], moves=["0.1"], spot=True)],
                INDEXES,
                "must have a book",
            ),
            (
                [RiskUnit(underlying="BTC", symbols=["XYZ"], moves=["0.1"])],
                INDEXES,
                "a symbol the account holds",
            ),
            (
                [BYBIT_UNIT, RiskUnit(underlying="ETH", symbols=["BTCUSDT"], moves=["0.1"])],
                {**INDEXES, "ETH": 3_000},
                "in one unit only",
            ),
            (
                [RiskUnit(underlying="USDT", symbols=["BTCUSDT"], moves=["0.1"])],
                INDEXES,
                "not settled in 'USDT'",
            ),
            ([BYBIT_UNIT], {"USDT": 1}, "underlying 'BTC'"),
        ],
    )
    def test_units_against_the_account(
        self, units: object, prices: dict[str, int], match: str
    ) -> None:
        """Units that do not fit the account are rejected by name."""
        with pytest.raises(InvalidInputError, match=match):
            account_figures(
                _account(2_000, _long()),
                mark_prices={"BTCUSDT": 60_000},
                index_prices=prices,
                units=units,  # type: ignore[arg-type]
            )

    def test_inverse_contract_is_not_a_unit_member(self) -> None:
        """An inverse contract cannot join a (delta-one, linear) unit."""
        inverse = Position(contract=BTCUSD, side="long", size=100, entry_price=50_000, leverage=10)
        account = PortfolioAccount(
            books=[AssetBook(asset="BTC", wallet_balance=1, positions=[inverse])],
            collaterals=[Collateral(asset="BTC")],
        )
        unit = RiskUnit(underlying="ETH", symbols=["BTCUSD"], moves=["0.1"])
        with pytest.raises(InvalidInputError, match="a linear contract"):
            account_figures(
                account,
                mark_prices={"BTCUSD": 50_000},
                index_prices={"BTC": 50_000, "ETH": 3_000},
                units=[unit],
            )

    def test_underlying_without_unit(self) -> None:
        """The coin asked about must be a unit's."""
        with pytest.raises(InvalidInputError, match="one of the units"):
            _coin_price(_account(2_000, _long()), coin="ETH")


Question = str
"""Which price moves by the factor ``u``: ``"coin"`` (the unit's marks and the BTC index),
``"asset"`` (the BTC index alone) or ``"symbol"`` (the ``BTCUSDT`` mark alone)."""


def _moved(
    question: Question, unit: RiskUnit, marks: dict[str, int], factor: Fraction
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """The marks and indexes of ``question`` at ``factor``."""
    scale = Decimal(factor.numerator) / Decimal(factor.denominator)
    moving = {"coin": set(unit.symbols), "asset": set(), "symbol": {"BTCUSDT"}}[question]
    moved = {s: p * scale if s in moving else Decimal(p) for s, p in marks.items()}
    coin = INDEXES["BTC"] * (scale if question != "symbol" else Decimal(1))
    return moved, {"USDT": Decimal(1), "BTC": coin}


def _gap(
    account: PortfolioAccount,
    unit: RiskUnit,
    marks: dict[str, int],
    factor: Fraction,
    question: Question = "coin",
) -> Decimal:
    """``E − MM`` at the prices of ``question`` scaled by ``factor`` (the brute force)."""
    moved, prices = _moved(question, unit, marks, factor)
    figures = account_figures(account, mark_prices=moved, index_prices=prices, units=[unit])
    return figures.equity - figures.maintenance_margin


def _switches(
    unit: RiskUnit, marks: dict[str, int], sizes: dict[str, int], spot: int, question: Question
) -> list[Fraction]:
    """The unit's switch points in ``u``, from the rule's own formula (not the walk's)."""

    def line(f: Fraction) -> tuple[Fraction, Fraction]:
        moved, prices = _moved(question, unit, marks, f)
        coin = Fraction(prices["BTC"])
        exposure = sum(Fraction(moved[s]) * q for s, q in sizes.items()) + spot * coin
        return exposure, sum(abs(q) for q in sizes.values()) * coin

    (x1, g1), (x2, g2) = line(Fraction(1)), line(Fraction(2))
    down = max(Fraction(0), -min(Fraction(m) for m in unit.moves))
    up = max(Fraction(0), *(Fraction(m) for m in unit.moves))
    spread = Fraction(unit.contingency_rate) - Fraction(unit.minimum_rate)
    points = []
    for k, c in ((1, 0), (down, spread), (-up, spread)):
        a = k * (x2 - x1) + c * (g2 - g1)
        b = k * (2 * x1 - x2) + c * (2 * g1 - g2)
        points.extend([-b / a] if a else [])
    return [p + d for p in points if p > 0 for d in (Fraction(-1, 10**6), 0, Fraction(1, 10**6))]


class TestUnderlyingLiquidation:
    """rule-portfolio-margin-units: the coin's price at E = θ·Σ MM_unit, exact segment walk."""

    def test_worked_example(self) -> None:
        """The docstring's example: 2,000 + (P − 50,000) = 0.16·P."""
        # 2,000 + (P − 50,000) = 0.16·P.
        price = _coin_price(_account(2_000, _long()))
        assert price is not None
        assert price == Decimal("57142.857142857142857142857142857142857142857142857")
        assert abs(Fraction(price) - Fraction(48_000) / Fraction("0.84")) < Fraction(1, 10**40)

    @given(
        longs=st.integers(0, 5),
        shorts=st.integers(0, 5),
        spot=st.integers(-3, 3),
        wallet=st.integers(-20_000, 200_000),
        moves=st.sampled_from([("-0.15", "0.15"), ("-0.12", "0", "0.08"), ("0.1",), ("-0.2",)]),
        rates=st.tuples(*(st.sampled_from(["0", "0.01", "0.03"]) for _ in range(2))),
        question=st.sampled_from(["coin", "asset", "symbol"]),
    )
    def test_against_a_brute_force_scan(
        self,
        *,
        longs: int,
        shorts: int,
        spot: int,
        wallet: int,
        moves: tuple[str, ...],
        rates: tuple[str, str],
        question: Question,
    ) -> None:
        """The walk's price is a root; no scanned point between it and now is liquidated.

        The scan is a grid of factors from 1/64 to 4 plus the unit's switch points (where
        the exposure crosses 0 and where the minimum charge takes over) and their
        neighbours.
        """
        assume(longs or question != "symbol")
        held = [_long(longs)] if longs else []
        if shorts:
            held.append(
                Position(
                    contract=BTCFUT, side="short", size=shorts, entry_price=58_000, leverage=10
                )
            )
        account = _account(wallet, *held, btc=spot)
        sizes = {"BTCUSDT": longs, "BTCUSDT-FUT": -shorts}
        sizes = {p.contract.symbol: sizes[p.contract.symbol] for p in held}
        unit = RiskUnit(
            underlying="BTC",
            symbols=list(sizes),
            moves=moves,
            spot=True,
            contingency_rate=rates[0],
            minimum_rate=rates[1],
        )
        marks = {"BTCUSDT": 60_000, "BTCUSDT-FUT": 61_000}
        marks = {s: marks[s] for s in sizes}
        scan = [Fraction(k, 64) for k in range(1, 64 * 4)]
        scan += _switches(unit, marks, sizes, spot, question)
        asks: dict[str, Callable[[], Decimal | None]] = {
            "coin": lambda: _coin_price(account, unit, marks=marks),
            "asset": lambda: asset_liquidation_price(
                account, "BTC", units=[unit], **_ASKED, mark_prices=marks
            ),
            "symbol": lambda: symbol_liquidation_price(
                account, "BTCUSDT", units=[unit], **_ASKED, mark_prices=marks
            ),
        }
        try:
            price = asks[question]()
        except AlreadyLiquidatedError:
            assert _gap(account, unit, marks, Fraction(1), question) <= 0
            return
        except AlwaysLiquidatedError:
            assert all(_gap(account, unit, marks, u, question) <= 0 for u in scan)
            return
        assert _gap(account, unit, marks, Fraction(1), question) > 0
        if price is None:
            assert all(_gap(account, unit, marks, u, question) > 0 for u in scan)
            return
        start = marks["BTCUSDT"] if question == "symbol" else INDEXES["BTC"]
        root = Fraction(price) / start
        assert abs(_gap(account, unit, marks, root, question)) < Decimal("1e-15")
        low, high = sorted((root, Fraction(1)))
        inside = [u for u in scan if low < u < high]
        assume(inside)
        assert all(_gap(account, unit, marks, u, question) > 0 for u in inside)

    def test_already_and_always_liquidated(self) -> None:
        """The two error outcomes of the conventions."""
        with pytest.raises(AlreadyLiquidatedError) as crossed:
            _coin_price(_account(-10_000, _long()))
        assert crossed.value.price is not None
        # Spot against a short: E = −60,000 + 60,000 − 0.05·P, MM = 0.01·P, never above.
        short = Position(contract=BTCUSDT, side="short", size=1, entry_price=60_000, leverage=10)
        hedge = RiskUnit(
            underlying="BTC",
            symbols=["BTCUSDT"],
            moves=["-0.1", "0.1"],
            spot=True,
            contingency_rate="0.01",
        )
        with pytest.raises(AlwaysLiquidatedError):
            _coin_price(_account(-60_000, short, btc=1), hedge)

    def test_hedged_unit_loses_through_the_haircut(self) -> None:
        """A hedged unit (X = 0) is liquidated by the spot haircut alone."""
        # Spot and short cancel (X = 0, MM = 0), but the BTC counts at 95 %: equity
        # 1,000 + (60,000 − P) + 0.95·P reaches 0 at P = 1,220,000.
        short = Position(contract=BTCUSDT, side="short", size=1, entry_price=60_000, leverage=10)
        unit = RiskUnit(underlying="BTC", symbols=["BTCUSDT"], moves=["-0.1", "0.1"], spot=True)
        price = _coin_price(_account(1_000, short, btc=1), unit)
        assert price == Decimal(1_220_000)

    def test_no_price_liquidates(self) -> None:
        """None when equity stays above the requirement at every price."""
        # E = 60,000 + (P − 50,000) against MM = 0.16·P: never equal for P > 0.
        price = _coin_price(_account(60_000, _long()))
        assert price is None


class TestOtherQuestionsWithUnits:
    """rule-portfolio-margin-units: the symbol, asset and uniform-move questions take units."""

    def test_symbol_asset_and_move(self) -> None:
        """The symbol, asset and uniform-move answers each make E = MM."""
        eth = Position(contract=ETHUSDT, side="long", size=10, entry_price=3_000, leverage=10)
        unit = RiskUnit(underlying="BTC", symbols=["BTCUSDT"], moves=["-0.15", "0.15"], spot=True)
        account = _account(40_000, _long(), eth, btc="-0.5")
        marks = {"BTCUSDT": 60_000, "ETHUSDT": 3_000}
        asked: dict[str, Any] = {
            "mark_prices": marks,
            "index_prices": INDEXES,
            "liquidation_level": 1,
        }
        by_symbol = symbol_liquidation_price(account, "BTCUSDT", units=[unit], **asked)
        by_asset = asset_liquidation_price(account, "BTC", units=[unit], **asked)
        move = liquidation_move(account, moving_assets=["BTC"], units=[unit], **asked)
        assert by_symbol is not None
        assert by_asset is not None
        assert move is not None
        cases: list[tuple[dict[str, Any], dict[str, Any]]] = [
            ({**marks, "BTCUSDT": by_symbol}, INDEXES),
            (marks, {**INDEXES, "BTC": by_asset}),
            (
                {s: p * (1 + move) for s, p in marks.items()},
                {"USDT": 1, "BTC": 60_000 * (1 + move)},
            ),
        ]
        for moved, prices in cases:
            figures = account_figures(account, mark_prices=moved, index_prices=prices, units=[unit])
            assert abs(figures.equity - figures.maintenance_margin) < Decimal("1e-15")

    def test_uniform_move_moves_a_bookless_coin(self) -> None:
        """A unit's coin without a book moves with the marks."""
        move = liquidation_move(
            _account(2_000, _long()),
            mark_prices={"BTCUSDT": 60_000},
            index_prices=INDEXES,
            moving_assets=[],
            liquidation_level=1,
            units=[BYBIT_UNIT],
        )
        assert move is not None
        reached = 60_000 * (1 + Fraction(move))
        assert abs(reached - Fraction(48_000) / Fraction("0.84")) < Fraction(1, 10**40)
