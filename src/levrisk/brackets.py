r"""Tiered maintenance margin: brackets and bracket tables (:ref:`rule-brackets`).

A :class:`BracketTable` is the exchange's leverage/maintenance table of one symbol: each
:class:`Bracket` covers notionals ``floor < notional ≤ cap`` (floor exclusive, cap
inclusive; notional 0 falls in the first bracket) and gives the maximum leverage, the
maintenance margin rate ``m`` and the maintenance amount ``cum`` of that slice:

.. math::

    MM(n) = n \cdot m_k - cum_k \quad (k: \text{the bracket holding } n)

Venues state their tables three ways, and the table keeps which
(:data:`~levrisk.brackets.TierMaintenance`, :ref:`rule-tier-maintenance`):

- ``"deduction"``: the venue publishes ``cum`` (Binance ``cum``, Bybit ``mmDeduction``);
  the table takes it as published. :meth:`BracketTable.from_rates` checks it against the
  recursion below only on request (``on_mismatch="raise"`` or ``"warn"``).
- ``"marginal"``: each slice of the notional at its own tier's rate (Gate; the
  tax-bracket sum), which is ``cum`` by the recursion

  .. math::

      cum_1 = 0,\; cum_k = cum_{k-1} + floor_k \cdot (m_k - m_{k-1})

  so ``MM`` is continuous at every edge.
- ``"whole"``: the rate of the tier holding the position on the whole notional (OKX,
  Bitget, BitMEX): every ``cum`` is 0 and ``MM`` jumps up at each cap; the liquidation
  solver then finds the edge itself where the jump crosses the condition.

Notional is in the unit the exchange tiers by: quote for linear contracts (Binance
USDⓈ-M: ``Q · MP``), coin for inverse ones (Binance COIN-M: ``N · CS / MP``).

**Above the top cap** every maintenance figure (:meth:`BracketTable.maintenance_margin`,
``levrisk.futures.maintenance_margin`` and the solvers) extrapolates the last bracket;
only what opens or sizes a new position (:meth:`BracketTable.bracket_for`,
:meth:`BracketTable.max_leverage`, a new ``Position``'s leverage check) refuses a
notional above it; a position parsed from a venue's payload is kept, with a
``LevriskWarning`` (see the design decisions page).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from decimal import Decimal, localcontext
from typing import Any, TypeAlias, TypeVar

import attrs

from levrisk import _algebra, _typing
from levrisk._fields import entries, finite, non_negative, number, optional_number, positive
from levrisk._typing import choice, one_of
from levrisk.exceptions import BracketError, InvalidInputError, LeverageError, LevriskWarning
from levrisk.numbers import NumberLike, exact, to_decimal

__all__ = ["Bracket", "BracketTable", "OnMismatch", "TierMaintenance"]

_T = TypeVar("_T")

OnMismatch: TypeAlias = _typing.OnMismatch
"""What a published maintenance amount off the recursion of :ref:`rule-brackets` does.

``"keep"``: taken as published (the default); ``"raise"``: a ``BracketError`` naming it;
``"warn"``: a ``LevriskWarning``, and the recursion's amount is used.
"""

TierMaintenance: TypeAlias = _typing.TierMaintenance
"""How a table's maintenance margin is stated (:ref:`rule-tier-maintenance`).

