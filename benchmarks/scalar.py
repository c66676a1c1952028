"""Benchmark of levrisk's scalar exact path against the bare formula (issue 13).

Prints, in one run, the time of each levrisk call, of the same figure computed inline in
``Decimal`` at 50 digits (the "exact floor": the bracket edges ``cap ∓ MM(cap)`` computed
once, a bisect, the closed form) and of the inline float formula, with the ratios; then
counting a loan's accruals (and its interest at one rate) for one day against 200 years;
then each risk tool at N = 50, 200 and 1,000 positions (or assets) with the ratio of its
time at 200 to its time at 50.

Every figure is the minimum over ``--repeat`` runs of a timed loop (the machine is shared:
take the minimum, and run when ``uptime`` shows low load). Never a timed test.

Run: ``python benchmarks/scalar.py`` (``--repeat 3`` to run faster).
"""

from __future__ import annotations

import argparse
import bisect
import decimal
import platform
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from levrisk import futures, interest, margin, risk
from levrisk.brackets import BracketTable
from levrisk.futures import Contract, CrossAccount, Position

Num = Decimal | float
"""A number of either floor: exact Decimal or float."""

CAPS = [
    50_000,
    500_000,
    8_000_000,
    50_000_000,
    80_000_000,
    100_000_000,
    200_000_000,
    400_000_000,
    600_000_000,
    1_000_000_000,
]
RATES = ["0.004", "0.005", "0.01", "0.025", "0.05", "0.1", "0.125", "0.15", "0.25", "0.5"]
LEVERAGES = [125, 100, 50, 20, 10, 5, 4, 3, 2, 1]
UTC = timezone.utc
CTX = decimal.Context(prec=50)


def table(k: int) -> BracketTable:
    """A ``k``-bracket table: Binance-like for ``k ≤ 10``, then geometric caps."""
    if k <= len(CAPS):
        caps, rates, levs = CAPS[:k], RATES[:k], LEVERAGES[:k]
    else:
        caps = [50_000 * 2**i for i in range(k)]
        rates = [str(Decimal("0.004") + Decimal("0.009") * i) for i in range(k)]
        levs = [max(1, 125 - 2 * i) for i in range(k)]
    return BracketTable.from_rates(caps=caps, maintenance_rates=rates, max_leverages=levs)


def best(func: Callable[[], Any], repeat: int, budget: float = 0.2) -> float:
    """Seconds per call: the minimum over ``repeat`` loops of about ``budget`` seconds."""
    start = time.perf_counter()
    func()
    once = time.perf_counter() - start
    if once > 0.5:  # a slow call: once is enough
        return once
    loops = max(1, int(budget / max(once, 1e-7)))
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(loops):
            func()
        times.append((time.perf_counter() - start) / loops)
    return min(times)


class Edges:
    """The inline floor's precomputation: ``cap ∓ MM(cap)`` for the bisect, in Decimal."""

    def __init__(self, tbl: BracketTable, cast: Callable[[Decimal], Any]) -> None:
        """Precompute the edges of ``tbl`` cast by ``cast``."""
        bs = tbl.brackets
        self.rates = [cast(b.maintenance_rate) for b in bs]
        self.amounts = [cast(b.maintenance_amount) for b in bs]
        self.caps = [cast(b.cap) for b in bs[:-1]]
        mm = [b.cap * b.maintenance_rate - b.maintenance_amount for b in bs[:-1]]
        self.minus = [cast(b.cap - m) for b, m in zip(bs, mm, strict=False)]
        self.plus = [cast(b.cap + m) for b, m in zip(bs, mm, strict=False)]

    def solve(self, kind: str, side: str, q: Num, ep: Num, wallet: Num) -> Num:
        """The isolated liquidation price (mark-valued maintenance, no close fee)."""
        x_e = ep if kind == "linear" else 1 / ep
        d = (1 if kind == "linear" else -1) * (1 if side == "long" else -1)
        if d > 0:
            target = q * x_e - wallet
            j = bisect.bisect_left(self.minus, target)
            n = (target - self.amounts[j]) / (1 - self.rates[j])
        else:
            target = q * x_e + wallet
            j = bisect.bisect_left(self.plus, target)
            n = (target + self.amounts[j]) / (1 + self.rates[j])
        return n / q if kind == "linear" else q / n

    def mm(self, notional: Num) -> Num:
        """The maintenance margin of ``notional``."""
        j = bisect.bisect_left(self.caps, notional)
        return notional * self.rates[j] - self.amounts[j]


