"""The channel's later word about an order we already have: update, conflict or nothing.

A pure step beside ``matching``: the stored order and the order read again, both as plain
data, go in; a ``Decision`` comes out, which the writer applies in the import's
transaction. No database, no Qt.

What the channel may change by itself (it is the channel's word, and nothing here has
acted on the old one yet):

- payment: a pending order arrives paid (a payment is added);
- amounts: real amounts replace an estimate from the price list, at any stage; the
  channel's own amounts may change only while nothing is paid;
- cancellation: an order the channel reports cancelled, or one whose buyer asked the
  channel to cancel, is cancelled as the desk would (``app.changes``) while it is still in
  the warehouse;
- ship-to: a new address before packing, when it is complete; the service level, the
  ship-by time, a business order's purchase-order number, a late-shipment warning.

Newer word wins: a file that says when the channel last updated the order (Amazon's
last-updated-date, the Unshipped report's reporting-date, SP-API's LastUpdateDate) older
than the word already applied is stale — nothing of it is applied, and the import summary
says so, order by order. A file that does not say when is taken as the latest word.

A field the file's layout does not carry (``known``) is never compared: the same order seen
through a report with other columns is not a change. What cannot be applied safely —
anything once the order has left, a new address or service once its label is printed, a
price changed after payment, other items — stays a conflict for a person, with its reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field, replace

from app.address import PostalAddress
from app.changes.rules import address_problems, why_not_cancel
from app.formats.common import NO_CURRENCY, IncomingLine, IncomingOrder
from app.i18n import N_
from app.intake.matching import CHANNEL, VERGE_OF_LATE_SHIPMENT_PRIORITY

SHIP_TO_PARTS = (
    "name",
    "line1",
    "line2",
    "line3",
    "city",
    "region",
    "postal_code",
    "country_code",
    "phone",
)
# Order facts a layout may lack (``known``); the amounts are known when the file has money.
FACTS = (
    *(f"ship_to.{part}" for part in SHIP_TO_PARTS),
    "paid",
    "purchased_at",
    "ship_by",
    "service",
    "business",
    "purchase_order_number",
    "buyer_cancellation",
    "late",
    "amounts.gift_wrap",
    "amounts.discount",
)

# Why a change stays a conflict for a person (codes stored with the conflict).
ALREADY_SHIPPED = "already_shipped"
ALREADY_PACKED = "already_packed"
PRICE_AFTER_PAYMENT = "price_changed_after_payment"
ITEMS_CHANGED = "items_changed"
ADDRESS_INCOMPLETE = "address_incomplete"
FULFILLED_BY_CHANNEL = "fulfilled_by_channel"
PURCHASE_DATE_CHANGED = "purchase_date_changed"
MAY_NOT_CANCEL = "may_not_cancel"
CONFLICT_REASONS = {
    ALREADY_SHIPPED: N_("the order has left the warehouse"),
    ALREADY_PACKED: N_("the order is packed and its label printed"),
    PRICE_AFTER_PAYMENT: N_("the price changed after payment"),
    ITEMS_CHANGED: N_("the items or quantities changed"),
    ADDRESS_INCOMPLETE: N_("the new address is incomplete"),
    FULFILLED_BY_CHANNEL: N_("the channel now fulfils the order itself"),
    PURCHASE_DATE_CHANGED: N_("the purchase date changed"),
    MAY_NOT_CANCEL: N_("the person importing may not cancel orders"),
}

# Why the channel cancels (the order's cancellation reason, and whether Amazon is told).
CHANNEL_CANCELLED = "channel_cancelled"  # the channel cancelled it: nothing to report
BUYER_REQUESTED = "buyer_requested"  # the buyer asked: we cancel, and report it back

UPDATE, CONFLICT, NOTHING, STALE = "update", "conflict", "nothing", "stale"

_LEFT = frozenset({"partly_shipped", "shipped", "delivered", "returned", "refunded"})
_SHIPMENT_LEFT = frozenset(
    {"shipped", "in_transit", "out_for_delivery", "delivered", "delayed", "lost", "damaged",
     "returned"}
)  # fmt: skip
# An order the review desk has not passed on yet, or passed but not allocated: a change
# of address, money or payment sends it back to be reviewed again. (A hold is a person's.)
RECHECK_FROM = frozenset({"needs_info", "stock_short", "payment_problem", "approved"})


@dataclass(frozen=True)
class StoredLine:
    line_id: int
    sku: str
    quantity: int
    line_total: int
    tax: int = 0
    discount: int = 0
    channel_line_id: str | None = None


@dataclass(frozen=True)
class StoredOrder:
    """The order as we have it, with what the warehouse has done with it."""

    order_id: int
    status: str
    amounts_source: str
    currency: str
    subtotal: int
    shipping: int
    tax: int
    discount: int
    total: int
    is_paid: bool
    ship_to: PostalAddress
    lines: tuple[StoredLine, ...]
    shipment_statuses: tuple[str, ...] = ()
    purchased_at: dt.datetime | None = None
    ship_by_at: dt.datetime | None = None
    requested_service: str = "standard"
    is_business_order: bool = False
    purchase_order_number: str | None = None
    buyer_requested_cancellation: bool = False
    priority: int = 0
    channel_updated_at: dt.datetime | None = None  # when the word we hold was said

    @property
    def has_left(self) -> bool:
        return self.status in _LEFT or any(s in _SHIPMENT_LEFT for s in self.shipment_statuses)

    @property
    def is_packed(self) -> bool:
        return "packed" in self.shipment_statuses


@dataclass(frozen=True)
class Change:
    """One value the channel changed: what the audit event shows."""

    field: str
    old: object
    new: object


@dataclass(frozen=True)
class Unsafe:
    """A change that cannot be applied: it stays a conflict, for this reason."""

    reason: str
    field: str
    old: object = None
    new: object = None


@dataclass(frozen=True)
class NewPayment:
    amount: int
    currency: str
    paid_at: dt.datetime | None


@dataclass(frozen=True)
class Decision:
    """What to write: columns of the order and of its lines, a payment, a cancellation;
    ``changes`` for the audit; ``unsafe`` what stays a conflict (the rest is applied)."""

    changes: tuple[Change, ...] = ()
    unsafe: tuple[Unsafe, ...] = ()
    order_columns: dict[str, object] = field(default_factory=dict)
    line_columns: tuple[tuple[int, dict[str, int]], ...] = ()
    new_payment: NewPayment | None = None
    payment_amount: tuple[int, str] | None = None  # the marketplace payment's real amount
    cancel: str | None = None  # CHANNEL_CANCELLED or BUYER_REQUESTED
    recheck: bool = False  # back to the review desk
    # A newer word than the one held (its time, kept with the order); not a change.
    said_at: dt.datetime | None = None
    # The file's word is older than the one held (whose time this is): nothing applied.
    stale_since: dt.datetime | None = None

    @property
    def outcome(self) -> str:
        if self.stale_since is not None:
            return STALE
        if self.unsafe:
            return CONFLICT
        return UPDATE if self.changes or self.cancel else NOTHING


NO_CHANGE = Decision()


def decide(
    stored: StoredOrder,
    incoming: IncomingOrder,
    known: Collection[str] | None = None,
    *,
    may_cancel: bool = True,
) -> Decision:
    """What the channel's ``incoming`` copy of ``stored`` means; ``known``: the facts the
    file's layout carries (None: all of them)."""
    knows = (lambda fact: True) if known is None else known.__contains__
    if stored.status == "cancelled":
        return NO_CHANGE  # nothing the channel says any more changes a cancelled order
    held, said = stored.channel_updated_at, incoming.channel_updated_at
    if held is not None and said is not None and said < held:
        return Decision(stale_since=held)  # an older file read after a newer one
    decision = _decide(stored, incoming, knows, may_cancel)
    if said is not None and (held is None or said > held):
        return replace(decision, said_at=said)
    return decision


