"""The fuzz contract over the whole public API (DESIGN.md principle 3; issue: hardening).

Every public callable named in a module's ``__all__`` is driven with arguments drawn from
what its signature admits and from many values it does not (huge and tiny exponents,
negative zero, subnormal floats, padded and unicode-digit strings, NaN payloads, bools,
None, containers). Only documented :class:`~levrisk.exceptions.LevriskError` subclasses
may escape; a returned value (or ``None``) is fine. ``ZeroDivisionError``,
``decimal.InvalidOperation``, ``OverflowError``, ``TypeError``, ``AttributeError`` and the
like from inside are failures.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import os
import pkgutil
import types
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import levrisk
from levrisk.exceptions import LevriskError

JUNK: list[object] = [
    None,
    True,
    False,
    0,
    -1,
    10**30,
    1e30,
    -0.0,
    5e-324,
    float("nan"),
    float("inf"),
    Decimal("1e-40"),
    Decimal("1e30"),
    Decimal("-0"),
    Decimal("NaN"),
    Decimal("NaN123"),
    Decimal("sNaN"),
    Decimal("-Infinity"),
    Decimal("1e999999"),
    Decimal("1e-999999"),
    " 1.5 ",
    "١٢٣",
    "abc",
    "",
    "1e400",
    [],
    [1, 2],
    {},
    {"BTC": "x"},
    (),
    object(),
    b"1",
    1j,
    datetime(2024, 1, 1, 12, 0),  # noqa: DTZ001 - naive on purpose: it must be rejected
    datetime(2024, 1, 1, 12, 0, tzinfo=timezone.utc),
    timedelta(hours=1),
    np.float64(0.1),
    np.float64("nan"),
    np.int64(3),
    np.array([1.0]),
]

PLAUSIBLE: list[object] = [
    Decimal("0.004"),
    Decimal(1),
    Decimal(3),
    Decimal(10),
    Decimal(125),
    Decimal(60000),
    "0.1",
    "50000",
    0.5,
    2,
    20,
    "BTC",
    "USDT",
    "BTCUSDT",
    "long",
    "short",
    "linear",
    "inverse",
    "down",
    "half_up",
    datetime(2024, 1, 1, 13, 55, tzinfo=timezone.utc),
    datetime(2024, 1, 1, 14, 30, tzinfo=timezone.utc),
]


def _examples() -> list[object]:
    """Valid domain objects to mix in, so calls get past the first validation."""
    from levrisk.brackets import BracketTable  # noqa: PLC0415 - built lazily, once

    table = BracketTable.from_rates(
        caps=[50_000, 250_000, 1_000_000],
        maintenance_rates=["0.004", "0.005", "0.01"],
        max_leverages=[125, 100, 50],
    )
    from levrisk.interest import RateSchedule  # noqa: PLC0415

    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    schedule = RateSchedule.from_pairs(
        [(start, "0.00001"), (start + timedelta(hours=5), "0.00002")]
    )
    return [
        table,
        table.brackets[0],
        table.brackets[-1],
        schedule,
        RateSchedule.constant("0.0001"),
        *_margin_examples(),
        *_futures_examples(table),
        *_exchanges_examples(),
        *_risk_examples(table),
    ]


def _exchanges_examples() -> list[object]:
    """Parsed venue data: a snapshot, Bybit risk limits, an isolated tier row (exchanges)."""
    from levrisk.exchanges import binance, bybit  # noqa: PLC0415 - built lazily, once

    limits = bybit.risk_limits_from_payload(
        [
            {
                "symbol": "BTCUSDT",
                "riskLimitValue": "2000000",
                "maintenanceMargin": "0.005",
                "initialMargin": "0.01",
                "maxLeverage": "100",
            }
        ]
    )
    row = binance.isolated_margin_tiers_from_payload(
        [
            {
                "symbol": "BTCUSDT",
                "tier": 1,
                "effectiveMultiple": "10",
                "initialRiskRatio": "1.111",
                "liquidationRiskRatio": "1.05",
                "baseAssetMaxBorrowable": "9",
                "quoteAssetMaxBorrowable": "70000",
            }
        ]
    )[0]
    return [binance.BTCUSDT_SNAPSHOT, limits, row, binance.USDM_RULE, bybit.CLASSIC_RULE]


def _margin_examples() -> list[object]:
    """Spot-margin accounts, tiers and a trade (levrisk.margin)."""
    from levrisk import margin  # noqa: PLC0415 - built lazily, once

    iso = margin.IsolatedMarginAccount(
        base="BTC",
        quote="USDT",
        quote_balance=9000,
        loans=[margin.Loan(asset="BTC", principal="0.1", interest="0.0001")],
    )
    tiers = margin.IsolatedTierTable(
        tiers=[
            margin.IsolatedTier(
                tier=1,
                thresholds=margin.BINANCE_ISOLATED_10X_TIER1,
                base_borrow_limit=9,
                quote_borrow_limit=70_000,
            )
        ]
    )
    trade = margin.open_short(
        3000,
        leverage=3,
        price=60_000,
        opened_at=datetime(2024, 1, 1, 13, 55, tzinfo=timezone.utc),
        base="BTC",
        quote="USDT",
    )
    return [iso, iso.to_cross(), iso.loans[0], tiers, margin.BINANCE_CROSS_3X, trade]


def _futures_examples(table: Any) -> list[object]:
    """levrisk.futures: contracts, positions, rules and accounts (linear and inverse)."""
    from levrisk.futures import (  # noqa: PLC0415
        Contract,
        CrossAccount,
        FundingSchedule,
        LiquidationRule,
        OpenCost,
        Position,
    )

    btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
    inv = Contract(
        symbol="BTCUSD_PERP", kind="inverse", brackets=table, contract_size=100, margin_asset="BTC"
    )
    long = Position(contract=btc, side="long", size="0.5", entry_price=60_000, leverage=10)
    short = Position(contract=btc, side="short", size=1, entry_price=50_000, leverage=20)
    coin = Position(contract=inv, side="short", size=100, entry_price=25_000, leverage=5)
    return [
        btc,
        inv,
        long,
        short,
        coin,
        LiquidationRule(),
        LiquidationRule(maintenance_basis="entry", close_fee="bankruptcy", fee_rate="0.0006"),
        OpenCost(initial_margin=10, open_loss=1),
        CrossAccount(wallet_balance=1_000, positions=[long, short], position_mode="hedge"),
        CrossAccount(wallet_balance="0.5", positions=[coin]),
        FundingSchedule(interval=timedelta(hours=8), cap="0.003", floor="-0.003"),
    ]


def _risk_examples(table: Any) -> list[object]:
    """levrisk.risk: the objects its functions take (positions, trades, accounts) and return."""
    from levrisk.futures import Contract, CrossAccount, Position  # noqa: PLC0415
    from levrisk.margin import BINANCE_CROSS_3X, CrossMarginAccount, Loan, open_short  # noqa: PLC0415
    from levrisk.risk import (  # noqa: PLC0415
        asset_moves_to_liquidation,
        check_futures_stop,
        futures_liquidation_outcome,
        futures_scenarios,
        margin_scenarios,
        stress_futures_account,
        stress_margin_account,
    )

    btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
    position = Position(contract=btc, side="short", size="0.1", entry_price=60_000, leverage=10)
    trade = open_short(
        3000,
        leverage=3,
        price=60_000,
        thresholds=BINANCE_CROSS_3X,
        opened_at=datetime(2024, 1, 1, 13, 55, tzinfo=timezone.utc),
        base="BTC",
        quote="USDT",
    )
    account = CrossMarginAccount(
        balances={"BTC": 1, "ETH": 10}, loans=[Loan(asset="USDT", principal=40_000)]
    )
    prices = {"BTC": 30_000, "ETH": 2_000}
    return [
        btc,
        position,
        trade,
        account,
        prices,
        BINANCE_CROSS_3X,
        check_futures_stop(position, stop_price=63_000),
        futures_liquidation_outcome(position, liquidation_fee_rate="0.0125"),
        futures_scenarios(position, prices=[60_000])[0],
        margin_scenarios(trade, prices=[60_000], schedule=0)[0],
        stress_margin_account(account, prices=prices, shocks=["-0.1"], thresholds=BINANCE_CROSS_3X)[
            0
        ],
        asset_moves_to_liquidation(account, prices=prices, liquidation_level="1.1")[0],
        stress_futures_account(
            CrossAccount(wallet_balance=500, positions=[position]),
            mark_prices={"BTCUSDT": 60_000},
            shocks=["-0.1"],
        )[0],
    ]


def _public_modules() -> list[str]:
    names = ["levrisk"]
    names += [
        info.name
        for info in pkgutil.walk_packages(levrisk.__path__, "levrisk.")
        if not any(part.startswith("_") for part in info.name.split("."))
        and info.name not in {"levrisk.cli", "levrisk.batch"}  # tested on their own terms
        and not info.name.startswith("levrisk.batch.")
    ]
    return names


def _public_callables() -> list[tuple[str, Callable[..., object]]]:
    found: dict[int, tuple[str, Callable[..., object]]] = {}
    for module_name in _public_modules():
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isclass(obj) and issubclass(obj, BaseException):
                continue
            if callable(obj) and not _is_type_alias(obj):
                found.setdefault(id(obj), (f"{module_name}.{name}", obj))
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    if isinstance(member, (classmethod, staticmethod)):
                        found.setdefault(
                            id(member), (f"{module_name}.{name}.{attr}", getattr(obj, attr))
                        )
                    elif inspect.isfunction(member):
                        found.setdefault(
                            id(member), (f"{module_name}.{name}.{attr}", _Method(obj, attr))
                        )
    return sorted(found.values(), key=lambda item: item[0])


class _Method:
    """An instance method, called on each example instance of its class."""

    def __init__(self, cls: type, attr: str) -> None:
        self.cls, self.attr = cls, attr
        self.__signature__ = inspect.signature(getattr(cls, attr), follow_wrapped=True).replace(
            parameters=list(inspect.signature(getattr(cls, attr)).parameters.values())[1:]
        )

    def __call__(self, *args: object, **kwargs: object) -> None:
        instances = [e for e in _EXAMPLES if isinstance(e, self.cls)]
        assert instances, f"no example instance of {self.cls.__name__}: add one to _examples()"
        for instance in instances:
            with contextlib.suppress(LevriskError):
                getattr(instance, self.attr)(*args, **kwargs)


def _is_type_alias(obj: object) -> bool:
    if isinstance(obj, _Method):
        return False
    if isinstance(obj, types.GenericAlias):  # e.g. Mapping[str, NumberLike]
        return True
    return getattr(obj, "__module__", "") == "typing" or not hasattr(obj, "__name__")


def _parameters(func: Callable[..., object]) -> list[inspect.Parameter]:
    try:
        return list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):  # pragma: no cover - builtins without signatures
        return []


CALLABLES = _public_callables()


def test_contract_covers_the_api() -> None:
    """The fuzz contract sees every module's public callables (it cannot pass vacuously)."""
    names = {name for name, _ in CALLABLES}
    assert "levrisk.numbers.to_decimal" in names
    assert "levrisk.brackets.BracketTable.from_rates" in names
    assert "levrisk.brackets.BracketTable" in names