def row(name: str, lev: float, exact: float | None, flt: float | None) -> None:
    """Print one line of the table."""
    ex = f"{exact * 1e6:10.2f} {lev / exact:8.1f}x" if exact else f"{'':10} {'':9}"
    fl = f"{flt * 1e6:9.3f} {lev / flt:8.0f}x" if flt else f"{'':9} {'':9}"
    print(f"{name:44} {lev * 1e6:11.2f} {ex} {fl}")


def isolated(repeat: int) -> None:
    """Isolated liquidation and bankruptcy prices."""
    for kind in ("linear", "inverse"):
        for k in (1, 10, 50):
            tbl = table(k)
            size, ep = ("0.5", 61_234) if kind == "linear" else ("30", 61_234)
            contract = Contract(
                symbol="X",
                kind=kind,
                brackets=tbl,
                contract_size=1 if kind == "linear" else 100,
                margin_asset=None if kind == "linear" else "X",
            )
            pos = Position(contract=contract, side="long", size=size, entry_price=ep, leverage=1)
            wallet = Decimal("3061.7") if kind == "linear" else Decimal("0.004899")
            q = Decimal(size) * contract.contract_size
            dec, flo = Edges(tbl, Decimal), Edges(tbl, float)
            ep_d, ep_f, w_f, q_f = Decimal(ep), float(ep), float(wallet), float(q)

            def ours(pos: Position = pos, wallet: Decimal = wallet) -> object:
                return futures.isolated_liquidation_price(pos, margin=wallet)

            def floor(
                dec: Edges = dec,
                kind: str = kind,
                q: Decimal = q,
                e: Decimal = ep_d,
                w: Decimal = wallet,
            ) -> object:
                with decimal.localcontext(CTX):
                    return dec.solve(kind, "long", q, e, w)

            def flt(
                flo: Edges = flo, kind: str = kind, q: float = q_f, e: float = ep_f, w: float = w_f
            ) -> object:
                return flo.solve(kind, "long", q, e, w)

            row(
                f"isolated_liquidation_price {kind} K={k}",
                best(ours, repeat),
                best(floor, repeat),
                best(flt, repeat),
            )
    pos = Position(
        contract=_contract("X", 10), side="short", size=1, entry_price=20_000, leverage=10
    )

    def bankrupt() -> object:
        return futures.bankruptcy_price(pos, margin=2000)

    def bankrupt_floor() -> object:
        with decimal.localcontext(CTX):
            return Decimal(20_000) + Decimal(2000) / Decimal(1)

    row(
        "bankruptcy_price",
        best(bankrupt, repeat),
        best(bankrupt_floor, repeat),
        best(lambda: 20_000.0 + 2000.0 / 1.0, repeat),
    )


def _contract(symbol: str, k: int) -> Contract:
    return Contract(symbol=symbol, kind="linear", brackets=table(k))


def cross(repeat: int) -> None:
    """Cross liquidation price with N positions (one symbol solved, the others at marks)."""
    tbl = table(10)
    dec, flo = Edges(tbl, Decimal), Edges(tbl, float)
    for n in (1, 10, 100, 1000):
        positions = [
            Position(
                contract=Contract(symbol=f"S{i}", kind="linear", brackets=tbl),
                side="long" if i % 2 == 0 else "short",
                size="0.5",
                entry_price=60_000 + 17 * i,
                leverage=10,
            )
            for i in range(n)
        ]
        marks = {p.contract.symbol: Decimal(60_100 + 13 * i) for i, p in enumerate(positions)}
        account = CrossAccount(wallet_balance=3000 * n, positions=positions)
        rows = [
            (1 if p.side == "long" else -1, p.size, p.entry_price, marks[p.contract.symbol])
            for p in positions
        ]
        rows_f = [(s, float(q), float(e), float(m)) for s, q, e, m in rows]

        def ours(account: CrossAccount = account, marks: dict[str, Decimal] = marks) -> object:
            return futures.cross_liquidation_price(account, "S0", mark_prices=marks)

        def floor(rows: list[Any] = rows, w: Decimal = account.wallet_balance) -> object:
            with decimal.localcontext(CTX):
                c = w
                for s, q, e, m in rows[1:]:
                    c += s * q * (m - e) - dec.mm(q * m)
                _, q, e, _ = rows[0]
                return dec.solve("linear", "long", q, e, c)

        def flt(rows: list[Any] = rows_f, w: float = float(account.wallet_balance)) -> object:
            c = w
            for s, q, e, m in rows[1:]:
                c += s * q * (m - e) - flo.mm(q * m)
            _, q, e, _ = rows[0]
            return flo.solve("linear", "long", q, e, c)

        row(
            f"cross_liquidation_price N={n}",
            best(ours, repeat),
            best(floor, repeat),
            best(flt, repeat),
        )