def _decide(stored: StoredOrder, incoming: IncomingOrder, knows, may_cancel: bool) -> Decision:
    if incoming.fulfilled_by_channel:
        return Decision(unsafe=(Unsafe(FULFILLED_BY_CHANNEL, "fulfilled_by_channel"),))
    cancel = _cancel_reason(stored, incoming, knows)
    if cancel:
        if why_not_cancel(stored.status, stored.shipment_statuses):  # the desk's own rule
            return Decision(unsafe=(Unsafe(ALREADY_SHIPPED, "status", stored.status, "cancelled"),))
        if not may_cancel:
            return Decision(unsafe=(Unsafe(MAY_NOT_CANCEL, "status", stored.status, "cancelled"),))
        return Decision(changes=(Change("status", stored.status, "cancelled"),), cancel=cancel)

    plan = _Plan()
    became_paid = knows("paid") and incoming.is_paid and not stored.is_paid
    matched = _match_lines(stored.lines, incoming.lines)
    if matched is None:
        plan.unsafe.append(
            Unsafe(ITEMS_CHANGED, "items", _items(stored.lines), _items(incoming.lines))
        )
    if incoming.currency != NO_CURRENCY and matched is not None:
        _amounts(plan, stored, incoming, matched, knows)
    if became_paid:
        amount, currency = (
            plan.order.get("total_cents", stored.total),
            plan.order.get("currency", stored.currency),
        )
        plan.payment = NewPayment(int(amount), str(currency), incoming.paid_at)  # type: ignore[arg-type]
        plan.changes.append(Change("paid", False, True))
        plan.recheck = True
    _ship_to(plan, stored, incoming.ship_to, knows)
    _order_facts(plan, stored, incoming, knows)
    return plan.decision(stored)


