"""Tests of a spot-margin loan's life: borrows, repayments, accruals (rule-ledger)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

from levrisk.exceptions import InvalidInputError
from levrisk.interest import Repayment, loan_state
from levrisk.margin._ledger import Borrow, loan_ledger

UTC = timezone.utc
NAIVE = datetime(2024, 5, 1)  # noqa: DTZ001 - a naive datetime on purpose


def at(hour: int, minute: int = 0) -> datetime:
    """2024-05-01 at ``hour:minute`` UTC."""
    return datetime(2024, 5, 1, hour, minute, tzinfo=UTC)


class TestLoanLedger:
    """rule-ledger: each borrow a tranche on loan_state; repayments oldest tranche first."""

    def test_one_borrow_is_loan_state(self) -> None:
        """One borrow and one repayment replay exactly as loan_state."""
        events: list[Borrow | Repayment] = [
            Borrow(at=at(13, 55), amount=1000),
            Repayment(at=at(14, 30), amount="500.02"),
        ]
        states = loan_ledger(events, "0.00001", observe=[at(16, 30)])
        expected = loan_state(1000, "0.00001", at(13, 55), at(16, 30), repayments=[events[1]])  # type: ignore[list-item]
        last = states[-1]
        assert (last.principal, last.interest_outstanding, last.interest_accrued) == (
            expected.principal,
            expected.interest_outstanding,
            expected.interest_accrued,
        )
        assert [s.event for s in states] == [*events, None]

    def test_two_tranches_by_hand(self) -> None:
        """1,000 at 10:00 and 1,000 at 12:00, 0.01 %/h; repay 1,000.3 at 13:30; observe 14:00.

        Tranche 1 accrues at 10, 11, 12, 13 h (0.4) and tranche 2 at 12, 13 h (0.2). The
        repayment pays tranche 1's 0.4 interest and 999.9 principal (0.1 left). At 14:00
        tranche 1 accrues 0.00001 and tranche 2 another 0.1.
        """
        states = loan_ledger(
            [
                Borrow(at=at(10), amount=1000),
                Borrow(at=at(12), amount=1000),
                Repayment(at=at(13, 30), amount="1000.3"),
            ],
            "0.0001",
            observe=[at(14)],
        )
        repaid = states[2]
        assert (repaid.principal, repaid.interest_outstanding) == (
            Decimal("1000.1"),
            Decimal("0.2"),
        )
        last = states[3]
        assert last.principal == Decimal("1000.1")
        assert last.interest_outstanding == Decimal("0.30001")
        assert last.interest_accrued == Decimal("0.70001")
        assert last.owed == Decimal("1000.40001")

    def test_repayment_spills_to_the_next_tranche(self) -> None:
        """A repayment above the oldest tranche's debt pays the next one."""
        states = loan_ledger(
            [
                Borrow(at=at(10), amount=100),
                Borrow(at=at(10), amount=100),
                Repayment(at=at(10), amount=150),
            ],
            0,
        )
        assert states[-1].principal == Decimal(50)

    def test_interest_never_decreases(self) -> None:
        """Hourly observations: the accrued interest never falls."""
        states = loan_ledger(
            [Borrow(at=at(0), amount=1000), Repayment(at=at(5), amount=600)],
            "0.0001",
            observe=[at(h) for h in range(1, 12)],
        )
        accrued = [s.interest_accrued for s in states]
        assert accrued == sorted(accrued)

    @pytest.mark.parametrize(
        ("events", "kwargs", "match"),
        [
            ("x", {}, "events must be an iterable"),
            ([1], {}, r"events\[0\] must be a Borrow or a Repayment"),
            ([], {}, "events must start with a Borrow"),
            ([Repayment(at=at(1), amount=1)], {}, "events must start with a Borrow"),
            (
                [Borrow(at=at(2), amount=1), Borrow(at=at(1), amount=1)],
                {},
                r"events\[1\] must not be before",
            ),
            ([Borrow(at=at(2), amount=1)], {"observe": [at(1)]}, "observe must not be before"),
            ([Borrow(at=at(2), amount=1)], {"observe": [NAIVE]}, "observe"),
            (
                [Borrow(at=at(2), amount=1), Repayment(at=at(3), amount=5)],
                {},
                "must not exceed what is owed",
            ),
            ([Borrow(at=at(2), amount=1)], {"counting": "daily"}, "counting must be one of"),
        ],
        ids=[
            "string",
            "type",
            "empty",
            "repay-first",
            "order",
            "observe-early",
            "observe-naive",
            "over-repay",
            "counting",
        ],
    )
    def test_rejects(self, events: Any, kwargs: dict[str, Any], match: str) -> None:
        """Bad events or observations raise InvalidInputError naming them."""
        with pytest.raises(InvalidInputError, match=match):
            loan_ledger(events, "0.0001", **kwargs)

    def test_borrow_rejects(self) -> None:
        """A borrow of 0 is refused."""
        with pytest.raises(InvalidInputError, match="amount must be positive"):
            Borrow(at=at(1), amount=0)
