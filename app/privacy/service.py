"""``orderdesk purge``: marketplace buyers' personal data removed after the retention period.

Amazon's data protection policy lets a seller keep a buyer's personal data only as long as
fulfilment, returns and tax need it. An order of a marketplace channel whose life ended
(delivered, returned, refunded or cancelled) more than ``retention_days`` ago loses the
recipient's name, street lines and phone; what tax records need stays (amounts, dates,
country, region, postal code, city). When a customer's last such order is purged, the
customer's name, e-mail, phone, buyer id and saved addresses go too. One transaction; a
dry run reports what would go and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import delete, exists, func, select

from app.audit import record_event
from app.i18n import N_
from app.numbers import entity_number
from app.permissions import Actor, Permission, require
from app.privacy.cli import DEFAULT_RETENTION_DAYS
from db.models import Address, Customer, Order
from db.models_privacy import PersonalDataRemoval

MARKETPLACES = ("amazon",)
ENDED = ("delivered", "returned", "refunded", "cancelled")
REMOVED_NAME = "—"


@dataclass
class PurgeSummary:
    dry_run: bool
    retention_days: int
    orders: list[str] = field(default_factory=list)
    customers: int = 0

    def as_json(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "retention_days": self.retention_days,
            "orders": len(self.orders),
            "customers": self.customers,
            "order_numbers": self.orders[:100],
        }


def purge_personal_data(
    database,
    actor: Actor,
    *,
    retention_days: int = DEFAULT_RETENTION_DAYS,
    dry_run: bool = True,
    now: dt.datetime | None = None,
) -> PurgeSummary:
    require(actor, Permission.ADMINISTER_DATABASE)
    if retention_days < 1:
        from app.errors import InvalidInput

        raise InvalidInput(
            N_("retention days"), retention_days, N_("a number of days of at least 1")
        )
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=retention_days)
    summary = PurgeSummary(dry_run, retention_days)
    with database.unit_of_work() as uow:
        session = uow.session
        orders = session.scalars(_due_orders(cutoff)).all()
        summary.orders = [entity_number("order", order.id) for order in orders]
        customers = _customers_with_nothing_left(session, orders)
        summary.customers = len(customers)
        if dry_run or not orders:
            return summary
        for order in orders:
            _strip_order(order)
            session.add(PersonalDataRemoval(order_id=order.id, retention_days=retention_days))
        for customer in customers:
            _strip_customer(session, customer)
        counts = {"orders": len(orders), "customers": len(customers)}
        record_event(
            session, actor, entity_type="privacy", entity_id=0, action="purge",
            reason="retention", detail={"retention_days": retention_days, **counts},
        )  # fmt: skip
        uow.commit()
    return summary


def _life_ended_at():
    return func.coalesce(Order.delivered_at, Order.cancelled_at, Order.status_changed_at)


def _due_orders(cutoff: dt.datetime):
    already = exists().where(PersonalDataRemoval.order_id == Order.id)
    return (
        select(Order)
        .where(
            Order.channel.in_(MARKETPLACES),
            Order.status.in_(ENDED),
            _life_ended_at() < cutoff,
            ~already,
        )
        .order_by(Order.id)
    )


def _customers_with_nothing_left(session, orders) -> list[Customer]:
    """Customers all of whose orders are purged (now or before): nothing needs them."""
    candidate_ids = {order.customer_id for order in orders if order.customer_id}
    purged_now = {order.id for order in orders}
    customers = []
    for customer_id in sorted(candidate_ids):
        remaining = session.scalars(
            select(Order.id).where(
                Order.customer_id == customer_id,
                ~exists().where(PersonalDataRemoval.order_id == Order.id),
            )
        ).all()
        if set(remaining) <= purged_now:
            customers.append(session.get(Customer, customer_id))
    return customers


def _strip_order(order: Order) -> None:
    order.ship_name = REMOVED_NAME
    order.ship_phone = None
    order.ship_line1 = order.ship_line2 = order.ship_line3 = ""


def _strip_customer(session, customer: Customer) -> None:
    customer.name = REMOVED_NAME
    customer.email = None
    customer.phone = None
    customer.channel_buyer_id = None
    session.execute(delete(Address).where(Address.customer_id == customer.id))
