"""Argument parsing shared by the ``levrisk`` commands: numbers, instants, rates, venues.

Numbers are read as exact decimals (the numeric contract of :mod:`levrisk.numbers`);
instants must carry a UTC offset; percentages end in ``%``. Bad input raises
:class:`UsageError`, which ``main`` prints as one line and exit code 2. The venues come
from :mod:`levrisk.exchanges`: what a command offers under ``--exchange`` is what the
venue modules ship (an interest counting rule, margin thresholds, contract presets).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import ModuleType
from typing import Any, Final, NoReturn

import attrs

from levrisk import exchanges, interest
from levrisk._typing import InterestCounting, Side, options
from levrisk.cli._render import rules
from levrisk.exchanges.snapshots import ContractPreset
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


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        """Raise :class:`UsageError` (``main`` prints it)."""
        raise UsageError(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        """Print ``message`` to stderr and raise :class:`Exit`."""
        if message:
            self._print_message(message, sys.stderr)
        raise Exit(status)


# --------------------------------------------------------------------------- values


def number(name: str, text: str) -> Decimal:
    """``text`` as an exact Decimal; the error names the option."""
    return to_decimal(text, name=name)


def fraction(name: str, text: str) -> Decimal:
    """A fraction, or a percentage with a trailing ``%`` (``50%`` is ``0.5``)."""
    stripped = text.strip()
    if stripped.endswith("%"):
        return _percent(name, stripped[:-1])
    return number(name, stripped)


@exact
def _percent(name: str, text: str) -> Decimal:
    return number(name, text) / 100


def instant(name: str, text: str) -> datetime:
    """An ISO-8601 instant with a UTC offset (``Z`` allowed); naive is an error."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        msg = f"{name} must be an ISO-8601 date-time such as 2024-05-01T13:55:00Z, got {text!r}"
        raise UsageError(msg) from None
    if parsed.utcoffset() is None:
        msg = (
            f"{name} must carry a UTC offset (e.g. 2024-05-01T13:55:00Z or "
            f"2024-05-01T15:55:00+02:00), got the naive {text!r}"
        )
        raise UsageError(msg)
    return parsed


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


def rate_schedule(args: argparse.Namespace) -> interest.RateSchedule:
    """The hourly rate from --hourly-rate, --daily-rate or --yearly-rate."""
    if args.hourly_rate is not None:
        return interest.RateSchedule.constant(args.hourly_rate)
    if args.daily_rate is not None:
        return interest.RateSchedule.from_daily(args.daily_rate)
    if args.yearly_rate is not None:
        return interest.RateSchedule.from_yearly(args.yearly_rate)
    msg = "an interest rate is needed: --hourly-rate, --daily-rate or --yearly-rate (0 for none)"
    raise UsageError(msg)


# --------------------------------------------------------------------------- venues


@attrs.frozen
class Venue:
    """What ``--exchange`` selects: what one venue module of levrisk.exchanges ships."""

    key: str
    name: str
    counting: InterestCounting | None
    accounts: Mapping[str, tuple[str, MarginThresholds]]
    contracts: Mapping[str, ContractPreset]

    @classmethod
    def of(cls, module: ModuleType) -> Venue:
        """Read a venue module's shipped facts (absent ones are empty)."""
        return cls(
            key=module.__name__.rpartition(".")[2],
            name=module.VENUE,
            counting=getattr(module, "INTEREST_COUNTING", None),
            accounts=getattr(module, "MARGIN_ACCOUNTS", {}),
            contracts=getattr(module, "CONTRACTS", {}),
        )


VENUES: Final = {venue.key: venue for venue in map(Venue.of, exchanges.VENUES)}
LENDERS: Final = {key: venue for key, venue in VENUES.items() if venue.counting is not None}
"""Venues with an interest counting rule (``levrisk interest``)."""
MARGIN_VENUES: Final = {key: venue for key, venue in LENDERS.items() if venue.accounts}
"""Lending venues with shipped spot-margin thresholds (``levrisk margin``)."""
FUTURES_VENUES: Final = {key: venue for key, venue in VENUES.items() if venue.contracts}
"""Venues with shipped contract presets (``levrisk futures`` and ``levrisk target``)."""


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
    rates.add_argument("--hourly-rate", metavar="RATE", help="hourly rate, a fraction")
    rates.add_argument("--daily-rate", metavar="RATE", help="daily rate (hourly = daily / 24)")
    rates.add_argument(
        "--yearly-rate", metavar="RATE", help="yearly rate (hourly = yearly / (365 x 24))"
    )
    group.add_argument(
        "--counting",
        choices=options(InterestCounting),
        help="when an hour is charged (default: the exchange's rule)",
    )
    group.add_argument(
        "--waived-hours", type=int, default=0, metavar="N", help="interest-free first accruals"
    )


def add_position(parser: argparse.ArgumentParser, *, size_default: str | None = None) -> None:
    """A futures position: side, ``--symbol``, ``--brackets``, size, entry, leverage."""
    presets = {s: p for venue in FUTURES_VENUES.values() for s, p in venue.contracts.items()}
    parser.add_argument("side", choices=SIDES, help="position side")
    parser.add_argument(
        "--symbol",
        default="BTCUSDT",
        help="a contract with a shipped bracket snapshot: "
        + ", ".join(f"{s} ({p.contract.kind}, {p.size_unit})" for s, p in presets.items())
        + ", or any USDⓈ-M symbol of Binance's brackets of 2024-10-24 (linear, e.g. SOLUSDT)"
        " (default: %(default)s)",
    )
    parser.add_argument(
        "--brackets",
        metavar="FILE",
        help="the symbol's table from a saved Binance leverageBracket response or ccxt "
        "leverage tiers (JSON) instead of the shipped snapshot",
    )
    size_help = "size: base units (linear) or contracts (inverse)"
    if size_default is None:
        parser.add_argument("--size", required=True, help=size_help)
    else:
        parser.add_argument(
            "--size",
            default=size_default,
            help=(
                f"{size_help}; the target prices do not depend on it, but the liquidation"
                " price does (the bracket follows the notional) (default: %(default)s)"
            ),
        )
    parser.add_argument("--entry-price", required=True, help="entry price, quote per base")
    parser.add_argument("--leverage", required=True, help="leverage, at most the bracket's max")


def add_fees(parser: argparse.ArgumentParser) -> None:
    """The opening and closing fee rates of a break-even price."""
    parser.add_argument("--open-fee-rate", metavar="RATE", help="opening fee rate (break-even)")
    parser.add_argument("--close-fee-rate", metavar="RATE", help="closing fee rate (break-even)")
