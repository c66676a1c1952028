"""Argument parsing shared by the ``levrisk`` commands: numbers, instants, rates, venues.

Numbers are read as exact decimals (the numeric contract of :mod:`levrisk.numbers`);
instants must carry a UTC offset; percentages end in ``%``. Bad input raises
:class:`UsageError`, which ``main`` prints as one line and exit code 2. The venues come
from :mod:`levrisk.exchanges`: what a command offers under ``--exchange`` is what the
venue modules ship (an interest counting rule, margin thresholds, contract presets).
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import ModuleType
from typing import Any, Final, NoReturn

import attrs

from levrisk import exchanges, interest
from levrisk._typing import ContractKind, InterestCounting, Side, options
from levrisk.brackets import BracketTable
from levrisk.cli._render import plain, rules
from levrisk.exceptions import LevriskError
from levrisk.exchanges.snapshots import ContractPreset
from levrisk.futures import LiquidationRule
from levrisk.margin import MarginThresholds
from levrisk.numbers import exact, to_decimal

UTC: Final = timezone.utc
# The instant a trade given only as "--hours N" is taken to open at. Under every counting
# rule a whole number of hours accrues the same interest wherever it starts.
REFERENCE_OPEN: Final = datetime(2024, 1, 1, tzinfo=UTC)
SIDES: Final = options(Side)


# --------------------------------------------------------------------------- errors


class UsageError(Exception):
    """Bad command-line input: reported as one line on stderr, exit code 2."""


class Exit(Exception):  # noqa: N818 - a control-flow signal, not an error
    """argparse asked to exit (``--help``, ``--version``) with ``status``."""

    def __init__(self, status: int) -> None:
        """Carry the exit ``status``."""
        super().__init__(status)
        self.status = status


_NEGATIVE: Final = re.compile(r"^-(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?%?$")


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of printing usage and exiting.

    A negative number with a ``%`` (``--fee-rate -0.1%``, ``--stop-loss -25%``) is read
    as a value, as argparse reads ``-0.1``, so that its own check can name the problem.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401 - argparse's own
        """Build the parser; negative percentages count as negative numbers."""
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE

    def error(self, message: str) -> NoReturn:
        """Raise :class:`UsageError` (``main`` prints it)."""
        raise UsageError(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        """Print ``message`` to stderr and raise :class:`Exit`."""
        if message:
            self._print_message(message, sys.stderr)
        raise Exit(status)


# --------------------------------------------------------------------------- values


def number(name: str, text: str | Decimal) -> Decimal:
    """``text`` as an exact Decimal; the error names the option, in a trader's words."""
    try:
        return to_decimal(text, name=name)
    except LevriskError as error:
        raise UsageError(trader_words(str(error), {})) from None


def fraction(name: str, text: str) -> Decimal:
    """A fraction, or a percentage with a trailing ``%`` (``50%`` is ``0.5``)."""
    stripped = text.strip()
    if stripped.endswith("%"):
        return _percent(name, stripped[:-1])
    return number(name, stripped)


def rate(option: str) -> Callable[[str], Decimal]:
    """The argparse type of a rate option: a fraction, or a percentage (``0.1%``)."""

    def parse(text: str) -> Decimal:
        return fraction(option, text)

    return parse


@exact
def _percent(name: str, text: str) -> Decimal:
    return number(name, text) / 100


_INSTANT: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))"
)
_INSTANT_FORMS: Final = "2024-05-01T13:55Z, 2024-05-01T13:55:00+02:00 or 2024-05-01T15:55+0200"


