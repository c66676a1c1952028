r"""Tiered maintenance margin: brackets and bracket tables (:ref:`rule-brackets`).

A :class:`BracketTable` is the exchange's leverage/maintenance table of one symbol: each
:class:`Bracket` covers notionals ``floor < notional ≤ cap`` (floor exclusive, cap
inclusive; notional 0 falls in the first bracket) and gives the maximum leverage, the
maintenance margin rate ``m`` and the maintenance amount ``cum`` of that slice:

.. math::

    MM(n) = n \cdot m_k - cum_k, \qquad cum_1 = 0,\;
    cum_k = cum_{k-1} + floor_k \cdot (m_k - m_{k-1})

The recursion makes ``MM`` continuous at every edge, and equal to the progressive
(tax-bracket) sum of each slice of notional at its own rate. Notional is in the unit the
exchange tiers by: quote for linear contracts (Binance USDⓈ-M: ``Q · MP``), coin for
inverse ones (Binance COIN-M: ``N · CS / MP``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from levrisk import _algebra
from levrisk._fields import entries, finite, non_negative, number, optional_number, positive
from levrisk._typing import OnMismatch, choice
from levrisk.exceptions import BracketError, InvalidInputError, LeverageError, LevriskWarning
from levrisk.numbers import NumberLike, exact, to_decimal

__all__ = ["Bracket", "BracketTable"]

_T = TypeVar("_T")


def _fraction_open(_instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    positive(_instance, attribute, value)
    if value >= 1:
        msg = f"{attribute.name} must be a rate in (0, 1), got {value!r}"
        raise BracketError(msg)


def _optional_rate(
    _instance: object, attribute: attrs.Attribute[Any], value: Decimal | None
) -> None:
    positive(_instance, attribute, value)
    if value is not None and value > 1:
        msg = f"{attribute.name} must be a rate in (0, 1], got {value!r}"
        raise BracketError(msg)


def _at_least_one(_instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    positive(_instance, attribute, value)
    if value < 1:
        msg = f"{attribute.name} must be at least 1, got {value!r}"
        raise BracketError(msg)


@attrs.frozen(kw_only=True)
class Bracket:
    """One tier of a maintenance-margin table: ``floor < notional ≤ cap``.

    Args:
        floor: the exclusive lower notional bound (≥ 0), in the table's notional unit.
        cap: the inclusive upper notional bound (> floor).
        max_leverage: the highest leverage allowed for a notional in this bracket (≥ 1).
        maintenance_rate: ``m``, a rate in ``(0, 1)``.
        maintenance_amount: ``cum``, the deduction that keeps MM continuous, in the
            notional unit (negative only where a rate falls from one bracket to the
            next). Defaults to 0, right for the first bracket only; build whole tables
            with :meth:`BracketTable.from_rates` to derive it.
        initial_rate: the initial margin rate, when the exchange publishes one
            (otherwise ``1 / max_leverage``).

    Raises:
        InvalidInputError: when a field is not a finite number or is out of its domain;
            :class:`~levrisk.exceptions.BracketError` for rates and caps.

    Examples:
        >>> b = Bracket(floor=0, cap=50_000, max_leverage=125, maintenance_rate="0.004")
        >>> b.maintenance_margin(b.cap)
        Decimal('200.000')

    .. versionadded:: 0.1.0
    """

    floor: Decimal = attrs.field(converter=number, validator=non_negative)
    cap: Decimal = attrs.field(converter=number, validator=positive)
    max_leverage: Decimal = attrs.field(converter=number, validator=_at_least_one)
    maintenance_rate: Decimal = attrs.field(converter=number, validator=_fraction_open)
    maintenance_amount: Decimal = attrs.field(
        default=Decimal(0), converter=number, validator=finite
    )
    initial_rate: Decimal | None = attrs.field(
        default=None, converter=optional_number, validator=_optional_rate
    )

    @cap.validator
    def _cap_above_floor(self, _attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
        if value <= self.floor:
            msg = f"cap must be above floor {self.floor!r}, got {value!r}"
            raise BracketError(msg)

    @exact
    def contains(self, notional: NumberLike) -> bool:
        """Whether ``floor < notional ≤ cap`` (the first bracket of a table also holds 0).

        Raises:
            InvalidInputError: when ``notional`` is not a number.
        """
        return self.floor < to_decimal(notional, name="notional") <= self.cap

    @exact
    def maintenance_margin(self, notional: NumberLike) -> Decimal:
        """``notional · m − cum`` with this bracket's rate and amount (no range check).

        Raises:
            InvalidInputError: when ``notional`` is not a number.
        """
        return to_decimal(notional, name="notional") * self.maintenance_rate - (
            self.maintenance_amount
        )


def _derived_amounts(floors: Sequence[Decimal], rates: Sequence[Decimal]) -> list[Decimal]:
    """``cum_1 = 0``, ``cum_k = cum_{k-1} + floor_k · (m_k − m_{k-1})`` (:ref:`rule-brackets`)."""
    amounts = [Decimal(0)]
    for k in range(1, len(rates)):
        amounts.append(amounts[-1] + floors[k] * (rates[k] - rates[k - 1]))
    return amounts


def _to_brackets(value: Iterable[Bracket]) -> tuple[Bracket, ...]:
    return tuple(_sequence(value, "brackets"))


def _sequence(value: Iterable[_T], name: str) -> list[_T]:
    """``value`` as a list, when it is a sequence-like collection (not a string or mapping)."""
    return entries(value, f"{name} must be a sequence, got {value!r}", BracketError)


@attrs.frozen(kw_only=True)
class BracketTable:
    """An exchange's ordered, contiguous table of :class:`Bracket` objects.

    The table is validated on construction: at least one bracket, the first floor is 0,
    each floor equals the previous cap (no gaps, no overlaps, so caps increase), max
    leverage never rises with notional, and every maintenance amount equals the
    recursion of :ref:`rule-brackets` exactly. A table whose amounts break the recursion would
    make MM jump at an edge; build it with :meth:`from_rates` (``on_mismatch="warn"``)
    to re-derive them instead.

    Args:
        brackets: the brackets, lowest notional first.

    Raises:
        BracketError: when the table is empty, has a gap or an overlap, has a rising
            max leverage, or has amounts that break the recursion.

    Examples:
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000, 250_000, 1_000_000],
        ...     maintenance_rates=["0.004", "0.005", "0.01"],
        ...     max_leverages=[125, 100, 50],
        ... )
        >>> table.bracket_for(500_000).maintenance_amount
        Decimal('1300.000')
        >>> table.maintenance_margin(500_000)
        Decimal('3700.000')

    .. versionadded:: 0.1.0
    """

    brackets: tuple[Bracket, ...] = attrs.field(converter=_to_brackets)
    _tiers: _algebra.Tiers = attrs.field(init=False, eq=False, repr=False)
    """The figures every solve needs, computed once (see ``levrisk._algebra.Tiers``)."""

    @exact
    def __attrs_post_init__(self) -> None:
        """Precompute the solver's figures (the table is immutable: they never go stale)."""
        rows = [(b.cap, b.maintenance_rate, b.maintenance_amount) for b in self.brackets]
        object.__setattr__(self, "_tiers", _algebra.Tiers(rows))

    @brackets.validator
    @exact
    def _check(self, _attribute: attrs.Attribute[Any], value: tuple[Bracket, ...]) -> None:
        if not value:
            msg = "brackets must hold at least one bracket, got ()"
            raise BracketError(msg)
        for i, bracket in enumerate(value):
            if not isinstance(bracket, Bracket):
                msg = f"brackets[{i}] must be a Bracket, got {bracket!r}"
                raise BracketError(msg)
        if value[0].floor != 0:
            msg = f"brackets[0].floor must be 0, got {value[0].floor!r}"
            raise BracketError(msg)
        for i in range(1, len(value)):
            previous, current = value[i - 1], value[i]
            if current.floor != previous.cap:
                kind = "a gap" if current.floor > previous.cap else "an overlap"
                msg = (
                    f"brackets[{i}].floor must equal brackets[{i - 1}].cap "
                    f"{previous.cap!r} ({kind}), got {current.floor!r}"
                )
                raise BracketError(msg)
            if current.max_leverage > previous.max_leverage:
                msg = (
                    f"brackets[{i}].max_leverage must not exceed brackets[{i - 1}]."
                    f"max_leverage {previous.max_leverage!r}, got {current.max_leverage!r}"
                )
                raise BracketError(msg)
        expected = _derived_amounts([b.floor for b in value], [b.maintenance_rate for b in value])
        for i, (bracket, amount) in enumerate(zip(value, expected, strict=True)):
            if bracket.maintenance_amount != amount:
                msg = (
                    f"brackets[{i}].maintenance_amount must be {amount!r} by the recursion "
                    f"cum_k = cum_(k-1) + floor_k·(m_k − m_(k-1)), "
                    f"got {bracket.maintenance_amount!r}"
                )
                raise BracketError(msg)

    @classmethod
    @exact
    def from_rates(
        cls,
        *,
        caps: Sequence[NumberLike],
        maintenance_rates: Sequence[NumberLike],
        max_leverages: Sequence[NumberLike],
        initial_rates: Sequence[NumberLike] | None = None,
        maintenance_amounts: Sequence[NumberLike] | None = None,
        on_mismatch: OnMismatch = "raise",
    ) -> BracketTable:
        """Build a table from caps and rates, deriving the maintenance amounts.

        Floors are implied: 0 for the first bracket, the previous cap after that. The
        amounts follow the recursion of :ref:`rule-brackets`. When the exchange's own amounts
        are given too, they are checked against the recursion: a mismatch raises
        :class:`~levrisk.exceptions.BracketError` (``on_mismatch="raise"``, the default)
        or warns with :class:`~levrisk.exceptions.LevriskWarning` and keeps the derived
        amounts (``on_mismatch="warn"``), so MM stays continuous either way.

        Args:
            caps: the inclusive upper notional bound of each bracket, increasing.
            maintenance_rates: ``m`` of each bracket.
            max_leverages: the maximum leverage of each bracket.
            initial_rates: optional initial margin rate of each bracket.
            maintenance_amounts: optional published ``cum`` of each bracket, to check.
            on_mismatch: what a published amount that differs from the recursion does.

        Returns:
            The validated table.

        Raises:
            BracketError: when the sequences differ in length, are empty, or the
                brackets are invalid; or when an amount mismatches under ``"raise"``.

        References:
            Binance, "Leverage and Margin of USDⓈ-M Futures" (maintenance amount);
            :ref:`rule-brackets` [published].

        Examples:
            >>> t = BracketTable.from_rates(
            ...     caps=[1000, 2000, 3000, 4000, 5000],
            ...     maintenance_rates=["0.02", "0.025", "0.03", "0.035", "0.04"],
            ...     max_leverages=[50, 40, 33, 28, 25],
            ... )
            >>> t.maintenance_margin(3500)
            Decimal('92.500')
        """
        cap_list = _sequence(caps, "caps")
        rate_list = _sequence(maintenance_rates, "maintenance_rates")
        leverage_list = _sequence(max_leverages, "max_leverages")
        initial_list = None if initial_rates is None else _sequence(initial_rates, "initial_rates")
        given_amounts = (
            None
            if maintenance_amounts is None
            else _sequence(maintenance_amounts, "maintenance_amounts")
        )
        columns = {
            "maintenance_rates": rate_list,
            "max_leverages": leverage_list,
            "initial_rates": initial_list,
            "maintenance_amounts": given_amounts,
        }
        for name, column in columns.items():
            if column is not None and len(column) != len(cap_list):
                msg = f"{name} must have {len(cap_list)} entries like caps, got {len(column)}"
                raise BracketError(msg)
        try:
            on_mismatch = choice(on_mismatch, OnMismatch, "on_mismatch")
        except InvalidInputError as error:  # a table argument: reported as a BracketError
            raise BracketError(str(error)) from None
        cap_values = [to_decimal(c, name=f"caps[{i}]") for i, c in enumerate(cap_list)]
        rates = [to_decimal(r, name=f"maintenance_rates[{i}]") for i, r in enumerate(rate_list)]
        floors = [Decimal(0), *cap_values[:-1]]
        amounts = _derived_amounts(floors, rates)
        for i, given in enumerate(given_amounts or []):
            if to_decimal(given, name=f"maintenance_amounts[{i}]") != amounts[i]:
                msg = (
                    f"maintenance_amounts[{i}] must be {amounts[i]!r} by the recursion "
                    f"cum_k = cum_(k-1) + floor_k·(m_k − m_(k-1)), got {given!r}"
                )
                if on_mismatch == "raise":
                    raise BracketError(msg)
                warnings.warn(msg + "; using the derived amount", LevriskWarning, stacklevel=3)
        return cls(
            brackets=[
                Bracket(
                    floor=floors[i],
                    cap=cap_values[i],
                    max_leverage=leverage_list[i],
                    maintenance_rate=rates[i],
                    maintenance_amount=amounts[i],
                    initial_rate=None if initial_list is None else initial_list[i],
                )
                for i in range(len(cap_values))
            ]
        )

    @property
    def max_cap(self) -> Decimal:
        """The highest notional the table covers (the last bracket's cap)."""
        return self.brackets[-1].cap

    @exact
    def bracket_for(self, notional: NumberLike) -> Bracket:
        """The bracket with ``floor < notional ≤ cap`` (notional 0: the first bracket).

        Args:
            notional: a notional ≥ 0 in the table's unit (quote for linear, coin for
                inverse contracts).

        Returns:
            The bracket that holds ``notional``.

        Raises:
            InvalidInputError: when ``notional`` is negative or not a number.
            BracketError: when ``notional`` exceeds the table's highest cap.

        Examples:
            >>> t = BracketTable.from_rates(
            ...     caps=[50_000, 250_000],
            ...     maintenance_rates=["0.004", "0.005"],
            ...     max_leverages=[125, 100],
            ... )
            >>> t.bracket_for(50_000).maintenance_rate  # the cap is inclusive
            Decimal('0.004')
            >>> t.bracket_for("50000.01").maintenance_rate
            Decimal('0.005')
        """
        value = _notional(notional)
        if value > self.max_cap:
            msg = (
                f"notional must not exceed the table's highest cap {self.max_cap!r}, "
                f"got {notional!r}"
            )
            raise BracketError(msg)
        for bracket in self.brackets:
            if value <= bracket.cap:
                return bracket
        raise AssertionError  # pragma: no cover - unreachable: value <= max_cap

    @exact
    def maintenance_margin(self, notional: NumberLike) -> Decimal:
        r"""Maintenance margin of a position with this notional.

        .. math::

            MM = notional \cdot m - cum \quad\text{(bracket chosen by notional)}

        Args:
            notional: notional ≥ 0, in the table's unit.

        Returns:
            MM in the table's notional unit (quote for linear, coin for inverse).

        Raises:
            InvalidInputError: when ``notional`` is negative or not a number.
            BracketError: when ``notional`` exceeds the table's highest cap.

        References:
            Binance, "Leverage and Margin of USDⓈ-M Futures"; :ref:`rule-brackets` [published].

        Examples:
            >>> t = BracketTable.from_rates(
            ...     caps=[50_000, 250_000, 1_000_000],
            ...     maintenance_rates=["0.004", "0.005", "0.01"],
            ...     max_leverages=[125, 100, 50],
            ... )
            >>> t.maintenance_margin(50_000)
            Decimal('200.000')
        """
        value = _notional(notional)
        return self.bracket_for(value).maintenance_margin(value)

    @exact
    def max_leverage(self, notional: NumberLike) -> Decimal:
        """The highest leverage allowed for a position with this notional.

        Raises:
            InvalidInputError: when ``notional`` is negative or not a number.
            BracketError: when ``notional`` exceeds the table's highest cap.

        Examples:
            >>> t = BracketTable.from_rates(
            ...     caps=[50_000, 250_000],
            ...     maintenance_rates=["0.004", "0.005"],
            ...     max_leverages=[125, 100],
            ... )
            >>> t.max_leverage(60_000)
            Decimal('100')
        """
        return self.bracket_for(notional).max_leverage

    @exact
    def max_notional(self, leverage: NumberLike) -> Decimal:
        """The largest notional that may be held at ``leverage``.

        It is the cap of the highest bracket whose max leverage is at least
        ``leverage``.

        Raises:
            LeverageError: when ``leverage`` is below 1 or above the first bracket's
                max leverage.

        Examples:
            >>> t = BracketTable.from_rates(
            ...     caps=[50_000, 250_000],
            ...     maintenance_rates=["0.004", "0.005"],
            ...     max_leverages=[125, 100],
            ... )
            >>> t.max_notional(100)
            Decimal('250000')
            >>> t.max_notional(101)
            Decimal('50000')
        """
        value = to_decimal(leverage, name="leverage")
        top = self.brackets[0].max_leverage
        if not 1 <= value <= top:
            msg = f"leverage must be between 1 and {top}, got {leverage!r}"
            raise LeverageError(msg)
        return max(b.cap for b in self.brackets if b.max_leverage >= value)


def _notional(notional: NumberLike) -> Decimal:
    value = to_decimal(notional, name="notional")
    if value < 0:
        msg = f"notional must not be negative, got {notional!r}"
        raise BracketError(msg)
    return value
