"""Plain data of reships and returns: the words of a return's life, its verbs declared once
(from which states, who may, where it goes), and what screens and the CLI read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from app.i18n import N_
from app.permissions import Actor, Permission


class ReturnStatus(StrEnum):
    BOOKED = "booked"  # the RMA is issued; the parcel is on its way back
    RECEIVED = "received"  # the parcel is here, not yet inspected
    INSPECTED = "inspected"  # back to stock or written off; the refund requested
    CANCELLED = "cancelled"  # the customer kept the goods after all


class ReturnReason(StrEnum):
    DAMAGED = "damaged"  # arrived damaged
    DEFECTIVE = "defective"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"
    CHANGED_MIND = "changed_mind"
    ORDERED_BY_MISTAKE = "ordered_by_mistake"


STATUS_WORDS = {
    ReturnStatus.BOOKED: N_("Return booked"),
    ReturnStatus.RECEIVED: N_("Return received"),
    ReturnStatus.INSPECTED: N_("Return inspected"),
    ReturnStatus.CANCELLED: N_("Return cancelled"),
}
REASON_WORDS = {
    ReturnReason.DAMAGED: N_("Arrived damaged"),
    ReturnReason.DEFECTIVE: N_("Defective"),
    ReturnReason.WRONG_ITEM: N_("Wrong item sent"),
    ReturnReason.NOT_AS_DESCRIBED: N_("Not as described"),
    ReturnReason.CHANGED_MIND: N_("Changed their mind"),
    ReturnReason.ORDERED_BY_MISTAKE: N_("Ordered by mistake"),
}

RS = ReturnStatus


@dataclass(frozen=True)
class ReturnVerb:
    name: str
    label: str  # N_-marked
    from_states: frozenset[str]
    to_state: str
    permission: Permission


# Customer service books and cancels; the warehouse receives the parcel and inspects it.
RETURN_VERBS: dict[str, ReturnVerb] = {
    verb.name: verb
    for verb in (
        ReturnVerb("receive", N_("Parcel came back"), frozenset({RS.BOOKED}), RS.RECEIVED,
                   Permission.ADJUST_STOCK),
        ReturnVerb("inspect", N_("Inspect"), frozenset({RS.RECEIVED}), RS.INSPECTED,
                   Permission.ADJUST_STOCK),
        ReturnVerb("cancel", N_("Cancel return"), frozenset({RS.BOOKED}), RS.CANCELLED,
                   Permission.HANDLE_CASES),
    )
}  # fmt: skip
BOOK_PERMISSION = Permission.HANDLE_CASES


def return_why_not(verb: ReturnVerb, status: str, actor: Actor) -> str:
    """ "" when ``actor`` may run ``verb`` on a return in ``status``; else the reason."""
    if status not in verb.from_states:
        return N_("not possible on a return that is {status}")
    if not actor.may(verb.permission):
        return N_("your role may not do this")
    return ""


@dataclass(frozen=True)
class ReturnLineRow:
    order_line_id: int
    sku: str
    quantity: int
    resellable: int
    written_off: int


@dataclass(frozen=True)
class ReturnRow:
    id: int
    number: str
    order: str
    case: str | None
    status: str
    reason: str
    currency: str
    goods_cents: int
    fee_cents: int
    refund: str | None
    booked_at: dt.datetime
    lines: tuple[ReturnLineRow, ...]

    def as_json(self) -> dict:
        return {
            "number": self.number,
            "order": self.order,
            "case": self.case,
            "status": self.status,
            "reason": self.reason,
            "currency": self.currency,
            "goods_cents": self.goods_cents,
            "fee_cents": self.fee_cents,
            "refund": self.refund,
            "booked_at": self.booked_at.isoformat(),
            "lines": [
                {"sku": line.sku, "quantity": line.quantity, "resellable": line.resellable,
                 "written_off": line.written_off}
                for line in self.lines
            ],
        }  # fmt: skip


@dataclass(frozen=True)
class ReshipRow:
    shipment: str
    status: str
    replaces: str | None