def instant(name: str, text: str) -> datetime:
    """An ISO-8601 instant with ``Z`` or a ``±HH:MM`` (or ``±HHMM``) offset.

    The same strict grammar on every Python (3.10's ``fromisoformat`` rejects ``Z`` and
    ``+0200``): date, ``T``, ``HH:MM``, optional seconds and up to 6 decimals, then the
    offset. Anything else, a naive time among them, is a usage error.
    """
    value = text.strip()
    match = _INSTANT.fullmatch(value)
    if match is None:
        naive = "" if _NAIVE.fullmatch(value) is None else " without a UTC offset"
        msg = (
            f"{name} must be an ISO-8601 time with Z or ±HH:MM, such as {_INSTANT_FORMS}; "
            f"got {value}{naive}"
        )
        raise UsageError(msg)
    year, month, day, hour, minute, second, digits, zulu, sign, off_h, off_m = match.groups()
    offset = timedelta(0)
    if zulu is None:
        offset = timedelta(hours=int(off_h), minutes=int(off_m)) * (-1 if sign == "-" else 1)
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            int((digits or "0").ljust(6, "0")),
            tzinfo=timezone(offset),
        )
    except ValueError as error:  # a day, hour or offset out of range
        msg = f"{name} is not a valid time ({error}), got {value}"
        raise UsageError(msg) from None


_NAIVE: Final = re.compile(r"\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}([.,]\d+)?)?)?")


def hours(text: str) -> int:
    """``--hours``: a whole number of hours ≥ 0."""
    try:
        count = int(text)
    except ValueError:
        count = -1
    if count < 0:
        msg = f"--hours must be a whole number of hours >= 0, got {text!r}"
        raise UsageError(msg)
    return count


def after_hours(start: datetime, text: str) -> datetime:
    """``start`` plus ``--hours``; a date past the calendar is a usage error."""
    try:
        return start + timedelta(hours=hours(text))
    except OverflowError:
        msg = f"--hours takes the trade past the last representable date, got {text!r}"
        raise UsageError(msg) from None


def pair(text: str) -> tuple[str, str]:
    """``--pair BASE/QUOTE``, upper-cased."""
    base, sep, quote = text.partition("/")
    if not sep or not base or not quote:
        msg = f"--pair must look like BASE/QUOTE (e.g. BTC/USDT), got {text!r}"
        raise UsageError(msg)
    return base.upper(), quote.upper()


def rate_schedule(
    args: argparse.Namespace, start: datetime, rule: InterestCounting = "binance"
) -> interest.RateSchedule:
    """The rate per accrual from --hourly-rate, --daily-rate or --yearly-rate, and --rate-change.

    Each ``--rate-change TIME=RATE`` (an hourly rate, or a percentage) starts a new rate
    at ``TIME``; the given rate is in force from ``start`` (the borrowing) until the first.
    Rates are entered per hour (or per day or year, as simple rates); under a rule whose
    accrual covers more than an hour (Kraken's 4-hour rollover) the schedule holds the
    rate of one accrual period (:func:`levrisk.interest.accrual_period`).
    """
    hourly = _hourly_schedule(args, start)
    hours = interest.accrual_period(rule) // timedelta(hours=1)
    if hours == 1:
        return hourly
    return interest.RateSchedule.from_pairs(
        [(change.since, change.hourly_rate * hours) for change in hourly.changes]
    )


def _hourly_schedule(args: argparse.Namespace, start: datetime) -> interest.RateSchedule:
    """The hourly schedule the rate options state."""
    if args.hourly_rate is not None:
        base = interest.RateSchedule.constant(args.hourly_rate)
    elif args.daily_rate is not None:
        base = interest.RateSchedule.from_daily(args.daily_rate)
    elif args.yearly_rate is not None:
        base = interest.RateSchedule.from_yearly(args.yearly_rate)
    else:
        msg = (
            "an interest rate is needed: --hourly-rate, --daily-rate or --yearly-rate (0 for none)"
        )
        raise UsageError(msg)
    if not args.rate_change:
        return base
    pairs: list[tuple[datetime, Decimal]] = [(start, base.rate_at(start))]
    for item in args.rate_change:
        when, sep, text = item.partition("=")
        if not sep:
            msg = (
                "--rate-change must look like TIME=HOURLY_RATE "
                f"(e.g. 2024-01-02T00:00Z=0.0003), got {item}"
            )
            raise UsageError(msg)
        pairs.append((instant("--rate-change", when), fraction("--rate-change", text)))
    return interest.RateSchedule.from_pairs(pairs)


