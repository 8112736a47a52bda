"""Findings → outcome: approved, or the one queue where a person deals with the order.

Precedence when blocking findings point at several queues (first match wins):

1. **exception** — a duplicate, a block-listed or otherwise suspicious order, a frozen or
   banned account. Nothing else is worth doing until someone decides the order is genuine:
   asking a fraudster for a phone number or offering a duplicate a substitute wastes the
   desk's time and tells the wrong person things.
2. **payment_problem** — failed, missing or wrong payment, wrong price, account in arrears.
   Without money agreed there is no sale to complete.
3. **needs_info** — missing or invalid name, phone, address, unknown SKU, odd quantity.
   A contact task fixes the data; the order is then reviewed again.
4. **stock_short** — last, because stock may arrive while the other problems are solved,
   and a substitute is only worth offering on an order that can otherwise go.

Warnings never route an order. With no blocking finding the order is approved, unless
``everything_to_person`` is set: then it stays in "to review" (status ``received``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from app.review.model import Finding, Queue
from app.review.reasons import Why, held_back
from app.workflow import OrderStatus as OS


class Outcome(StrEnum):
    APPROVED = "approved"
    TO_REVIEW = "to_review"
    NEEDS_INFO = "needs_info"
    STOCK_SHORT = "stock_short"
    PAYMENT_PROBLEM = "payment_problem"
    EXCEPTION = "exception"


QUEUE_PRECEDENCE: tuple[Queue, ...] = (
    Queue.EXCEPTION,
    Queue.PAYMENT_PROBLEM,
    Queue.NEEDS_INFO,
    Queue.STOCK_SHORT,
)

# The order status each outcome puts the order in (see app.workflow.OrderStatus).
STATUS_FOR_OUTCOME: dict[Outcome, str] = {
    Outcome.APPROVED: OS.APPROVED,
    Outcome.TO_REVIEW: OS.RECEIVED,
    Outcome.NEEDS_INFO: OS.NEEDS_INFO,
    Outcome.STOCK_SHORT: OS.STOCK_SHORT,
    Outcome.PAYMENT_PROBLEM: OS.PAYMENT_PROBLEM,
    Outcome.EXCEPTION: OS.ON_HOLD,
}


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    blocking: tuple[Finding, ...]
    warnings: tuple[Finding, ...]

    @property
    def status(self) -> str:
        return STATUS_FOR_OUTCOME[self.outcome]

    @property
    def why(self) -> Why:
        """What decided it, as a code and values (the audit row's ``detail``)."""
        return held_back([finding.message for finding in self.blocking])

    @property
    def reason(self) -> str:
        """One line for the audit trail, in English words: what decided it."""
        return self.why.english()


def decide(findings: Iterable[Finding], *, everything_to_person: bool = False) -> Decision:
    findings = tuple(findings)
    blocking = tuple(f for f in findings if f.blocks)
    warnings = tuple(f for f in findings if not f.blocks)
    if not blocking:
        outcome = Outcome.TO_REVIEW if everything_to_person else Outcome.APPROVED
        return Decision(outcome, blocking, warnings)
    queues = {finding.queue for finding in blocking}
    queue = next(q for q in QUEUE_PRECEDENCE if q in queues)
    return Decision(Outcome(queue.value), blocking, warnings)


def exception_kind(findings: Iterable[Finding]) -> str:
    """The kind of exception record an order in the exception queue gets.

    Malicious outranks duplicate: a duplicate from a block-listed buyer is fraud first.
    """
    codes = {f.code for f in findings if f.blocks and f.queue is Queue.EXCEPTION}
    for prefix, kind in (("malicious.", "malicious"), ("duplicate.", "duplicate")):
        if any(code.startswith(prefix) for code in codes):
            return kind
    if any(code.startswith("customer.") for code in codes):
        return "account"
    return "other"


def related_orders(findings: Iterable[Finding]) -> list[int]:
    """Order ids a duplicate finding names (the twins to compare with)."""
    return sorted(
        {
            value
            for finding in findings
            for key, value in finding.detail
            if key == "order_id" and isinstance(value, int)
        }
    )