# --------------------------------------------------------------------------- parts


@dataclass
class _Plan:
    changes: list[Change] = field(default_factory=list)
    unsafe: list[Unsafe] = field(default_factory=list)
    order: dict[str, object] = field(default_factory=dict)
    lines: list[tuple[int, dict[str, int]]] = field(default_factory=list)
    payment: NewPayment | None = None
    payment_amount: tuple[int, str] | None = None
    recheck: bool = False

    def set(self, column: str, label: str, old: object, new: object) -> None:
        self.order[column] = new
        self.changes.append(Change(label, old, new))

    def decision(self, stored: StoredOrder) -> Decision:
        if not (self.changes or self.unsafe):
            return NO_CHANGE
        return Decision(
            changes=tuple(self.changes),
            unsafe=tuple(self.unsafe),
            order_columns=dict(self.order),
            line_columns=tuple(self.lines),
            new_payment=self.payment,
            payment_amount=self.payment_amount,
            recheck=self.recheck and stored.status in RECHECK_FROM,
        )


def _cancel_reason(stored: StoredOrder, incoming: IncomingOrder, knows) -> str | None:
    if incoming.cancelled:
        return CHANNEL_CANCELLED
    if (
        knows("buyer_cancellation")
        and incoming.buyer_requested_cancellation
        and not stored.buyer_requested_cancellation
    ):
        return BUYER_REQUESTED
    return None


def _items(lines) -> list[list]:
    return sorted([line.sku, line.quantity] for line in lines)


def _match_lines(
    stored: tuple[StoredLine, ...], incoming: tuple[IncomingLine, ...]
) -> list[tuple[StoredLine, IncomingLine]] | None:
    """Each incoming line with its stored line (by the channel's line id where both have
    one, else by SKU and quantity); None when the items differ."""
    if len(stored) != len(incoming):
        return None
    free = list(stored)
    pairs = []
    for line in incoming:
        found = next(
            (
                s
                for s in free
                if s.sku == line.sku
                and s.quantity == line.quantity
                and (
                    not (s.channel_line_id and line.channel_line_id)
                    or s.channel_line_id == line.channel_line_id
                )
            ),
            None,
        )
        if found is None:
            return None
        free.remove(found)
        pairs.append((found, line))
    return pairs


def _amounts(
    plan: _Plan,
    stored: StoredOrder,
    incoming: IncomingOrder,
    matched: list[tuple[StoredLine, IncomingLine]],
    knows,
) -> None:
    new = {
        "currency": incoming.currency,
        "subtotal_cents": incoming.subtotal_minor,
        "shipping_cents": incoming.shipping_minor,
        "tax_cents": incoming.tax_minor,
        "discount_cents": incoming.discount_minor,
        "total_cents": incoming.total_minor,
    }
    old = {
        "currency": stored.currency,
        "subtotal_cents": stored.subtotal,
        "shipping_cents": stored.shipping,
        "tax_cents": stored.tax,
        "discount_cents": stored.discount,
        "total_cents": stored.total,
    }
    # A layout without gift-wrap or promotion columns (the Orders report has neither) says
    # nothing about them, nor about the totals they are part of: those are not compared.
    unsaid = set()
    if not knows("amounts.gift_wrap"):
        unsaid |= {"shipping_cents", "tax_cents", "total_cents"}
    if not knows("amounts.discount"):
        unsaid |= {"discount_cents", "total_cents"}

    def line_key(total: int, tax: int, discount: int) -> tuple[int, ...]:
        return (
            total,
            -1 if "tax_cents" in unsaid else tax,
            -1 if "discount_cents" in unsaid else discount,
        )

    lines = [
        (s.line_id, _line_values(line))
        for s, line in matched
        if line_key(s.line_total, s.tax, s.discount)
        != line_key(line.line_total_minor, line.tax_minor, line.discount_minor)
    ]
    estimated = stored.amounts_source != CHANNEL
    differs = any(new[column] != old[column] for column in new if column not in unsaid)
    if not differs and not lines and not estimated:
        return
    if not estimated and stored.is_paid:
        plan.unsafe.append(Unsafe(PRICE_AFTER_PAYMENT, "total", _money(old), _money(new)))
        return
    for column, value in new.items():
        if value != old[column]:
            plan.order[column] = value
    plan.lines.extend(lines)
    if estimated:
        plan.order["amounts_source"] = CHANNEL
    plan.changes.append(
        Change("amounts", {"source": stored.amounts_source, **_money(old)}, _money(new))
    )
    if stored.is_paid:  # the payment was recorded with the estimate
        plan.payment_amount = (incoming.total_minor, incoming.currency)
    plan.recheck = True