def daily_note(
    args: argparse.Namespace, start: datetime, rule: InterestCounting
) -> tuple[str, ...]:
    """What a daily rate costs per day under ``rule``: a note when it is not 24 charges.

    Binance charges at borrowing and at every hour boundary, so a loan held 24 hours from
    an instant accrues 25 times: about 4 % more than 24 charges of ``daily / 24``.
    """
    if args.daily_rate is None:
        return ()
    count = interest.accrual_count(start, start + timedelta(hours=24), counting=rule)
    hours = interest.accrual_period(rule) // timedelta(hours=1)
    if hours != 1:
        periods = _DAY_HOURS // hours
        note = (
            f"--daily-rate is charged per {hours}-hour period as daily / {periods}, under the "
            f"{rule!r} counting rule: {count} accruals over 24 hours (the first at borrowing)"
        )
        return (note,)
    if count == _DAY_HOURS:
        return ()
    extra = display_percent(Decimal(count) / _DAY_HOURS - 1)
    how = (
        "at borrowing and at every hour boundary"
        if rule == "binance"
        else f"under the {rule!r} counting rule"
    )
    note = (
        f"--daily-rate is charged hourly as daily / 24, {how}: {count} accruals over "
        f"24 hours, {extra} more than 24 charges"
    )
    return (note,)


_DAY_HOURS: Final = 24


@exact
def display_percent(share: Decimal) -> str:
    """``share`` as a percentage rounded to 2 places (``0.0417`` → ``4.17 %``)."""
    return f"{share.scaleb(2).quantize(Decimal('0.01'))} %"


def trader_words(message: str, names: Mapping[str, str]) -> str:
    """A library error message in the command's words: options, plain decimals.

    ``names`` maps the library's argument names to the command's options
    (``{"at": "--closed-at"}``); names with an underscore are replaced anywhere, single
    words only where the message starts with them. ``Decimal('-0.1')``, ``'6.0000E+7'``
    and ``6.0000E+7`` become ``-0.1`` and ``60000000``; ``changes[2].since`` becomes
    "the time of --rate-change 2" (item 0 is the rate at borrowing).
    """
    text = " ".join(message.split())
    text = _CHANGE.sub(_change_words, text)
    every = {**_NAMES, **names}
    for name in sorted(every, key=len, reverse=True):
        option = every[name]
        if "_" in name:
            text = re.sub(rf"(?<![\w.\-]){re.escape(name)}(?![\w(])", option, text)
        elif text.startswith(f"{name} "):
            text = option + text[len(name) :]
    text = _DECIMAL_REPR.sub(lambda m: plain(Decimal(m.group(1))), text)
    text = _QUOTED_NUMBER.sub(lambda m: plain(Decimal(m.group(1))), text)
    return _EXPONENT.sub(lambda m: plain(Decimal(m.group(0))), text)


def _change_words(match: re.Match[str]) -> str:
    what = "time" if match.group(2) == "since" else "rate"
    return f"the {what} of --rate-change {match.group(1)}"


_CHANGE: Final = re.compile(r"changes\[(\d+)\]\.(since|hourly_rate)")
_DECIMAL_REPR: Final = re.compile(r"Decimal\('([^']*)'\)")
_QUOTED_NUMBER: Final = re.compile(r"'([+-]?(?:\d+\.?\d*|\.\d+)(?:[Ee][+-]?\d+)?)'")
_EXPONENT: Final = re.compile(r"(?<![\w.])[+-]?\d+(?:\.\d+)?[Ee][+-]?\d+(?![\w.])")
_NAMES: Final = {
    "fee_rate": "--fee-rate",
    "open_fee_rate": "--open-fee-rate",
    "close_fee_rate": "--close-fee-rate",
    "hourly_rate": "--hourly-rate",
    "daily_rate": "--daily-rate",
    "yearly_rate": "--yearly-rate",
    "waived_hours": "--waived-hours",
    "entry_price": "--entry-price",
    "mark_price": "--mark-price",
    "exit_price": "--exit-price",
    "wallet_balance": "--wallet-balance",
    "opened_at": "--opened-at",
    "leverage": "--leverage",
    "size": "--size",
    "margin": "--margin",
    "price": "--price",
    "principal": "--principal",
    "collateral": "--collateral",
    "contract_size": "--contract-size",
}
"""The library's argument names and the options that give them (shared by the commands)."""


