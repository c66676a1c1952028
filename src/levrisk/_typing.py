"""One home for levrisk's closed option sets, their checks, and the faces' publishing.

Every ``Literal`` alias of the public API is defined here once; its validators are built
from the alias itself (``typing.get_args``), so an option added to an alias is accepted
everywhere at once and every message lists the same options in the same order. The
public faces (``levrisk.futures``, ``levrisk.margin``, ...) re-export these aliases under
their documented names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from types import FunctionType, GenericAlias
from typing import Any, Literal, TypeAlias, get_args

import attrs

from levrisk.exceptions import InvalidInputError

Side: TypeAlias = Literal["long", "short"]
ContractKind: TypeAlias = Literal["linear", "inverse"]
PositionMode: TypeAlias = Literal["one_way", "hedge"]
MaintenanceBasis: TypeAlias = Literal["mark", "entry"]
CloseFeeBasis: TypeAlias = Literal["none", "mark", "bankruptcy"]
HedgeMaintenance: TypeAlias = Literal["each", "larger"]
MarginBasis: TypeAlias = Literal["entry", "mark"]
FeeConvention: TypeAlias = Literal["quote", "received"]
InterestCounting: TypeAlias = Literal["binance", "started_hour", "clock_hour", "kraken"]
MarginStatus: TypeAlias = Literal[
    "EXCESSIVE", "NORMAL", "MARGIN_CALL", "PRE_LIQUIDATION", "FORCE_LIQUIDATION"
]
FuturesStatus: TypeAlias = Literal["NORMAL", "LIQUIDATION", "BANKRUPT"]
OnMismatch: TypeAlias = Literal["keep", "raise", "warn"]
TierMaintenance: TypeAlias = Literal["deduction", "marginal", "whole"]
WalkEngine: TypeAlias = Literal["auto", "numba", "numpy", "python"]
SettlementOrder: TypeAlias = Literal["funding_first", "fills_first"]
Intrabar: TypeAlias = Literal["worst", "best"]
WalkEvent: TypeAlias = Literal["liquidation", "stop", "take_profit"]
Reason: TypeAlias = Literal[
    "missing account-level input",
    "tick display",
    "stale tier table",
    "fee rate",
    "mark vs last price",
]
RateUnits: TypeAlias = Literal["percent", "fraction"]
PortfolioStatus: TypeAlias = Literal["NORMAL", "MARGIN_CALL", "REDUCE_ONLY", "LIQUIDATION"]
RoundingMode: TypeAlias = Literal[
    "down", "up", "floor", "ceiling", "half_up", "half_even", "half_down"
]


def options(alias: object) -> tuple[str, ...]:
    """The options of a ``Literal`` alias, in their declared order."""
    return tuple(str(option) for option in get_args(alias))


def choice(value: object, alias: Any, name: str) -> Any:  # noqa: ANN401 - returns the alias' type
    """``value`` as the plain ``str`` option of ``alias``, or InvalidInputError naming ``name``.

    Only ``str`` values are compared (an array, a number or ``None`` is refused before any
    comparison), and the option returned is the alias' own string, so a ``str`` subclass
    never travels further into the library.
    """
    allowed = options(alias)
    if isinstance(value, str):
        plain = str.__str__(value)
        if plain in allowed:
            return allowed[allowed.index(plain)]
    msg = f"{name} must be one of {allowed!r}, got {value!r}"
    raise InvalidInputError(msg)


def one_of(alias: object) -> Callable[[object, attrs.Attribute[Any], object], None]:
    """An attrs validator accepting the options of the ``Literal`` ``alias``."""

    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        choice(value, alias, attribute.name)

    return validate


def side_sign(side: Side) -> int:
    """``s``: +1 for a long, −1 for a short."""
    return 1 if side == "long" else -1


def publish(module: str, namespace: MutableMapping[str, Any], names: Iterable[str]) -> list[str]:
    """Document a face's re-exported classes and functions as ``module.<name>``.

    Sets ``__module__`` on each class and plain function named in ``names`` (aliases and
    constants are left alone) and returns the sorted names, for the face's ``__dir__``.
    """
    published = sorted(names)
    for name in published:
        obj = namespace[name]
        # A parametrised generic alias (``Mapping[str, Decimal]``) passes isinstance(_, type)
        # on Python 3.10; only real classes and functions carry their own __module__.
        if isinstance(obj, (type, FunctionType)) and not isinstance(obj, GenericAlias):
            obj.__module__ = module
    return published
