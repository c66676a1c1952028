"""Tests for levrisk.brackets: tiered maintenance margin (rule-brackets)."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from levrisk.brackets import Bracket, BracketTable
from levrisk.exceptions import BracketError, InvalidInputError, LeverageError, LevriskWarning
from strategies import bracket_tables, decimals

BTCUSDT_2021 = BracketTable.from_rates(
    caps=[50_000, 250_000, 1_000_000, 10_000_000],
    maintenance_rates=["0.004", "0.005", "0.01", "0.025"],
    max_leverages=[125, 100, 50, 20],
)
"""rule-brackets: Binance BTCUSDT 2021–2023, first four tiers."""


def _progressive(table: BracketTable, notional: Decimal) -> Decimal:
    """Tax-bracket sum: each slice of notional at its own rate."""
    return sum(
        (
            max(Decimal(0), min(notional, b.cap) - b.floor) * b.maintenance_rate
            for b in table.brackets
        ),
        Decimal(0),
    )


class TestPublishedExamples:
    """rule-brackets [published]: the four worked examples, exactly."""

    def test_btcusdt_amount_at_500k(self) -> None:
        """'A 500,000 USDT position has maintenance amount 1,300' = 250,000 × (1% − 0.5%) + 50."""
        bracket = BTCUSDT_2021.bracket_for(500_000)
        assert bracket.maintenance_amount == Decimal(1300)
        assert bracket.maintenance_amount == Decimal(250_000) * (
            Decimal("0.01") - Decimal("0.005")
        ) + Decimal(50)
        assert [b.maintenance_amount for b in BTCUSDT_2021.brackets] == [0, 50, 1300, 16300]

    def test_coinm_level5_amount(self) -> None:
        """'Level 5 = 50 BTC × (5% − 2.5%) + 0.56 BTC = 1.81 BTC' (the recursion's step)."""
        table = BracketTable.from_rates(
            caps=[28, 50, 100],
            maintenance_rates=["0.005", "0.025", "0.05"],
            max_leverages=[125, 20, 10],
        )
        assert table.brackets[1].maintenance_amount == Decimal("0.56")
        assert table.brackets[2].maintenance_amount == Decimal("1.81")

    def test_coinm_maintenance(self) -> None:
        """100 BTCUSD contracts (CS 100) at mark 25,000: notional 0.4 BTC, MM 0.0016 BTC."""
        table = BracketTable.from_rates(
            caps=[5, 10], maintenance_rates=["0.004", "0.005"], max_leverages=[125, 100]
        )
        notional = Decimal(100) * Decimal(100) / Decimal(25_000)
        assert notional == Decimal("0.4")
        assert table.maintenance_margin(notional) == Decimal("0.0016")

    def test_tiered_sum(self) -> None:
        """Notional 3,500 over 1,000-wide tiers at 2/2.5/3/3.5/4%: MM = 3,500 × 3.5% − 30 = 92.5."""
        table = BracketTable.from_rates(
            caps=[1000, 2000, 3000, 4000, 5000],
            maintenance_rates=["0.02", "0.025", "0.03", "0.035", "0.04"],
            max_leverages=[50, 40, 30, 25, 20],
        )
        assert table.bracket_for(3500).maintenance_amount == Decimal(30)
        assert table.maintenance_margin(3500) == Decimal("92.5")
        assert _progressive(table, Decimal(3500)) == Decimal("92.5")


class TestBracketFor:
    """Floor exclusive, cap inclusive, notional 0 in the first bracket (rule-brackets)."""

    @pytest.mark.parametrize(
        ("notional", "index"),
        [
            (0, 0),
            ("0.01", 0),
            (50_000, 0),
            ("50000.000001", 1),
            (250_000, 1),
            (1_000_000, 2),
            (10_000_000, 3),
        ],
        ids=["zero", "tiny", "first-cap", "just-above", "second-cap", "third-cap", "top-cap"],
    )
    def test_edges(self, notional: str | int, index: int) -> None:
        """Each notional lands in the bracket that holds it."""
        assert BTCUSDT_2021.bracket_for(notional) is BTCUSDT_2021.brackets[index]

    def test_above_top_cap(self) -> None:
        """A notional above the highest cap is an error, not an extrapolation."""
        with pytest.raises(
            BracketError, match=r"^notional must not exceed the table's highest cap"
        ):
            BTCUSDT_2021.bracket_for("10000000.01")

    @pytest.mark.parametrize("notional", ["-1", "x", None, True])
    def test_bad_notional(self, notional: object) -> None:
        """Negative or non-number notionals are rejected, naming the argument."""
        with pytest.raises(InvalidInputError, match=r"^notional must"):
            BTCUSDT_2021.maintenance_margin(notional)  # type: ignore[arg-type]

    def test_contains(self) -> None:
        """Bracket.contains is floor < notional <= cap."""
        first, second = BTCUSDT_2021.brackets[:2]
        assert first.contains(Decimal(50_000))
        assert not second.contains(Decimal(50_000))
        assert not first.contains(Decimal(0))


class TestLeverage:
    """max_leverage(notional) and max_notional(L) (rule-brackets)."""

    @pytest.mark.parametrize(
        ("notional", "expected"), [(0, 125), (50_000, 125), (60_000, 100), (5_000_000, 20)]
    )
    def test_max_leverage(self, notional: int, expected: int) -> None:
        """The bracket caps leverage."""
        assert BTCUSDT_2021.max_leverage(notional) == expected

    @pytest.mark.parametrize(
        ("leverage", "expected"),
        [
            (125, 50_000),
            (101, 50_000),
            (100, 250_000),
            ("50.5", 250_000),
            (50, 1_000_000),
            (20, 10_000_000),
            (1, 10_000_000),
        ],
    )
    def test_max_notional(self, leverage: int | str, expected: int) -> None:
        """max_notional(L) is the cap of the highest bracket whose max leverage >= L."""
        assert BTCUSDT_2021.max_notional(leverage) == expected

    @pytest.mark.parametrize("leverage", [0, "0.5", 126, "x"])
    def test_max_notional_out_of_range(self, leverage: int | str) -> None:
        """Leverage below 1 or above the first bracket's max is rejected."""
        with pytest.raises(InvalidInputError, match="leverage"):
            BTCUSDT_2021.max_notional(leverage)

    def test_leverage_error_type(self) -> None:
        """Out-of-range leverage raises LeverageError specifically."""
        with pytest.raises(LeverageError):
            BTCUSDT_2021.max_notional(200)

    @given(bracket_tables(), st.integers(min_value=1, max_value=125))
    def test_max_notional_is_consistent(self, table: BracketTable, leverage: int) -> None:
        """At max_notional(L) leverage L is allowed; just above it, it is not."""
        if leverage > table.brackets[0].max_leverage:
            return
        top = table.max_notional(leverage)
        assert table.max_leverage(top) >= leverage
        if top < table.max_cap:
            assert table.max_leverage(top + Decimal("0.01")) < leverage


class TestProperties:
    """Invariants of rule-brackets for random valid tables."""

    @given(bracket_tables())
    def test_continuous_at_every_edge(self, table: BracketTable) -> None:
        """MM is the same at a cap whether computed with the lower or the upper bracket."""
        for lower, upper in zip(table.brackets, table.brackets[1:], strict=False):
            assert lower.maintenance_margin(lower.cap) == upper.maintenance_margin(lower.cap)

    @given(bracket_tables(), st.data())
    def test_progressive_sum(self, table: BracketTable, data: st.DataObject) -> None:
        """MM equals the tax-bracket sum of each slice at its own rate, for any notional."""
        notional = data.draw(decimals(0, table.max_cap, places=2))
        assert table.maintenance_margin(notional) == _progressive(table, notional)

    @given(bracket_tables(), st.data())
    def test_monotone(self, table: BracketTable, data: st.DataObject) -> None:
        """MM never decreases as notional grows."""
        a = data.draw(decimals(0, table.max_cap, places=2))
        b = data.draw(decimals(0, table.max_cap, places=2))
        low, high = min(a, b), max(a, b)
        assert table.maintenance_margin(low) <= table.maintenance_margin(high)


def _bracket(**changes: object) -> Bracket:
    fields: dict[str, object] = {
        "floor": 0,
        "cap": 100,
        "max_leverage": 10,
        "maintenance_rate": "0.01",
    }
    fields.update(changes)
    return Bracket(**fields)  # type: ignore[arg-type]


class TestValidation:
    """Malformed brackets and tables raise BracketError / InvalidInputError naming the field."""

    @pytest.mark.parametrize(
        ("changes", "match"),
        [
            ({"floor": -1}, "^floor must not be negative"),
            ({"cap": 0}, "^cap must be positive"),
            ({"cap": 0, "floor": 0}, "^cap must be positive"),
            ({"floor": 100}, "^cap must be above floor"),
            ({"max_leverage": "0.5"}, "^max_leverage must be at least 1"),
            ({"max_leverage": 0}, "^max_leverage must be positive"),
            ({"max_leverage": "abc"}, "^max_leverage must be a finite number"),
            ({"maintenance_rate": "x"}, "^maintenance_rate must be a finite number"),
            ({"initial_rate": "x"}, "^initial_rate must be a finite number"),
            ({"maintenance_rate": 0}, "^maintenance_rate must be positive"),
            ({"maintenance_rate": 1}, r"^maintenance_rate must be a rate in \(0, 1\)"),
            ({"maintenance_amount": "x"}, "^maintenance_amount must be a finite number"),
            ({"initial_rate": "1.5"}, r"^initial_rate must be a rate in \(0, 1\]"),
            ({"initial_rate": 0}, "^initial_rate must be positive"),
            ({"cap": "abc"}, "^cap must be a finite number, got 'abc'"),
            ({"floor": float("nan")}, "^floor must be a finite number, got nan"),
        ],
        ids=[
            "neg-floor",
            "zero-cap",
            "zero-both",
            "cap<=floor",
            "lev<1",
            "lev0",
            "lev-nan",
            "rate-nan",
            "initial-nan",
            "rate0",
            "rate1",
            "bad-amount",
            "initial>1",
            "initial0",
            "cap-str",
            "floor-nan",
        ],
    )
    def test_bracket_fields(self, changes: dict[str, object], match: str) -> None:
        """Each field is validated."""
        with pytest.raises(InvalidInputError, match=match):
            _bracket(**changes)

    def test_initial_rate_of_one(self) -> None:
        """An initial rate of exactly 1 (1x only) is allowed: the range is (0, 1]."""
        assert _bracket(initial_rate=1).initial_rate == 1

    def test_negative_floor_message(self) -> None:
        """A negative floor names the field."""
        with pytest.raises(
            InvalidInputError, match=r"^floor must not be negative, got Decimal\('-5'\)"
        ):
            _bracket(floor=-5)

    def test_evolve_validates(self) -> None:
        """attrs.evolve cannot bypass the validators."""
        with pytest.raises(BracketError):
            attrs.evolve(_bracket(), maintenance_rate=2)

    @pytest.mark.parametrize(
        ("brackets", "match"),
        [
            ([], r"^brackets must hold at least one bracket"),
            (["x"], r"^brackets\[0\] must be a Bracket"),
            ([_bracket(floor=10)], r"^brackets\[0\]\.floor must be 0"),
            ([_bracket(), _bracket(floor=110, cap=200)], r"^brackets\[1\]\.floor .*\(a gap\)"),
            ([_bracket(), _bracket(floor=90, cap=200)], r"^brackets\[1\]\.floor .*\(an overlap\)"),
            (
                [_bracket(), _bracket(floor=100, cap=200, max_leverage=20)],
                r"^brackets\[1\]\.max_leverage must not exceed",
            ),
            (
                [_bracket(), _bracket(floor=100, cap=200, maintenance_rate="0.02")],
                r"^brackets\[1\]\.maintenance_amount must be Decimal\('1\.00'\)",
            ),
            ([_bracket(maintenance_amount=1)], r"^brackets\[0\]\.maintenance_amount must be"),
        ],
        ids=["empty", "not-bracket", "floor", "gap", "overlap", "leverage", "amount", "first"],
    )
    def test_table(self, brackets: list[Bracket], match: str) -> None:
        """Empty tables, gaps, overlaps, rising leverage and (marginal) broken recursions fail."""
        with pytest.raises(BracketError, match=match):
            BracketTable(brackets=brackets, maintenance="marginal")

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"caps": None}, r"^caps must be a sequence, got None"),
            ({"maintenance_rates": "0.1"}, r"^maintenance_rates must be a sequence"),
            ({"initial_rates": {"a": 1}}, r"^initial_rates must be a sequence"),
            ({"maintenance_amounts": 5}, r"^maintenance_amounts must be a sequence"),
        ],
        ids=["none", "string", "mapping", "number"],
    )
    def test_from_rates_columns_are_sequences(self, kwargs: dict[str, object], match: str) -> None:
        """Each column must be a sequence; the error names it."""
        columns: dict[str, object] = {
            "caps": [1],
            "maintenance_rates": ["0.1"],
            "max_leverages": [2],
        }
        columns.update(kwargs)
        with pytest.raises(BracketError, match=match):
            BracketTable.from_rates(**columns)  # type: ignore[arg-type]

    def test_brackets_must_be_a_sequence(self) -> None:
        """BracketTable(brackets=...) rejects non-sequences."""
        with pytest.raises(BracketError, match=r"^brackets must be a sequence, got 'abc'"):
            BracketTable(brackets="abc")  # type: ignore[arg-type]

    def test_from_rates_lengths(self) -> None:
        """Columns must match caps in length."""
        with pytest.raises(BracketError, match=r"^max_leverages must have 2 entries"):
            BracketTable.from_rates(
                caps=[1, 2], maintenance_rates=["0.1", "0.2"], max_leverages=[1]
            )

    def test_from_rates_bad_number(self) -> None:
        """A bad entry is named with its index."""
        with pytest.raises(InvalidInputError, match=r"^maintenance_rates\[1\] must be a finite"):
            BracketTable.from_rates(
                caps=[1, 2], maintenance_rates=["0.1", "x"], max_leverages=[2, 1]
            )

    def test_from_rates_given_amounts_agree(self) -> None:
        """Published amounts equal to the recursion are accepted."""
        table = BracketTable.from_rates(
            caps=[50_000, 250_000],
            maintenance_rates=["0.004", "0.005"],
            max_leverages=[125, 100],
            maintenance_amounts=["0", "50"],
            initial_rates=["0.008", "0.01"],
        )
        assert table.brackets[1].maintenance_amount == 50
        assert table.brackets[1].initial_rate == Decimal("0.01")

    def test_from_rates_mismatch_raises(self) -> None:
        """On request (on_mismatch='raise') a published amount off the recursion raises."""
        with pytest.raises(BracketError, match=r"^maintenance_amounts\[1\] must be"):
            BracketTable.from_rates(
                caps=[50_000, 250_000],
                maintenance_rates=["0.004", "0.005"],
                max_leverages=[125, 100],
                maintenance_amounts=[0, "50.01"],
                on_mismatch="raise",
            )

    def test_from_rates_mismatch_warns(self) -> None:
        """With on_mismatch='warn' it warns and keeps the derived amount."""
        with pytest.warns(LevriskWarning, match="using the derived amount"):
            table = BracketTable.from_rates(
                caps=[50_000, 250_000],
                maintenance_rates=["0.004", "0.005"],
                max_leverages=[125, 100],
                maintenance_amounts=[0, "50.01"],
                on_mismatch="warn",
            )
        assert table.brackets[1].maintenance_amount == 50

    def test_from_rates_bad_on_mismatch(self) -> None:
        """on_mismatch takes only 'raise' or 'warn'."""
        with pytest.raises(BracketError, match=r"^on_mismatch must be"):
            BracketTable.from_rates(
                caps=[1],
                maintenance_rates=["0.1"],
                max_leverages=[1],
                on_mismatch="ignore",  # type: ignore[arg-type]
            )

    def test_frozen_and_hashable(self) -> None:
        """Tables are immutable values."""
        again = BracketTable(brackets=list(BTCUSDT_2021.brackets), maintenance="marginal")
        assert again == BTCUSDT_2021
        assert hash(again) == hash(BTCUSDT_2021)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            BTCUSDT_2021.brackets = ()  # type: ignore[misc]
