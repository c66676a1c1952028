"""``levrisk interest``: interest accrued on a loan between two UTC times."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from levrisk import interest
from levrisk.cli import _args, _render
from levrisk.cli._render import AMOUNT, RATE, Report, Row, Section
from levrisk.numbers import exact

_SUMMARY = "interest accrued on a loan between two UTC times"
_DESCRIPTION = "Hourly simple interest on a spot-margin loan"
_EPILOG = (
    "example:\n  levrisk interest --principal 1000 --asset USDT --hourly-rate 0.00001 "
    "--from 2024-05-01T13:55Z --to 2024-05-01T14:30Z"
)


def add(commands: Any) -> None:  # noqa: ANN401 - argparse's private _SubParsersAction
    """Register the command and its arguments."""
    p = _args.command(commands, "interest", _SUMMARY, _DESCRIPTION, "rule-interest", _EPILOG)
    p.add_argument("--principal", required=True, help="amount borrowed, in the borrowed asset")
    p.add_argument("--asset", default="USDT", help="the borrowed asset (default: %(default)s)")
    p.add_argument(
        "--from",
        dest="start",
        required=True,
        metavar="TIME",
        help="when the loan was taken: ISO-8601 with offset, e.g. 2024-05-01T13:55Z",
    )
    p.add_argument(
        "--to",
        dest="end",
        required=True,
        metavar="TIME",
        help="the end of the period (now or the repayment), ISO-8601 with offset",
    )
    _args.add_rates(p, required=True)
    _args.add_common(p, _args.LENDERS, "the interest counting rule")
    p.set_defaults(handler=run, names=NAMES)


NAMES = {"borrowed_at": "--from", "until": "--to", "at": "--to"}
"""The library's argument names that this command's options give."""


@exact
def run(args: argparse.Namespace) -> Report:
    """Compute the interest and build the report."""
    venue = _args.LENDERS[args.exchange]
    start = _args.instant("--from", args.start)
    end = _args.instant("--to", args.end)
    rule = _args.counting(args, venue)
    schedule = _args.rate_schedule(args, start, rule)
    hours = interest.accrual_period(rule) // timedelta(hours=1)
    unit = "hourly" if hours == 1 else f"{hours}-hour period"
    count = interest.accrual_count(start, end, counting=rule)
    first = interest.first_accrual(start, end, counting=rule)
    last = interest.last_accrual(start, end, counting=rule)
    amount = interest.accrued_interest(
        args.principal,
        schedule=schedule,
        borrowed_at=start,
        until=end,
        waived_hours=args.waived_hours,
        counting=rule,
    )
    asset = args.asset
    inputs = (
        Row("principal", "principal", _args.number("--principal", args.principal), asset, None),
        Row(
            "hourly_rate" if hours == 1 else "period_rate",
            "hourly rate at borrowing" if hours == 1 else f"rate per {unit} at borrowing",
            schedule.rate_at(start),
            "",
            None if args.hourly_rate is not None else RATE,
        ),
        Row("borrowed_at", "borrowed at", start.astimezone(_args.UTC)),
        Row("until", "until", end.astimezone(_args.UTC)),
        Row("counting", "counting rule", rule),
        Row("waived_hours", "waived hours", args.waived_hours),
    )
    results = (
        Row("accruals", f"{'hourly' if hours == 1 else unit} accruals", count),
        Row("first_accrual", "first accrual", first),
        Row("last_accrual", "last accrual", last),
        Row("interest", "interest", amount, asset, AMOUNT),
    )
    notes = [
        f"{unit} rates in force from {c.since.isoformat()}: {_render.plain(c.hourly_rate)}"
        for c in schedule.changes[1:]
    ]
    notes += _args.daily_note(args, start, rule)
    return Report(
        command="interest",
        title=(
            f"Interest on a spot-margin loan ({venue.name}, counting rule {rule!r}, "
            f"{_render.rules('rule-interest')})"
        ),
        sections=(Section("inputs", "Loan", inputs), Section("results", "Interest", results)),
        notes=tuple(notes),
    )