# --------------------------------------------------------------------------- venues


@attrs.frozen
class Venue:
    """What ``--exchange`` selects: what one venue module of levrisk.exchanges ships."""

    key: str
    name: str
    counting: InterestCounting | None
    accounts: Mapping[str, tuple[str, MarginThresholds]]
    contracts: Mapping[str, ContractPreset]
    module: ModuleType

    @classmethod
    def of(cls, module: ModuleType) -> Venue:
        """Read a venue module's shipped facts (absent ones are empty)."""
        return cls(
            key=module.__name__.rpartition(".")[2],
            name=module.VENUE,
            counting=getattr(module, "INTEREST_COUNTING", None),
            accounts=getattr(module, "MARGIN_ACCOUNTS", {}),
            contracts=getattr(module, "CONTRACTS", {}),
            module=module,
        )

    @property
    def fee_in_rule(self) -> bool:
        """Whether the venue's liquidation rule carries the taker fee (``liquidation_rule``)."""
        return not hasattr(self.module, "LIQUIDATION_RULE")

    def rule(self, fee_rate: Decimal | None) -> LiquidationRule:
        """The venue's futures rule: ``LIQUIDATION_RULE``, or ``liquidation_rule(fee_rate=)``."""
        if not self.fee_in_rule:
            fixed: LiquidationRule = self.module.LIQUIDATION_RULE
            return fixed
        if fee_rate is None:
            msg = (
                f"--exchange {self.key}: {self.name}'s liquidation rule carries the taker fee "
                "to close; give it as --close-fee-rate (e.g. 0.05%)"
            )
            raise UsageError(msg)
        made: LiquidationRule = self.module.liquidation_rule(fee_rate=fee_rate)
        return made

    def tiers(self, symbol: str) -> tuple[BracketTable, str] | None:
        """A bracket table the venue module ships for ``symbol`` (``<SYMBOL>_TIERS``), if any."""
        table = getattr(self.module, f"{symbol}_TIERS", None)
        if not isinstance(table, BracketTable):
            return None
        return table, str(getattr(self.module, f"{symbol}_TIERS_SOURCE", self.name))


VENUES: Final = {venue.key: venue for venue in map(Venue.of, exchanges.VENUES)}
LENDERS: Final = {
    venue.key: venue
    for venue in map(Venue.of, (*exchanges.VENUES, exchanges.kraken))
    if venue.counting is not None
}
"""Venues with an interest counting rule (``levrisk interest``)."""
MARGIN_VENUES: Final = {key: venue for key, venue in LENDERS.items() if venue.accounts}
"""Lending venues with shipped spot-margin thresholds (``levrisk margin``)."""
FUTURES_VENUES: Final = VENUES
"""Venues with a futures liquidation rule (``levrisk futures`` and ``levrisk target``):
every venue of ``levrisk.exchanges.VENUES``; contract presets where the module ships them,
``--brackets FILE`` otherwise."""


def counting(args: argparse.Namespace, venue: Venue) -> InterestCounting:
    """``--counting``, or the venue's own rule (the commands offer lending venues only)."""
    rule = args.counting or venue.counting
    assert rule is not None  # noqa: S101 - LENDERS and MARGIN_VENUES all have one
    return rule


# --------------------------------------------------------------------------- options


def wrap(text: str) -> str:
    """A help paragraph wrapped for the terminal (the raw formatter keeps line breaks)."""
    return textwrap.fill(text, width=88, break_on_hyphens=False, break_long_words=False)


