"""The demo's last stages: the warehouse packs and hands over what was picked, carriers report
on the parcels, and the service desk works its cases — all through the desks' own services.

``stage_fulfilment``: the packing station's and the hand-over desk's demo (app/demo/packing.py,
app/demo/shipping.py). ``stage_service_desk``: a tracking file imported (timelines, a delayed
and a lost parcel, cases opened by the logistics watch), cases from calls and an e-mail with
replies in the customer's language, one resolved by a reship and followed up, one waiting,
one overdue; refunds requested, approved and paid, and rejected; an order cancelled before
shipment; the reship picked, packed and handed over like any shipment, and a returned parcel
received and inspected (app/demo/after_sales.py); a later Amazon download with two buyers'
new addresses, one applied and one (the order already shipped) left as a conflict. What the
data did not allow is named in
``missing``, never faked.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import select

from app.cases.mail import take_mail
from app.cases.model import Category, Source
from app.cases.service import CaseAction, CaseDraft, act, open_case
from app.cases.templates import ReplyKind, draft_reply
from app.changes.service import cancel_order
from app.database import Database
from app.demo import DemoResult, demo_reference_time
from app.demo.stock import _actor
from app.errors import OrderdeskError
from app.numbers import entity_number
from app.permissions import Role
from app.refunds.service import decide, request_refund
from app.tracking.rules import carrier_code
from app.tracking.service import import_tracking_file
from db.models import Customer, Order, Payment, Shipment
from db.models_shipping import Parcel

ROAD = ("shipped", "in_transit")
# How the demo's parcels end: most delivered, some on the road, a few in trouble.
ENDINGS = (("delivered", 12), ("out_for_delivery", 3), ("in_transit", 3), ("Exception_004", 1),
           ("Exception_013", 1))  # fmt: skip
LAST_WORDS = {
    "delivered": "Delivered",
    "out_for_delivery": "Out for delivery",
    "Exception_004": "Held at customs",
    "Exception_013": "Lost in sorting",
}


@dataclass(frozen=True)
class FulfilmentSummary:
    packing: dict
    shipping: dict

    def as_text(self) -> str:
        from app.i18n import _

        return _(
            "Packing and hand-over: {packed} shipments packed, {labelled} labelled, "
            "{shipped} handed over, {confirmed} lines confirmed to the channels."
        ).format(
            packed=self.packing.get("packed", 0),
            labelled=self.shipping.get("labelled", 0),
            shipped=self.shipping.get("shipped", 0),
            confirmed=self.shipping.get("confirmed_lines", 0),
        )


def stage_fulfilment(
    database: Database, result: DemoResult, seed: int, *, reference_time: dt.datetime | None = None
) -> FulfilmentSummary:
    from app.demo.packing import stage_packing
    from app.demo.shipping import stage_shipping

    boss = _actor(database, result, Role.SUPERVISOR)
    hands = _actor(database, result, Role.WAREHOUSE)
    return FulfilmentSummary(
        stage_packing(database, boss, packer=hands), stage_shipping(database, boss)
    )


@dataclass(frozen=True)
class ServiceDeskSummary:
    tracking_events: int
    watch_cases: int
    cases: int
    refunds: int
    cancelled: int
    missing: tuple[str, ...]
    reships_shipped: int = 0
    returns_inspected: int = 0
    # The channel's later word: a new address applied, one after shipment left for review.
    channel_updates: int = 0
    channel_conflicts: int = 0

    def as_text(self) -> str:
        from app.i18n import _

        return (
            _(
                "Service desk: {events} tracking events, {watch} cases opened by the logistics "
                "watch, {cases} more cases, {refunds} refunds, {cancelled} order cancelled, "
                "reships through the warehouse: {reships}, returns inspected: {returns}; "
                "steps missing: {missing}."
            ).format(
                reships=self.reships_shipped,
                returns=self.returns_inspected,
                events=self.tracking_events,
                watch=self.watch_cases,
                cases=self.cases,
                refunds=self.refunds,
                cancelled=self.cancelled,
                missing=", ".join(self.missing) or _("none"),
            )
            + " "
            + _(
                "Changes the channel sent: {applied} applied, {conflicts} left for review "
                "as a conflict."
            ).format(applied=self.channel_updates, conflicts=self.channel_conflicts)
        )


def stage_service_desk(
    database: Database, result: DemoResult, seed: int, *, reference_time: dt.datetime | None = None
) -> ServiceDeskSummary:
    now = reference_time or demo_reference_time()
    rng = random.Random(seed * 104_729 + 13)
    boss = _actor(database, result, Role.SUPERVISOR)
    agent = _actor(database, result, Role.CUSTOMER_SERVICE)
    finance = _actor(database, result, Role.FINANCE)
    missing: list[str] = []
    events = _tracking_file(database, rng, now)
    tracking = import_tracking_file(database, boss, "demo-tracking.csv", events)
    if not tracking.imported:
        missing.append("tracking")
    cases, reship_case = _cases(database, agent, now, missing)
    refunds = _refunds(database, agent, finance, missing)
    cancelled = _cancel_one(database, agent, missing)
    reships, returns = _after_sales(database, result, boss, agent, reship_case, missing)
    applied, conflicts = _channel_word(database, agent, missing)
    return ServiceDeskSummary(
        tracking.imported, tracking.cases_opened, cases, refunds, cancelled, tuple(missing),
        reships, returns, applied, conflicts,
    )  # fmt: skip


def _after_sales(database, result, boss, agent, reship_case, missing) -> tuple[int, int]:
    """The reship goes through the warehouse to the carrier; a returned parcel is received
    and inspected, its refund requested."""
    from app.demo.after_sales import reship_through_warehouse, return_inspected
    from db.models_returns import Reship

    hands = _actor(database, result, Role.WAREHOUSE)
    shipped = 0
    with database.unit_of_work() as uow:
        reship = uow.session.scalar(select(Reship).where(Reship.case_id == reship_case))
        order_id = reship.order_id if reship else None
        shipment_id = reship.shipment_id if reship else None
    if shipment_id is None:
        missing.append("reship")
    else:
        shipped = reship_through_warehouse(database, boss, hands, shipment_id, missing)
    returns = return_inspected(database, agent, hands, {order_id or 0}, missing)
    return shipped, returns


def _tracking_file(database: Database, rng: random.Random, now: dt.datetime) -> bytes:
    """Events for every parcel on the road: a few hops each, ending as ENDINGS says."""
    with database.unit_of_work() as uow:
        numbers = list(
            uow.session.execute(
                select(Parcel.tracking_number, Shipment.carrier, Shipment.shipped_at)
                .join(Shipment, Shipment.id == Parcel.shipment_id)
                .where(Parcel.status == "handed_over", Parcel.tracking_number.is_not(None))
            )
        ) + list(
            uow.session.execute(
                select(Shipment.tracking_number, Shipment.carrier, Shipment.shipped_at).where(
                    Shipment.status.in_(ROAD), Shipment.tracking_number.is_not(None)
                )
            )
        )
    endings = [status for status, weight in ENDINGS for _ in range(weight)]
    rows = ["tracking_number,carrier,time,status,location,description"]
    for number, carrier, shipped_at in numbers:
        start = shipped_at or now - dt.timedelta(days=2)
        code = carrier_code(carrier or "") or "own_fleet"
        ending = rng.choice(endings)
        hops = [("info_received", "Label created"), ("in_transit", "Arrived at hub")]
        if ending != "in_transit":
            hops.append((ending, LAST_WORDS[ending]))
        for hour, (status, words) in enumerate(hops):
            at = min(start + dt.timedelta(hours=6 + 14 * hour), now - dt.timedelta(minutes=5))
            rows.append(f"{number},{code},{at.isoformat()},{status},Hub {hour + 1},{words}")
    return ("\n".join(rows) + "\n").encode()


def _delivered_orders(database: Database, limit: int) -> list[tuple[int, int | None]]:
    with database.unit_of_work() as uow:
        return list(
            uow.session.execute(
                select(Order.id, Order.customer_id)
                .where(Order.status == "delivered", Order.customer_id.is_not(None))
                .order_by(Order.id.desc())
                .limit(limit)
            )
        )


def _language(database: Database, customer_id: int | None) -> str | None:
    with database.unit_of_work() as uow:
        customer = uow.session.get(Customer, customer_id) if customer_id else None
        return customer.language if customer else None


def _cases(
    database: Database, agent, now: dt.datetime, missing: list[str]
) -> tuple[int, int | None]:
    orders = _delivered_orders(database, 4)
    if len(orders) < 4:
        missing.append("cases")
        return 0, None
    (damaged, _), (waiting, _), (late, _), (mailed, mail_customer) = orders
    made = 0
    # Arrived damaged: a reply in the customer's language, a reship, a follow-up, closed.
    draft = CaseDraft(subject="Arrived damaged", source=Source.PHONE, category=Category.DAMAGED,
                      order_id=damaged, body="The box was crushed.")  # fmt: skip
    case_id = reship_case = open_case(database, agent, draft, now=now - dt.timedelta(days=3))
    _reply(database, agent, case_id, damaged, ReplyKind.DAMAGED)
    reship = CaseAction(resolution="reship", text="New parcel sent at no charge")
    try:
        act(database, agent, case_id, "resolve", reship)
        act(
            database, agent, case_id, "follow_up", CaseAction(satisfaction=4, text="Arrived whole.")
        )
        act(database, agent, case_id, "close")
    except OrderdeskError:
        missing.append("reship")
    # Waiting for the customer's photo.
    draft = CaseDraft(subject="Wrong colour", source=Source.CHAT, category=Category.WRONG_ITEM,
                      order_id=waiting)  # fmt: skip
    case_id = open_case(database, agent, draft, now=now - dt.timedelta(hours=5))
    _reply(database, agent, case_id, waiting, ReplyKind.REPLACEMENT)
    act(database, agent, case_id, "wait")
    # Opened days ago and never answered: overdue.
    draft = CaseDraft(subject="Invoice needed", source=Source.EMAIL, category=Category.SERVICE,
                      order_id=late)  # fmt: skip
    open_case(database, agent, draft, now=now - dt.timedelta(days=5))
    made += 3
    try:
        take_mail(database, agent, _mail(mailed, mail_customer, database))
        made += 1
    except OrderdeskError:
        missing.append("e-mail")
    return made, reship_case


def _reply(database: Database, agent, case_id: int, order_id: int, kind: ReplyKind) -> None:
    with database.unit_of_work() as uow:
        order = uow.session.get(Order, order_id)
        customer = uow.session.get(Customer, order.customer_id) if order.customer_id else None
        name, language = (customer.name, customer.language) if customer else ("", None)
    reply = draft_reply(kind, language, name=name, order=entity_number("order", order_id))
    text = f"{reply.subject}\n\n{reply.body}"
    act(database, agent, case_id, "reply", CaseAction(text=text, language=reply.language))


def _mail(order_id: int, customer_id: int | None, database: Database) -> bytes:
    with database.unit_of_work() as uow:
        customer = uow.session.get(Customer, customer_id) if customer_id else None
        sender = customer.email if customer and customer.email else "buyer@example.com"
        name = customer.name if customer else "Buyer"
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>"
    message["To"] = "service@orderdesk.example"
    message["Subject"] = f"Question about {entity_number('order', order_id)}"
    message["Message-ID"] = f"<demo-{order_id}@orderdesk.example>"
    message.set_content("Hello, one item is missing from my parcel. 包裹裡少了一件商品。")
    return message.as_bytes()


def _refunds(database: Database, agent, finance, missing: list[str]) -> int:
    with database.unit_of_work() as uow:
        paid = list(
            uow.session.execute(
                select(Order.id, Payment.amount_cents)
                .join(Payment, Payment.order_id == Order.id)
                .where(
                    Order.status == "delivered",
                    Payment.status == "captured",
                    Payment.amount_cents > 1000,
                )
                .order_by(Order.id.desc())
                .limit(3)
            )
        )
    if len(paid) < 3:
        missing.append("refunds")
        return 0
    (first, amount), (second, _), (third, _) = paid
    paid_back = request_refund(database, agent, first, amount, "Lost parcel: refunded in full")
    decide(database, finance, paid_back, "approve")
    decide(database, finance, paid_back, "pay", reference="BANK-DEMO-0001")
    request_refund(database, agent, second, 500, "Goodwill for the late delivery")
    rejected = request_refund(database, agent, third, 1000, "Customer kept the item")
    decide(database, finance, rejected, "reject", note="The item was used")
    return 3


def _cancel_one(database: Database, agent, missing: list[str]) -> int:
    with database.unit_of_work() as uow:
        order_id = uow.session.scalar(
            select(Order.id)
            .where(Order.status.in_(("approved", "allocated")))
            .order_by(Order.id.desc())
            .limit(1)
        )
    if order_id is None:
        missing.append("cancellation")
        return 0
    cancel_order(database, agent, order_id, "customer_request", note="Ordered twice by mistake")
    return 1


# The columns of Amazon's report the demo's later download carries: the items and the
# ship-to only (no money, no dates), so nothing else is compared (``channel_updates``).
_LATER_COLUMNS = (
    "order-id", "order-item-id", "sku", "quantity-purchased", "recipient-name",
    "ship-address-1", "ship-address-2", "ship-address-3", "ship-city", "ship-state",
    "ship-postal-code", "ship-country",
)  # fmt: skip


def _channel_word(database: Database, agent, missing: list[str]) -> tuple[int, int]:
    """A later Amazon download where two buyers changed their address on Amazon: one order
    still in the warehouse (applied, audited), one already shipped (a conflict for review)."""
    import tempfile
    from pathlib import Path

    from app.intake import import_file

    with database.unit_of_work() as uow:
        s = uow.session
        left = select(Shipment.order_id).where(
            Shipment.status.notin_(("pending", "picking", "picked", "cancelled"))
        )
        amazon = select(Order).where(Order.channel == "amazon")
        waiting = s.scalars(
            amazon.where(
                Order.status.in_(("received", "approved", "allocated")), Order.id.notin_(left)
            ).order_by(Order.id.desc())
        ).first()
        shipped = s.scalars(
            amazon.where(Order.status.in_(("shipped", "delivered"))).order_by(Order.id)
        ).first()
        if waiting is None or shipped is None:
            missing.append("channel updates")
            return 0, 0
        rows = [
            *_report_rows(waiting, line2="Hinterhaus, 3. OG"),
            *_report_rows(shipped, line1="Am Markt 1"),
        ]
    with tempfile.TemporaryDirectory(prefix="orderdesk-demo-") as folder:
        path = Path(folder) / "amazon-orders-later.txt"
        lines = ["\t".join(_LATER_COLUMNS), *("\t".join(row) for row in rows)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        summary = import_file(database, agent, path)
    return summary.channel_updates, summary.conflicts


def _report_rows(order: Order, **changed: str) -> list[tuple[str, ...]]:
    ship = {
        "name": order.ship_name, "line1": order.ship_line1, "line2": order.ship_line2,
        "line3": order.ship_line3, "city": order.ship_city, "region": order.ship_region,
        "postal_code": order.ship_postal_code, "country": order.ship_country,
    } | changed  # fmt: skip
    cells = (ship["name"], ship["line1"], ship["line2"], ship["line3"], ship["city"],
             ship["region"], ship["postal_code"], ship["country"])  # fmt: skip
    return [
        (order.channel_order_id, line.channel_line_id or "", line.sku, str(line.quantity), *cells)
        for line in order.lines
    ]