def spot(repeat: int) -> None:
    """Spot margin: open a short and close it."""
    opened = datetime(2024, 5, 1, 13, 55, tzinfo=UTC)
    closed = datetime(2024, 5, 2, 9, 30, tzinfo=UTC)
    rate = Decimal("0.0000041667")

    def ours() -> object:
        trade = margin.open_short(
            3000,
            leverage=3,
            price=60_000,
            opened_at=opened,
            fee_rate="0.001",
            base="BTC",
            quote="USDT",
        )
        return margin.close(trade, exit_price=50_000, at=closed, schedule=rate)

    def floor() -> object:
        with decimal.localcontext(CTX):
            c, lev, p0, p1, f = (
                Decimal(3000),
                Decimal(3),
                Decimal(60_000),
                Decimal(50_000),
                Decimal("0.001"),
            )
            q = c * (lev - 1) / p0
            open_fee = q * p0 * f
            quote = c + q * p0 - open_fee
            level = quote / (q * p0)
            lp = quote / (q * Decimal("1.1"))
            hours = int((closed.timestamp() // 3600) - (opened.timestamp() // 3600)) + 1
            i = q * rate * hours
            repay = q + i
            gross = q * (p0 - p1)
            close_fee = repay * p1 * f
            net = gross - open_fee - close_fee - i * p1
            return level, lp, net, net / c

    def flt() -> object:
        c, lev, p0, p1, f, r = 3000.0, 3.0, 60_000.0, 50_000.0, 0.001, float(rate)
        q = c * (lev - 1) / p0
        open_fee = q * p0 * f
        quote = c + q * p0 - open_fee
        hours = int((closed.timestamp() // 3600) - (opened.timestamp() // 3600)) + 1
        i = q * r * hours
        net = q * (p0 - p1) - open_fee - (q + i) * p1 * f - i * p1
        return quote / (q * p0), quote / (q * 1.1), net, net / c

    row("margin open_short + close", best(ours, repeat), best(floor, repeat), best(flt, repeat))


def accrued(repeat: int) -> None:
    """Accrued interest with 0, 10 and 1,000 rate changes over the loan."""
    start = datetime(2020, 1, 1, 0, 30, tzinfo=UTC)
    end = datetime(2024, 1, 1, 0, 30, tzinfo=UTC)
    for changes in (0, 10, 1000):
        step = (end - start) / (changes + 1)
        pairs = [(start - timedelta(hours=1), Decimal("0.000001"))] + [
            (start + step * (i + 1), Decimal("0.000001") + Decimal(i + 1) * Decimal("1e-9"))
            for i in range(changes)
        ]
        schedule = interest.RateSchedule.from_pairs(pairs)
        hour = 3_600_000_000
        micros = [int(t.timestamp() * 1_000_000) // hour * hour for t, _ in pairs]
        rates = [r for _, r in pairs]
        rates_f = [float(r) for r in rates]

        def ours(schedule: interest.RateSchedule = schedule) -> object:
            return interest.accrued_interest(1000, schedule, start, end)

        def floor(micros: list[int] = micros, rates: list[Decimal] = rates) -> object:
            return _interest(micros, rates, Decimal(1000), start, end)

        def flt(micros: list[int] = micros, rates: list[float] = rates_f) -> object:
            return _interest(micros, rates, 1000.0, start, end)

        row(
            f"accrued_interest, {changes} rate changes",
            best(ours, repeat),
            best(floor, repeat),
            best(flt, repeat),
        )


def counting(repeat: int) -> None:
    """Counting a loan's accruals, and its interest at one rate: one day against 200 years."""
    start = datetime(2024, 5, 1, 13, 55, tzinfo=UTC)
    print()
    print(f"{'loan length':44} {'1 day µs':>11} {'200 y µs':>10} {'200y/1d':>9}")
    for name in ("accrual_count", "accrued_interest (one rate)"):
        times = []
        for end in (start + timedelta(days=1), start.replace(year=2224)):

            def call(end: datetime = end, name: str = name) -> object:
                if name == "accrual_count":
                    return interest.accrual_count(start, end)
                return interest.accrued_interest(1000, "0.0000041667", start, end)

            times.append(best(call, repeat))
        print(
            f"{name:44} {times[0] * 1e6:11.2f} {times[1] * 1e6:10.2f} {times[1] / times[0]:8.2f}x"
        )


def _interest(
    micros: list[int], rates: list[Any], principal: Num, t0: datetime, t1: datetime
) -> Num:
    """Binance counting: one accrual at borrowing, then one at each HH:00 in (t0, t1]."""
    hour = 3_600_000_000
    a = int(t0.timestamp() * 1_000_000)
    b = int(t1.timestamp() * 1_000_000)
    first = (a // hour + 1) * hour
    with decimal.localcontext(CTX):
        total = rates[bisect.bisect_right(micros, a) - 1] * principal
        i = bisect.bisect_right(micros, first) - 1
        t = first
        while t <= b:
            nxt = micros[i + 1] if i + 1 < len(micros) else b + hour
            stop = min(nxt, b + hour)
            hours = (stop - t + hour - 1) // hour
            total += rates[i] * hours * principal
            t += hours * hour
            i += 1
        return total


def risks(repeat: int) -> None:
    """Each risk tool at N = 50, 200 and 1,000 positions or assets."""
    tbl = table(10)
    tools: dict[str, Callable[[int], Callable[[], object]]] = {}

    def futures_account(n: int) -> tuple[CrossAccount, dict[str, Decimal]]:
        positions = [
            Position(
                contract=Contract(symbol=f"S{i}", kind="linear", brackets=tbl),
                side="long" if i % 3 else "short",
                size="0.5",
                entry_price=60_000 + 17 * i,
                leverage=10,
            )
            for i in range(n)
        ]
        marks = {p.contract.symbol: Decimal(60_100 + 13 * i) for i, p in enumerate(positions)}
        return CrossAccount(wallet_balance=3000 * n, positions=positions), marks

    def margin_account(n: int) -> tuple[margin.CrossMarginAccount, dict[str, Decimal]]:
        balances = {f"A{i}": Decimal(10 + i) for i in range(n)}
        prices = {f"A{i}": Decimal(100 + 3 * i) for i in range(n)}
        debt = sum(balances[a] * prices[a] for a in balances) / 2
        account = margin.CrossMarginAccount(
            balances=balances, loans=[margin.Loan(asset="USDT", principal=debt)]
        )
        return account, prices

    def fut_uniform(n: int) -> Callable[[], object]:
        account, marks = futures_account(n)
        return lambda: risk.futures.uniform_move_to_liquidation(account, mark_prices=marks)

    def fut_moves(n: int) -> Callable[[], object]:
        account, marks = futures_account(n)
        return lambda: risk.futures.moves_to_liquidation(account, mark_prices=marks)

    def mar_uniform(n: int) -> Callable[[], object]:
        account, prices = margin_account(n)
        return lambda: risk.margin.uniform_move_to_liquidation(
            account, prices=prices, liquidation_level="1.1"
        )

    def mar_moves(n: int) -> Callable[[], object]:
        account, prices = margin_account(n)
        return lambda: risk.margin.moves_to_liquidation(
            account, prices=prices, liquidation_level="1.1"
        )

    tools = {
        "risk.futures.uniform_move_to_liquidation": fut_uniform,
        "risk.futures.moves_to_liquidation": fut_moves,
        "risk.margin.uniform_move_to_liquidation": mar_uniform,
        "risk.margin.moves_to_liquidation": mar_moves,
    }
    print(f"\n{'risk tool':44} {'N=50 ms':>10} {'N=200 ms':>10} {'N=1000 ms':>11} {'200/50':>7}")
    for name, make in tools.items():
        times: dict[int, float | None] = {}
        for n in (50, 200, 1000):
            previous = times.get(200)
            if n == 1000 and previous is not None and previous * 25 > 60:
                times[n] = None  # quadratic: would take minutes
                continue
            times[n] = best(make(n), repeat if n < 1000 else 1, budget=0.05)
        t50, t200, t1000 = times[50] or 0.0, times[200] or 0.0, times[1000]
        big = f"{t1000 * 1e3:11.1f}" if t1000 is not None else f"{'> 60 s':>11}"
        ratio = t200 / t50 if t50 else 0.0
        print(f"{name:44} {t50 * 1e3:10.2f} {t200 * 1e3:10.2f} {big} {ratio:6.1f}x")


def main() -> None:
    """Parse the options and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="loops per figure (minimum kept)")
    parser.add_argument("--skip-risk", action="store_true", help="skip the risk tools")
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.machine()}; minimum of {args.repeat}")
    print(
        f"{'call':44} {'levrisk µs':>11} {'floor µs':>10} {'ratio':>9} {'float µs':>9} {'ratio':>9}"
    )
    isolated(args.repeat)
    cross(args.repeat)
    spot(args.repeat)
    accrued(args.repeat)
    counting(args.repeat)
    if not args.skip_risk:
        risks(args.repeat)


if __name__ == "__main__":
    main()
