"""The ``levrisk`` command: a reference calculator over the library.

This is the only package of levrisk that does I/O (it prints and returns exit codes);
everything it shows is computed by the library's public functions. Numbers are parsed
from the command line as exact decimals and passed on as strings, so the numeric
contract of :mod:`levrisk.numbers` applies unchanged.

- Human output is aligned and rounded for display (prices to 2 decimals, amounts to 8,
  ratios to 4); ``--exact`` prints every figure unrounded.
- ``--json`` prints one JSON object: every figure is a string holding the exact decimal
  (``Decimal(text)`` gives back the library's value), counts are integers, instants are
  ISO-8601 strings, absent quantities (no liquidation price) are ``null``.
- Bad input prints one line ``levrisk: error: ...`` on stderr and exits with code 2;
  ``--help`` exits with 0. The line names the command's options (``--closed-at``, not
  the library's ``at``) and shows numbers as plain decimals (no ``Decimal('…')``, no
  exponent).
- Rates take a fraction or a percentage (``--fee-rate 0.1%``); instants are ISO 8601
  with ``Z`` or a ``±HH:MM`` offset, read by one strict grammar on every Python.
- Report titles point to the rule they apply in the formula reference
  (``rules: explanation/formulas.html#rule-futures``, a page of the documentation).

The defaults come from the dated snapshots and presets of :mod:`levrisk.exchanges`, so
the calculator works offline; the output names the snapshot and its date.

Layout: each command's arguments sit beside its handler (``_interest``, ``_margin``,
``_futures``, ``_target``); ``_args`` parses what they share (numbers, instants, rates,
venues) and ``_render`` shows a report as text or JSON.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import IO, Final

from levrisk import __version__
from levrisk.cli import _futures, _interest, _margin, _reconcile, _size, _target
from levrisk.cli._args import Exit, Parser, UsageError, trader_words, wrap
from levrisk.cli._render import to_json, to_text
from levrisk.exceptions import LevriskError

__all__ = ["main"]

_PROG: Final = "levrisk"

_EPILOG: Final = """\
examples:
  # the seed scenario: borrow 0.1 BTC at 60,000 on 3x, buy it back at 50,000 after 24 h
  levrisk margin short --borrow 0.1 --price 60000 --leverage 3 \\
      --exit-price 50000 --hours 24 --daily-rate 0.0002 --fee-rate 0.001

  # interest between two UTC times (Binance: one hour at borrowing, then every HH:00)
  levrisk interest --principal 1000 --asset USDT --hourly-rate 0.00001 \\
      --from 2024-05-01T13:55Z --to 2024-05-01T14:30Z

  # a 10x isolated BTCUSDT futures short: margin, margin ratio, liquidation price
  levrisk futures short --size 0.1 --entry-price 60000 --leverage 10

  # the largest size whose liquidation lies beyond a stop, for 1,000 USDT of margin
  levrisk size long --entry-price 62000 --stop-price 60000 --margin 1000

  # take-profit at +50 % ROE and stop-loss at -25 % ROE, as JSON
  levrisk target short --entry-price 60000 --leverage 10 \\
      --take-profit 50% --stop-loss 25% --json

Human output is rounded for display; --exact prints exact figures and --json prints
exact decimals as strings. Bad input: one line on stderr, exit code 2.
"""


def _parser() -> Parser:
    """The ``levrisk`` parser with every command."""
    parser = Parser(
        prog=_PROG,
        description=wrap(
            "levrisk: a reference calculator for leveraged crypto trading — spot-margin "
            "shorts and longs, hourly interest, futures margin and liquidation prices. "
            "Exact decimal arithmetic; defaults from Binance's shipped, dated snapshots."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in (_interest, _margin, _futures, _target, _size, _reconcile):
        command.add(commands)
    return parser


def _print(text: str, stream: IO[str]) -> None:
    stream.write(text + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``levrisk`` command line and return its exit code.

    Args:
        argv: the arguments after the program name (default: ``sys.argv[1:]``).

    Returns:
        0 on success (and for ``--help``/``--version``), 2 for bad input, with one line
        ``levrisk: error: ...`` on stderr.

    .. versionadded:: 0.1.0
    """
    parser = _parser()
    names: dict[str, str] = {}
    try:
        args = parser.parse_args(argv)
        names = getattr(args, "names", {})
        report = args.handler(args)
    except Exit as stop:
        return stop.status
    except (UsageError, LevriskError) as error:
        message = trader_words(str(error), names)
        _print(f"{_PROG}: error: {message}", sys.stderr)
        return 2
    except ArithmeticError as error:  # decimal traps, datetime overflow: inputs out of range
        name = type(error).__name__
        _print(
            f"{_PROG}: error: a number is out of the range levrisk computes in ({name})", sys.stderr
        )
        return 2
    if args.json:
        _print(to_json(report), sys.stdout)
    else:
        _print(to_text(report, exact_figures=args.exact), sys.stdout)
    return 0
