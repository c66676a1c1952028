"""The fuzz contract, hostile-input classes (issue 14; DESIGN.md principle 3).

Every public callable the contract of ``test_contract.py`` drives is driven again with
the input classes issue 14 found escaping: subclasses of the number types (a ``Decimal``
whose comparisons lie, a ``str`` whose ``strip()`` returns a non-string), magnitudes
beyond the documented bounds (``"9E+999999999999999999"``, a 10,000-digit ``int``),
NumPy strings and arrays where an option string is expected, price maps whose keys mix
types, datetimes sharing a non-UTC zone across a clock change, under a caller's decimal
context of three digits that must neither change a result nor get a flag. Only
:class:`~levrisk.exceptions.LevriskError` may escape, and each call answers promptly.

Ordinary runs draw a few calls per entry point; ``HYPOTHESIS_PROFILE=fuzz`` (registered
in ``conftest.py``) draws 700 per entry point, over 10⁵ calls in all.
"""

from __future__ import annotations

import decimal
import os
import reprlib
import time
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import test_contract
from levrisk import futures, margin, portfolio, risk
from levrisk.exceptions import InvalidInputError, LevriskError
from levrisk.exchanges import bybit
from levrisk.exchanges.binance import BTCUSDT_CONTRACT
from levrisk.interest import RateSchedule

FUZZ = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
"""The slow profile is loaded: draw the profile's examples, not the quick run's few."""

EXAMPLES = settings().max_examples if FUZZ else 8
SLOW = 2.0
"""CPU seconds one call may take (the bound is 1 s; CPU time, so a busy machine's waits
do not count)."""

NEW_YORK = ZoneInfo("America/New_York")
_LOW = datetime.min.replace(tzinfo=timezone.utc)
_LATER = datetime(2024, 1, 1, tzinfo=timezone.utc)


class _LyingDecimal(Decimal):
    """A Decimal subclass whose comparisons always say "yes"."""

    def __lt__(self, other: object) -> bool:
        return True

    def __le__(self, other: object) -> bool:
        return True

    def __gt__(self, other: object) -> bool:
        return True

    def __ge__(self, other: object) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = Decimal.__hash__


class _OddInt(int):
    """An int subclass that lies about its sign."""

    def __lt__(self, other: object) -> bool:
        return False


class _OddFloat(float):
    """A float subclass with a non-numeric repr."""

    def __repr__(self) -> str:
        return "not a number"


class _OddStr(str):
    """A str subclass whose strip() returns a non-string and that equals anything."""

    __slots__ = ()

    def strip(self, chars: str | None = None) -> Any:  # noqa: ARG002 - str.strip's signature
        return 5

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = str.__hash__


HOSTILE: list[object] = [
    _LyingDecimal("-5"),
    _LyingDecimal("60000"),
    _OddInt(-3),
    _OddInt(20),
    _OddFloat(0.5),
    _OddStr(" 1.5 "),
    _OddStr("long"),
    _OddStr("BTC"),
    "9E+999999999999999999",
    "-9E+999999999999999999",
    "1E-999999999999999999",
    Decimal("9E+999999999999999999"),
    "1E+10000",
    "1." + "1" * 2001,
    10**4000,
    np.str_("long"),
    np.str_("BTCUSDT"),
    np.array(["long"]),
    np.array("short"),
    np.array(1.5),
    np.array([60000.0, 1.0]),
    {"BTCUSDT": 60000, 1: 2},
    {"BTC": 30000, ("x",): 1},
    {"BTC": _LyingDecimal("-1")},
    datetime(2024, 11, 3, 1, 45, tzinfo=NEW_YORK),
    datetime(2024, 11, 3, 1, 15, fold=1, tzinfo=NEW_YORK),
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
    datetime.max.replace(tzinfo=timezone(timedelta(hours=-5))),
]

_short = reprlib.Repr()
_short.maxstring = 60
_short.maxother = 60
_short.maxlong = 60


def _shown(value: object) -> str:
    """A short repr that never fails (a 10,000-digit int cannot be printed in full)."""
    try:
        return _short.repr(value)
    except ValueError:  # pragma: no cover - only when a failure is being reported
        return f"<{type(value).__name__}>"


def test_hostile_pool_is_complete() -> None:
    """The hostile classes of issue 14 item 8 are all in the pool (none dropped silently)."""
    kinds = {type(value) for value in HOSTILE}
    assert {_LyingDecimal, _OddInt, _OddFloat, _OddStr, np.str_, np.ndarray, dict} <= kinds
    assert len(test_contract.CALLABLES) > 150