@pytest.mark.parametrize(("name", "func"), CALLABLES, ids=[n for n, _ in CALLABLES])
# LEVRISK_FUZZ_EXAMPLES raises the count for a deeper run than every CI run can afford.
@settings(
    max_examples=int(os.environ.get("LEVRISK_FUZZ_EXAMPLES", "60")),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_only_levrisk_errors_escape(
    name: str, func: Callable[..., object], data: st.DataObject
) -> None:
    """Any arguments: a result, None, or a LevriskError — nothing else."""
    pool = st.sampled_from([*JUNK, *PLAUSIBLE, *_EXAMPLES])
    args: list[object] = []
    kwargs: dict[str, object] = {}
    for param in _parameters(func):
        if param.kind in {param.VAR_POSITIONAL, param.VAR_KEYWORD}:
            continue
        optional = param.default is not param.empty
        if optional and data.draw(st.booleans(), label=f"skip {param.name}"):
            continue
        value = data.draw(pool, label=param.name)
        if param.kind is param.KEYWORD_ONLY:
            kwargs[param.name] = value
        else:
            args.append(value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            func(*args, **kwargs)
        except LevriskError:
            pass
        except Exception as error:  # noqa: BLE001 - the point: report anything else
            pytest.fail(f"{name}{tuple(args)!r} {kwargs!r} raised {error!r}")


_EXAMPLES: list[Any] = _examples()