def command(  # noqa: PLR0917 - the parts of a command's help, in the order help shows them
    commands: Any,  # noqa: ANN401 - argparse's private _SubParsersAction
    name: str,
    summary: str,
    description: str,
    anchor: str,
    epilog: str,
) -> argparse.ArgumentParser:
    """Add the command ``name``; its description ends with the pointer to its rule."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=wrap(f"{description} ({rules(anchor)})."),
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def add_common(parser: argparse.ArgumentParser, venues: Mapping[str, object], what: str) -> None:
    """``--json``, ``--exact`` and ``--exchange`` (the venues that ship ``what``)."""
    out = parser.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="print one JSON object (exact strings)")
    out.add_argument("--exact", action="store_true", help="print exact, unrounded figures")
    parser.add_argument(
        "--exchange",
        choices=sorted(venues),
        default="binance",
        help=f"venue preset: {what} (default: %(default)s)",
    )


def add_rates(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """The interest options: one rate, the counting rule, waived hours."""
    group = parser.add_argument_group("interest")
    rates = group.add_mutually_exclusive_group(required=required)
    add_rate(rates, "--hourly-rate", "hourly rate, a fraction or a percentage (0.001%%)")
    add_rate(rates, "--daily-rate", "daily rate (hourly = daily / 24), e.g. 0.02%%")
    add_rate(rates, "--yearly-rate", "yearly rate (hourly = yearly / (365 x 24))")
    group.add_argument(
        "--rate-change",
        action="append",
        metavar="TIME=RATE",
        help="a new hourly rate in force from TIME on, e.g. 2024-01-02T00:00Z=0.0003 (repeatable)",
    )
    group.add_argument(
        "--counting",
        choices=options(InterestCounting),
        help="when an hour is charged (default: the exchange's rule)",
    )
    group.add_argument(
        "--waived-hours", type=int, default=0, metavar="N", help="interest-free first accruals"
    )


def add_contract(parser: argparse.ArgumentParser) -> None:
    """``--kind`` and ``--contract-size``: the contract on a venue without presets."""
    group = parser.add_argument_group("contract (venues without presets)")
    group.add_argument(
        "--kind",
        choices=options(ContractKind),
        default="linear",
        help="linear (quote-settled) or inverse (coin-settled) (default: %(default)s)",
    )
    group.add_argument(
        "--contract-size",
        default="1",
        help="base per contract (linear) or quote per contract (inverse), e.g. 100 for "
        "BitMEX XBTUSD (default: %(default)s)",
    )


def add_position(parser: argparse.ArgumentParser, *, size_required: bool = True) -> None:
    """A futures position: side, ``--symbol``, ``--brackets``, size, entry, leverage."""
    presets = {s: p for venue in FUTURES_VENUES.values() for s, p in venue.contracts.items()}
    parser.add_argument("side", choices=SIDES, help="position side")
    add_contract(parser)
    parser.add_argument(
        "--symbol",
        default="BTCUSDT",
        help="a contract with a shipped bracket snapshot: "
        + ", ".join(f"{s} ({p.contract.kind}, {p.size_unit})" for s, p in presets.items())
        + ", or any USDⓈ-M symbol of Binance's brackets of 2024-10-24 (linear, e.g. SOLUSDT)"
        "; on another --exchange, the symbol of --brackets FILE or of the tiers it ships"
        " (default: %(default)s)",
    )
    parser.add_argument(
        "--brackets",
        metavar="FILE",
        help="the symbol's table from a saved Binance leverageBracket response or ccxt "
        "leverage tiers (JSON) instead of the shipped snapshot",
    )
    size_help = "size: base units (linear) or contracts (inverse)"
    if not size_required:
        size_help += (
            "; the target prices do not depend on it, the liquidation price does (the "
            "bracket follows the notional): it is shown only for a given size"
        )
    parser.add_argument("--size", required=size_required, help=size_help)
    parser.add_argument("--entry-price", required=True, help="entry price, quote per base")
    parser.add_argument("--leverage", required=True, help="leverage, at most the bracket's max")


def add_rate(parser: Any, option: str, text: str, default: str | None = None) -> None:  # noqa: ANN401 - a parser, group or exclusive group
    """A rate option: a fraction or a percentage, read by :func:`rate`."""
    parser.add_argument(option, metavar="RATE", type=rate(option), default=default, help=text)


def add_fees(parser: argparse.ArgumentParser) -> None:
    """The opening and closing fee rates of a break-even price."""
    add_rate(parser, "--open-fee-rate", "opening fee rate, e.g. 0.05%% (break-even)")
    add_rate(
        parser,
        "--close-fee-rate",
        "closing (taker) fee rate, e.g. 0.05%% (break-even; the liquidation rule of "
        "venues whose rule carries the fee)",
    )