@pytest.mark.parametrize(
    ("name", "func"), test_contract.CALLABLES, ids=[n for n, _ in test_contract.CALLABLES]
)
@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_inputs(name: str, func: Callable[..., object], data: st.DataObject) -> None:
    """rule-rounding: hostile input gives a result or a LevriskError, promptly, context-free."""
    pool = st.sampled_from([*HOSTILE, *HOSTILE, *test_contract.PLAUSIBLE, *test_contract._EXAMPLES])
    args: list[object] = []
    kwargs: dict[str, Any] = {}
    for param in test_contract._parameters(func):
        if param.kind in {param.VAR_POSITIONAL, param.VAR_KEYWORD}:
            continue
        if param.default is not param.empty and data.draw(st.booleans(), label=param.name):
            continue
        value = data.draw(pool, label=param.name)
        if param.kind is param.KEYWORD_ONLY:
            kwargs[param.name] = value
        else:
            args.append(value)
    narrow = data.draw(st.booleans(), label="caller's prec=3 context")
    with warnings.catch_warnings(), decimal.localcontext() as context:
        warnings.simplefilter("ignore")
        if narrow:
            context.prec = 3
            context.traps[decimal.Inexact] = True  # any rounding in the caller's context fails
        context.clear_flags()
        start = time.process_time()
        try:
            func(*args, **kwargs)
        except LevriskError:
            pass
        except Exception as error:  # noqa: BLE001 - the point: report anything else
            shown = ", ".join(_shown(a) for a in [*args, *kwargs.values()])
            pytest.fail(f"{name}({shown}) raised {error!r}")
        elapsed = time.process_time() - start
        flags = [signal.__name__ for signal, raised in context.flags.items() if raised]
    assert elapsed < SLOW, f"{name} took {elapsed:.2f} s"
    assert not flags, f"{name} set {flags} in the caller's context"


class TestFormerEscapes:
    """The escapes this contract once tolerated, each now a documented error (issue 14)."""

    @pytest.mark.parametrize(
        "build",
        [
            lambda a: portfolio.AssetBook(asset="USDT", positions=a),
            lambda a: portfolio.Collateral(asset="BTC", tiers=a),
            lambda a: portfolio.PortfolioAccount(books=a, collaterals=[]),
            lambda a: portfolio.PortfolioAccount(books=[], collaterals=a),
            lambda a: futures.CrossAccount(wallet_balance=1, positions=a),
        ],
        ids=["AssetBook", "Collateral", "PortfolioAccount.books", "collaterals", "CrossAccount"],
    )
    def test_zero_d_array_collections(self, build: Callable[[object], object]) -> None:
        """A 0-d array where a collection is meant: InvalidInputError (the one check)."""
        with pytest.raises(InvalidInputError, match="must be an iterable"):
            build(np.array(1))

    @pytest.mark.parametrize("keyword", ["prices", "hours"])
    def test_zero_d_array_margin_scenarios(self, keyword: str) -> None:
        """risk.margin_scenarios refuses a 0-d array grid with InvalidInputError."""
        trade = margin.open_short(
            3000,
            leverage=3,
            price=60_000,
            opened_at=datetime(2024, 5, 1, tzinfo=timezone.utc),
            base="BTC",
            quote="USDT",
        )
        grid: dict[str, Any] = {"prices": [60_000], keyword: np.array(1)}
        with pytest.raises(InvalidInputError, match=f"^{keyword} must be a non-empty sequence"):
            risk.margin_scenarios(trade, **grid)

    def test_zero_d_array_futures_scenarios(self) -> None:
        """risk.futures_scenarios refuses a 0-d array of prices with InvalidInputError."""
        position = futures.Position(
            contract=BTCUSDT_CONTRACT, side="long", size=1, entry_price=100, leverage=1
        )
        with pytest.raises(InvalidInputError, match=r"^prices must be a non-empty sequence"):
            risk.futures_scenarios(position, margin=100, prices=np.array(1))

    @pytest.mark.parametrize(
        ("borrowed_at", "until", "name"),
        [
            (_LOW + timedelta(minutes=1), _LOW + timedelta(hours=2), "borrowed_at"),
            (_LATER, _LOW + timedelta(minutes=4), "until"),
        ],
        ids=["borrowed_at", "until"],
    )
    def test_uta_interest_near_datetime_min(
        self, borrowed_at: datetime, until: datetime, name: str
    ) -> None:
        """bybit.uta_interest near datetime.min: InvalidInputError naming the argument."""
        with pytest.raises(InvalidInputError, match=f"^{name} must be at least"):
            bybit.uta_interest(1, 0, borrowed_at, until)

    def test_uta_interest_schedule_near_datetime_min(self) -> None:
        """A rate change within five minutes of datetime.min: InvalidInputError naming it."""
        schedule = RateSchedule.from_pairs([(_LOW, "0.00001")])
        with pytest.raises(InvalidInputError, match=r"^schedule.changes\[0\].since must be"):
            bybit.uta_interest(1, schedule, _LATER, _LATER + timedelta(hours=1))

    def test_risk_limits_units_array(self) -> None:
        """An array as units: the documented option error, not NumPy's ValueError."""
        units: Any = np.array(["auto", "percent"])
        with pytest.raises(InvalidInputError, match=r"^units must be one of"):
            bybit.risk_limits_from_payload([], units=units)
