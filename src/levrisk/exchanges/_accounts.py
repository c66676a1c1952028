"""What the account-level parsers and reconciliations of every venue share (private).

The comparison of levrisk's exact account figures with an exchange's rounded ones
(:class:`AccountCheck`, :class:`AccountReconciliation`, published by
:mod:`levrisk.exchanges.binance`), the positions-by-asset argument of the books parsers,
and the one-account unwrapping of a balance response. Used by the Binance multi-collateral,
Bybit UTA and OKX multi-currency modules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TypeVar

import attrs

from levrisk._fields import require
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges import _payload
from levrisk.exchanges._payload import Json
from levrisk.futures import Position
from levrisk.portfolio import AccountFigures

_Report = TypeVar("_Report")

__all__ = ["AccountCheck", "AccountReconciliation", "by_asset", "check", "checks", "one_account"]


@attrs.frozen(kw_only=True)
class AccountCheck:
    """One account figure, levrisk's exact value beside the exchange's.

    Attributes:
        name: the figure (``"uni_mmr"``, ``"margin_ratio"``, ``"equity"``,
            ``"maintenance_margin"``, ``"available"``).
        levrisk: levrisk's exact value (``None`` when levrisk has none, e.g. no ratio).
        exchange: the value the exchange reports.
        agrees: whether they differ by less than one unit of the exchange's last digit.

    .. versionadded:: 0.2.0
    """

    name: str
    levrisk: Decimal | None
    exchange: Decimal
    agrees: bool


@attrs.frozen(kw_only=True)
class AccountReconciliation:
    """The field-by-field comparison of levrisk's account figures with the exchange's.

    Attributes:
        checks: one :class:`AccountCheck` per figure the exchange reports.

    .. versionadded:: 0.2.0
    """

    checks: tuple[AccountCheck, ...]

    @property
    def agrees(self) -> bool:
        """Whether every figure agrees."""
        return all(check.agrees for check in self.checks)

    def __getitem__(self, name: str) -> AccountCheck:
        """The check of the figure ``name``."""
        for check in self.checks:
            if check.name == name:
                return check
        msg = f"name must be one of {[c.name for c in self.checks]!r}, got {name!r}"
        raise InvalidInputError(msg)


def check(name: str, ours: Decimal | None, theirs: Decimal) -> AccountCheck:
    """``ours`` against ``theirs``: agreeing within one unit of ``theirs``' last digit."""
    exponent = theirs.as_tuple().exponent
    unit = Decimal(1).scaleb(exponent if isinstance(exponent, int) else 0)
    agrees = ours is not None and abs(ours - theirs) < unit
    return AccountCheck(name=name, levrisk=ours, exchange=theirs, agrees=agrees)


def checks(pairs: Iterable[tuple[str, Decimal | None, Decimal | None]]) -> AccountReconciliation:
    """A reconciliation of ``(name, ours, theirs)``; a figure reported empty is left out."""
    found = [check(name, ours, theirs) for name, ours, theirs in pairs if theirs is not None]
    return AccountReconciliation(checks=tuple(found))


def reconciled(
    figures: AccountFigures,
    report: _Report,
    kind: type[_Report],
    fields: Mapping[str, tuple[str, str]],
) -> AccountReconciliation:
    """``figures`` against ``report``: each exchange field → (levrisk's figure, the report's)."""
    figures = require(figures, AccountFigures, "figures")
    report = require(report, kind, "report")
    return checks(
        (name, getattr(figures, ours), getattr(report, theirs))
        for name, (ours, theirs) in fields.items()
    )


def by_asset(positions: object) -> Mapping[str, tuple[Position, ...]]:
    """The ``positions`` argument of a books parser: asset → its positions, checked."""
    if positions is None:
        return {}
    if not isinstance(positions, Mapping):
        msg = f"positions must be a mapping of asset to positions, got {positions!r}"
        raise InvalidInputError(msg)
    result: dict[str, tuple[Position, ...]] = {}
    for asset, group in positions.items():
        if isinstance(group, (str, bytes)) or not isinstance(group, Iterable):
            msg = f"positions[{asset!r}] must be an iterable of Position, got {group!r}"
            raise InvalidInputError(msg)
        result[asset] = tuple(group)
    return result


def one_account(payload: Json, *keys: str) -> tuple[Mapping[str, Json], str]:
    """The one account object of a balance response, and its path.

    Descends through ccxt's ``info`` and each of ``keys`` in turn (``"result"``, then the
    list key) where present; a list must hold exactly one account.
    """
    obj = _payload.as_mapping(payload, where="payload")
    where = "payload"
    *wrappers, listed = ("info", *keys)
    for key in wrappers:
        if key in obj:
            obj, where = _payload.as_mapping(obj[key], where=f"{where}.{key}"), f"{where}.{key}"
    if listed not in obj:
        return obj, where
    rows = _payload.objects(_payload.field(obj, listed, where=where), where=f"{where}.{listed}")
    if len(rows) != 1:
        msg = f"{where}.{listed} must hold one account, got {len(rows)}"
        raise InvalidInputError(msg)
    return rows[0][1], rows[0][0]