``"deduction"``: ``n·m_k − cum_k`` with the venue's published ``cum`` (taken as
published); ``"marginal"``: each slice at its tier's rate (``cum`` by the recursion, MM
continuous); ``"whole"``: the tier's rate on the whole notional (``cum = 0``, MM jumps at
each cap).
"""


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
    """``cum_1 = 0``, ``cum_k = cum_{k-1} + floor_k · (m_k − m_{k-1})`` (:ref:`rule-brackets`).

    Exact (sums and products only): a table with 50-digit edges or rates keeps every digit.
    """
    amounts = [Decimal(0)]
    with localcontext(_algebra.EXACT):
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
    each floor equals the previous cap (no gaps, no overlaps, so caps increase), and max
    leverage never rises with notional. ``maintenance`` says how the venue states its
    maintenance (:data:`TierMaintenance`, :ref:`rule-tier-maintenance`): published
    amounts (``"deduction"``, the default: taken as published), marginal by tier
    (``"marginal"``: every amount must equal the recursion of :ref:`rule-brackets`), or
    the tier's rate on the whole notional (``"whole"``: every amount must be 0). Build
    the last two from rates alone with :meth:`from_rates`.

    Args:
        brackets: the brackets, lowest notional first.
        maintenance: a :data:`TierMaintenance` (default ``"deduction"``).

    Raises:
        BracketError: when the table is empty, has a gap or an overlap, has a rising
            max leverage, or has amounts that ``maintenance`` does not allow.

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
        >>> table.maintenance
        'marginal'

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       ``maintenance``; published amounts are no longer checked against the recursion.
    """

    brackets: tuple[Bracket, ...] = attrs.field(converter=_to_brackets)
    maintenance: TierMaintenance = attrs.field(
        default="deduction", validator=one_of(TierMaintenance), eq=False
    )
    """How the venue states the amounts (their figures are the brackets': not compared)."""
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

    @maintenance.validator
    @exact
    def _check_amounts(self, _attribute: attrs.Attribute[Any], value: str) -> None:
        if value == "deduction":
            return
        brackets = self.brackets
        given = (
            (f"brackets[{i}].maintenance_amount", b.maintenance_amount)
            for i, b in enumerate(brackets)
        )
        if value == "marginal":
            floors = [b.floor for b in brackets]
            derived = _derived_amounts(floors, [b.maintenance_rate for b in brackets])
            check_published(given, derived, on_mismatch="raise", stacklevel=2)
            return
        for name, amount in given:
            if amount != 0:
                msg = (
                    f"{name} must be Decimal('0') (maintenance='whole': the tier's rate on "
                    f"the whole notional, no deduction), got {amount!r}"
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
        on_mismatch: OnMismatch = "keep",
        maintenance: TierMaintenance | None = None,
    ) -> BracketTable:
        """Build a table from caps and rates, as the venue states its maintenance.

        Floors are implied: 0 for the first bracket, the previous cap after that.
        Without published amounts the table is ``maintenance="marginal"`` (the default:
        the amounts follow the recursion of :ref:`rule-brackets`) or ``"whole"`` (every
        amount 0: the tier's rate on the whole notional). With the venue's published
        amounts (``maintenance_amounts``) the table is ``"deduction"``: taken as
        published (``on_mismatch="keep"``, the default), or checked against the
        recursion on request — a mismatch raises :class:`~levrisk.exceptions.BracketError`
        (``"raise"``) or warns with :class:`~levrisk.exceptions.LevriskWarning` and keeps
        the derived amounts (``"warn"``, a ``"marginal"`` table).

        Args:
            caps: the inclusive upper notional bound of each bracket, increasing.
            maintenance_rates: ``m`` of each bracket.
            max_leverages: the maximum leverage of each bracket.
            initial_rates: optional initial margin rate of each bracket.
            maintenance_amounts: optional published ``cum`` of each bracket.
            on_mismatch: an ``OnMismatch``: what a published amount that differs from
                the recursion does (``"keep"``, ``"raise"``, ``"warn"``).
            maintenance: a :data:`TierMaintenance`; ``None`` (default): ``"deduction"``
                with published amounts, ``"marginal"`` without.

        Returns:
            The validated table.

        Raises:
            BracketError: when the sequences differ in length, are empty, or the
                brackets are invalid; when an amount mismatches under ``"raise"``; or
                when ``maintenance`` contradicts the amounts given (``"deduction"``
                without amounts, ``"whole"`` or ``"marginal"`` with them).

        References:
            Binance, "Leverage and Margin of USDⓈ-M Futures" (maintenance amount);
            :ref:`rule-brackets` [published], :ref:`rule-tier-maintenance`.

        Examples:
            >>> t = BracketTable.from_rates(
            ...     caps=[1000, 2000, 3000, 4000, 5000],
            ...     maintenance_rates=["0.02", "0.025", "0.03", "0.035", "0.04"],
            ...     max_leverages=[50, 40, 33, 28, 25],
            ... )
            >>> t.maintenance_margin(3500)
            Decimal('92.500')
            >>> whole = BracketTable.from_rates(
            ...     caps=[1000, 2000],
            ...     maintenance_rates=["0.02", "0.025"],
            ...     max_leverages=[50, 40],
            ...     maintenance="whole",
            ... )
            >>> whole.maintenance_margin(1000), whole.maintenance_margin(1500)
            (Decimal('20.00'), Decimal('37.500'))
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
            basis = _basis(maintenance, given=given_amounts is not None)
        except InvalidInputError as error:  # a table argument: reported as a BracketError
            raise BracketError(str(error)) from None
        cap_values = [to_decimal(c, name=f"caps[{i}]") for i, c in enumerate(cap_list)]
        rates = [to_decimal(r, name=f"maintenance_rates[{i}]") for i, r in enumerate(rate_list)]
        floors = [Decimal(0), *cap_values[:-1]]
        amounts = [Decimal(0)] * len(rates) if basis == "whole" else _derived_amounts(floors, rates)
        published = [
            to_decimal(given, name=f"maintenance_amounts[{i}]")
            for i, given in enumerate(given_amounts or [])
        ]
        if published and on_mismatch == "keep":
            # as published; an amount equal to the recursion's keeps its spelling
            amounts = [
                d if d == given else given for d, given in zip(amounts, published, strict=True)
            ]
        elif published:
            named = ((f"maintenance_amounts[{i}]", given) for i, given in enumerate(published))
            check_published(named, amounts, on_mismatch=on_mismatch, stacklevel=4)
            basis = "marginal"
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
            ],
            maintenance=basis,
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
        r"""Maintenance margin of a position with this notional (the last bracket above the top).

        .. math::

            MM = notional \cdot m - cum \quad\text{(bracket chosen by notional)}

        Above the table's highest cap the last bracket is extrapolated, as every
        maintenance figure of the library does (only opening or sizing a new position
        refuses a notional above the cap).

        Args:
            notional: notional ≥ 0, in the table's unit.

        Returns:
            MM in the table's notional unit (quote for linear, coin for inverse).

        Raises:
            InvalidInputError: when ``notional`` is negative or not a number.

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
            >>> t.maintenance_margin(2_000_000)  # above the top cap: the last bracket
            Decimal('18700.000')

        .. versionchanged:: 0.2.0
           Extrapolates the last bracket above the top cap (it raised ``BracketError``).
        """
        return self._tiers.maintenance(_notional(notional))

    @exact
    def max_leverage(self, notional: NumberLike) -> Decimal:
        """The highest leverage allowed for a new position with this notional.

        Sizing a new position: a notional above the top cap is refused (a ``BracketError``,
        as :meth:`bracket_for` refuses it), unlike every maintenance figure.

        Examples:
            >>> rates = {"maintenance_rates": ["0.004", "0.005"], "max_leverages": [125, 100]}
            >>> BracketTable.from_rates(caps=[50_000, 250_000], **rates).max_leverage(60_000)
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