def _line_values(line: IncomingLine) -> dict[str, int]:
    return {
        "unit_price_cents": line.unit_price_minor,
        "line_total_cents": line.line_total_minor,
        "tax_cents": line.tax_minor,
        "discount_cents": line.discount_minor,
    }


def _money(values: dict[str, object]) -> dict[str, object]:
    return {"currency": values["currency"], "total": values["total_cents"]}


_SHIP_COLUMNS = {
    "name": "ship_name",
    "line1": "ship_line1",
    "line2": "ship_line2",
    "line3": "ship_line3",
    "city": "ship_city",
    "region": "ship_region",
    "postal_code": "ship_postal_code",
    "country_code": "ship_country",
    "phone": "ship_phone",
}


def _part(address: PostalAddress, part: str) -> str | None:
    """One part of an address by the name the readers' facts give it (``name`` is the
    recipient)."""
    return getattr(address, "recipient" if part == "name" else part)


# (part, the address attribute holding it, its fact): worked out once, not per order.
_SHIP_PARTS = tuple(
    (part, "recipient" if part == "name" else part, f"ship_to.{part}") for part in SHIP_TO_PARTS
)


def _ship_to(plan: _Plan, stored: StoredOrder, incoming: PostalAddress, knows) -> None:
    held = stored.ship_to
    differing = [
        part
        for part, attribute, fact in _SHIP_PARTS
        if (getattr(held, attribute) or "") != (getattr(incoming, attribute) or "") and knows(fact)
    ]
    if not differing:
        return
    old = {part: _part(held, part) for part in differing}
    new = {part: _part(incoming, part) for part in differing}
    if stored.has_left or stored.is_packed:
        reason = ALREADY_SHIPPED if stored.has_left else ALREADY_PACKED
        plan.unsafe.append(Unsafe(reason, "ship_to", old, new))
        return
    merged = {part: _part(stored.ship_to, part) for part in SHIP_TO_PARTS} | new
    problems = address_problems(
        PostalAddress(
            recipient=merged["name"] or "",
            line1=merged["line1"] or "",
            line2=merged["line2"] or "",
            city=merged["city"] or "",
            region=merged["region"] or "",
            postal_code=merged["postal_code"] or "",
            country_code=merged["country_code"] or "",
            phone=merged["phone"] or "",
        )
    )
    if problems:
        missing = [name for name, _expected in problems]
        plan.unsafe.append(Unsafe(ADDRESS_INCOMPLETE, "ship_to", old, {**new, "missing": missing}))
        return
    for part in differing:
        plan.order[_SHIP_COLUMNS[part]] = new[part]
    plan.changes.append(Change("ship_to", old, new))
    plan.recheck = True


def _order_facts(plan: _Plan, stored: StoredOrder, incoming: IncomingOrder, knows) -> None:
    old_bought, new_bought = stored.purchased_at, incoming.purchased_at
    if knows("purchased_at") and old_bought and new_bought and old_bought != new_bought:
        plan.unsafe.append(Unsafe(PURCHASE_DATE_CHANGED, "purchased_at", old_bought, new_bought))
    if stored.has_left:
        return  # what is left to say about how it ships no longer matters
    old_service, new_service = stored.requested_service, incoming.requested_service
    if knows("service") and new_service != old_service:
        if stored.is_packed:
            plan.unsafe.append(Unsafe(ALREADY_PACKED, "service", old_service, new_service))
        else:
            plan.set("requested_service", "service", old_service, new_service)
    ship_by = incoming.ship_by_at
    if knows("ship_by") and ship_by is not None and ship_by != stored.ship_by_at:
        plan.set("ship_by_at", "ship_by_at", stored.ship_by_at, ship_by)
    business = incoming.is_business_order
    if knows("business") and business != stored.is_business_order:
        plan.set("is_business_order", "business", stored.is_business_order, business)
    number = incoming.purchase_order_number or None
    if knows("purchase_order_number") and number != (stored.purchase_order_number or None):
        plan.set(
            "purchase_order_number", "purchase_order_number", stored.purchase_order_number, number
        )
    late = VERGE_OF_LATE_SHIPMENT_PRIORITY
    if knows("late") and incoming.verge_of_late_shipment and stored.priority < late:
        plan.set("priority", "priority", stored.priority, late)
