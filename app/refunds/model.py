"""Refund life cycle declared as data, and the balance people see beside an order."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.i18n import N_
from app.permissions import Permission


class RefundStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"


RS = RefundStatus


@dataclass(frozen=True)
class RefundVerb:
    name: str
    label: str
    from_states: frozenset[str]
    to_state: str
    permission: Permission
    needs: str | None = None  # "reason", "reference"


REFUND_VERBS = {
    verb.name: verb
    for verb in (
        RefundVerb(
            "approve",
            N_("Approve"),
            frozenset({RS.REQUESTED}),
            RS.APPROVED,
            Permission.ISSUE_REFUNDS,
        ),
        RefundVerb(
            "reject",
            N_("Reject"),
            frozenset({RS.REQUESTED, RS.APPROVED}),
            RS.REJECTED,
            Permission.ISSUE_REFUNDS,
            needs="reason",
        ),
        RefundVerb(
            "pay",
            N_("Record payment"),
            frozenset({RS.APPROVED}),
            RS.PAID,
            Permission.ISSUE_REFUNDS,
            needs="reference",
        ),
    )
}
# What still counts against the order's balance (a rejected refund gives its amount back).
HOLDS_BALANCE = frozenset({RS.REQUESTED, RS.APPROVED, RS.PAID})


@dataclass(frozen=True)
class Balance:
    """What was paid for an order and what is promised or paid back, in minor units."""

    currency: str
    paid_cents: int
    refunding_cents: int  # requested or approved, not yet paid
    refunded_cents: int  # paid back

    @property
    def available_cents(self) -> int:
        return self.paid_cents - self.refunding_cents - self.refunded_cents

    def as_json(self) -> dict:
        return {
            "currency": self.currency,
            "paid_cents": self.paid_cents,
            "refunding_cents": self.refunding_cents,
            "refunded_cents": self.refunded_cents,
            "available_cents": self.available_cents,
        }