def check_published(
    given: Iterable[tuple[str, Decimal | None]],
    derived: Sequence[Decimal],
    *,
    on_mismatch: str,
    stacklevel: int,
) -> None:
    """Check published amounts ``(name, value)`` against the recursion's (``None``: none given).

    A mismatch raises :class:`~levrisk.exceptions.BracketError` (``"raise"``) or warns
    (``"warn"``: the derived amount is used). Shared with the payload parsers.
    """
    for (name, value), amount in zip(given, derived, strict=True):
        if value is not None and value != amount:
            msg = (
                f"{name} must be {amount!r} by the recursion "
                f"cum_k = cum_(k-1) + floor_k·(m_k − m_(k-1)), got {value!r}"
            )
            if on_mismatch == "raise":
                raise BracketError(msg)
            warnings.warn(msg + "; using the derived amount", LevriskWarning, stacklevel=stacklevel)


def _basis(maintenance: object, *, given: bool) -> TierMaintenance:
    """The table's :data:`TierMaintenance`: as asked, or implied by whether amounts are given."""
    if maintenance is None:
        return "deduction" if given else "marginal"
    basis: TierMaintenance = choice(maintenance, TierMaintenance, "maintenance")
    if (basis == "deduction") != given:
        needs = "with" if basis == "deduction" else "without"
        msg = f"maintenance {basis!r} is built {needs} maintenance_amounts, got {maintenance!r}"
        raise InvalidInputError(msg)
    return basis


def _notional(notional: NumberLike) -> Decimal:
    value = to_decimal(notional, name="notional")
    if value < 0:
        msg = f"notional must not be negative, got {notional!r}"
        raise BracketError(msg)
    return value
