"""The counter's one verb, ``place_counter_order``: a sale saved as a received shop order.

The order lands like any channel's: status ``received``, channel ``shop``, its own copy of
the address, an ``entered`` audit event — the review desk judges it like every other
order. Inside one transaction the draft is checked by ``rules.check_draft`` with the
catalogue read there (every problem at once); a sale collected in the store then takes its
units through the locked reservation every desk uses (``take_at_counter``).

The channel order id ``SHOP-<STORE>-<6-digit sequence>`` is the store's highest so far
plus one. On PostgreSQL the counters of one store take numbers in turn (an advisory lock
per store); elsewhere two counters may pick the same number, the
``(channel, channel_order_id)`` unique constraint refuses the second, and its whole
transaction is tried again; so is a transaction that met a busy database (SQLite's lock,
PostgreSQL's deadlock, serialization failure or lock timeout), a bounded number of times.

Price overrides: a line sold off the list price keeps its reason in the order's
``entered`` audit event (``detail["price_overrides"]``: line, SKU, list and given price,
reason, whether the person — the event's actor — holds OVERRIDE_PRICES); review reads it.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
import zlib

from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.address import PostalAddress
from app.audit import record_event
from app.counter.model import (
    CHANNEL,
    SEQUENCE_DIGITS,
    CheckedDraft,
    CounterOrderDraft,
    CounterPayment,
    PlacedOrder,
    ProductFacts,
)
from app.counter.queries import catalogue_facts
from app.counter.rules import check_draft, next_counter_id, price_overrides, short_in_store
from app.errors import DatabaseBusy, InvalidInput
from app.i18n import N_
from app.money import format_money
from app.numbers import order_number
from app.permissions import Actor, Permission, require
from app.picking.service import is_transient
from app.review.model import COLLECTED_IN_STORE
from app.search.keys import customer_search_keys
from app.uow import UnitOfWork
from db.models import Address, Customer, Order, OrderLine, Payment, Product, utcnow

log = logging.getLogger(__name__)

SAVE_ATTEMPTS = 5  # tries when another counter takes the same number, or the database is busy
BUSY_PAUSE_S = 0.2


class _NumberTaken(Exception):
    """Another counter saved the same SHOP number first: try the whole action again."""


def place_counter_order(
    uow: UnitOfWork,
    actor: Actor,
    draft: CounterOrderDraft,
    *,
    now: dt.datetime | None = None,
) -> PlacedOrder:
    """Save a counter sale as a received order; one transaction, retried on a number race
    or a busy database (``DatabaseBusy`` after ``SAVE_ATTEMPTS``)."""
    require(actor, Permission.SELL_AT_COUNTER)
    now = now or utcnow()
    for attempt in range(1, SAVE_ATTEMPTS + 1):
        try:
            return _place(uow, actor, draft, now)
        except _NumberTaken:
            log.info("counter order number taken at another desk; attempt %d", attempt)
        except sa_exc.DBAPIError as error:
            if not is_busy(error):
                raise
            log.info("database busy while saving a counter order; attempt %d", attempt)
        if attempt < SAVE_ATTEMPTS:
            # A short, growing pause, not the same at every desk: the others finish first.
            time.sleep(BUSY_PAUSE_S * attempt * random.uniform(0.5, 1.5))
    raise DatabaseBusy(SAVE_ATTEMPTS)


def is_busy(error: sa_exc.DBAPIError) -> bool:
    """A conflict another try may not meet: SQLite's "database is locked" (past its busy
    timeout), PostgreSQL's deadlock, serialization failure or lock timeout."""
    return is_transient(error) or "busy" in str(error.orig).lower()


def _place(
    uow: UnitOfWork, actor: Actor, draft: CounterOrderDraft, now: dt.datetime
) -> PlacedOrder:
    with uow:
        session = uow.session
        collected = draft.address is None
        catalogue = catalogue_facts(
            session,
            [line.product_id for line in draft.lines],
            draft.store_code.strip().upper() if collected else None,
        )
        checked = check_draft(draft, now.astimezone().date(), catalogue)
        currency = catalogue[checked.lines[0].product_id].currency
        priced = [
            (line, catalogue[line.product_id], _price(line, catalogue)) for line in checked.lines
        ]
        total = sum(line.quantity * price for line, _, price in priced)
        customer, created = _customer_for(session, checked)
        if checked.address is not None:
            _remember_address(session, customer, checked.address)
        _queue_for_numbers(session, checked.store_code)
        channel_order_id = next_counter_id(
            checked.store_code, _last_counter_id(session, checked.store_code)
        )
        order = _order(checked, customer, channel_order_id, currency, total, now)
        session.add(order)
        _flush_or_race(uow)
        _add_lines(session, order.id, priced)
        session.add(_payment(order.id, checked.payment, currency, now))
        if collected:
            _take_from_store(session, actor, order.id, checked.store_code)
        _record_entered(session, actor, order.id, checked, catalogue, created)
        try:
            uow.commit()
        except sa_exc.IntegrityError as error:
            if _is_number_race(error):
                raise _NumberTaken() from None
            raise
        return PlacedOrder(
            order_id=order.id,
            number=order_number(order.id),
            channel_order_id=channel_order_id,
            customer_id=customer.id,
            customer_name=customer.name,
            customer_created=created,
            total_cents=total,
            paid_cents=checked.payment.amount_cents,
            currency=currency,
            status=order.status,
        )


def _price(line, catalogue: dict[int, ProductFacts]) -> int:
    listed = catalogue[line.product_id].price_cents
    return listed if line.unit_price_cents is None else line.unit_price_cents


def _flush_or_race(uow: UnitOfWork) -> None:
    try:
        uow.flush()
    except sa_exc.IntegrityError as error:
        if _is_number_race(error):
            raise _NumberTaken() from None
        raise


def _add_lines(session: Session, order_id: int, priced) -> None:
    names = dict(
        session.execute(
            select(Product.id, Product.name).where(
                Product.id.in_(sorted({p.id for _, p, _ in priced}))
            )
        ).all()
    )
    for line_no, (line, product, price) in enumerate(priced, start=1):
        session.add(
            OrderLine(
                order_id=order_id,
                line_no=line_no,
                product_id=product.id,
                sku=product.sku,
                product_name=names[product.id],
                quantity=line.quantity,
                unit_price_cents=price,
                line_total_cents=line.quantity * price,
            )
        )


def _record_entered(
    session: Session,
    actor: Actor,
    order_id: int,
    checked: CheckedDraft,
    catalogue: dict[int, ProductFacts],
    created: bool,
) -> None:
    overrides = price_overrides(
        checked.lines, catalogue, actor.username, allowed=actor.may(Permission.OVERRIDE_PRICES)
    )
    record_event(
        session,
        actor,
        entity_type="order",
        entity_id=order_id,
        action="entered",
        to_state="received",
        reason="; ".join(_override_text(item) for item in overrides),
        detail={
            "store": checked.store_code,
            "customer_created": created,
            "payment_method": checked.payment.method,
            "part_payment": checked.payment.part_payment,
            "collected_in_store": checked.address is None,
            "price_overrides": overrides,
        },
    )


def _override_text(item: dict) -> str:
    currency = str(item["currency"])
    return (
        f"line {item['line_no']} {item['sku']}: "
        f"{format_money(int(item['unit_price_cents']), currency)} instead of "
        f"{format_money(int(item['list_price_cents']), currency)} — {item['reason']}"
    )


def _take_from_store(session: Session, actor: Actor, order_id: int, store_code: str) -> None:
    """Collected in the store: the units are taken now, under the stock lock every desk
    uses, so two counters cannot sell the last unit twice (issue 11)."""
    from app.picking.service import take_at_counter

    session.flush()
    short = take_at_counter(session, actor, order_id, store_code)
    if short:
        line_no, sku, wanted, available = short[0]
        raise short_in_store(line_no, wanted, sku, available)


def _customer_for(session: Session, checked: CheckedDraft) -> tuple[Customer, bool]:
    """(customer, created): the one chosen, the one with the same e-mail, or a new one.

    The e-mail is a key: the new customer is inserted with ``ON CONFLICT DO NOTHING`` and
    read back, so two counters saving the same new customer at once make one. A phone is
    not a key (households and offices share one): the screen's search offers customers
    with that phone, and the person at the counter chooses.
    """
    if checked.customer_id is not None:
        customer = session.get(Customer, checked.customer_id)
        if customer is None:
            raise InvalidInput("customer", checked.customer_id, N_("an existing customer"))
        return customer, False
    new = checked.new_customer
    assert new is not None
    table = Customer.__table__
    dialect = session.get_bind().dialect.name
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    region = checked.address.country_code if checked.address else None
    keys = customer_search_keys(new.name, new.email, new.phone, region)
    created_id = session.execute(
        dialect_insert(table)
        .values(
            name=new.name,
            phone=new.phone or None,
            email=new.email or None,
            language=new.language,
            status="active",
            created_at=utcnow(),
            version=1,
            **keys.as_row(),
        )
        .on_conflict_do_nothing()
        .returning(table.c.id)
    ).scalar()
    if created_id is not None:
        return session.get_one(Customer, created_id), True
    existing = session.scalar(select(Customer).where(func.lower(Customer.email) == new.email))
    if existing is None:  # only an e-mail can conflict; it was there a moment ago
        raise InvalidInput("customer.email", new.email, N_("an e-mail address no desk is changing"))
    return existing, False


def _remember_address(session: Session, customer: Customer, address: PostalAddress) -> None:
    known = session.scalars(select(Address).where(Address.customer_id == customer.id)).all()
    same = any(
        (a.line1, a.postal_code, a.country_code)
        == (address.line1, address.postal_code, address.country_code)
        for a in known
    )
    if not same:
        session.add(
            Address(
                customer_id=customer.id,
                recipient=address.recipient or customer.name,
                line1=address.line1,
                line2=address.line2,
                city=address.city,
                region=address.region,
                postal_code=address.postal_code,
                country_code=address.country_code,
                phone=address.phone or customer.phone,
                is_default=not known,
            )
        )


def _queue_for_numbers(session: Session, store_code: str) -> None:
    """On PostgreSQL the counters of one store take their numbers one after another (a
    transaction-scoped advisory lock per store), so eight saving at once do not all read
    the same last number and retry until they give up; other stores do not wait. SQLite
    has one writer at a time anyway: there a race is caught by the unique key and retried."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = zlib.crc32(f"orderdesk shop numbers {store_code}".encode()) - 2**31
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _last_counter_id(session: Session, store_code: str) -> str | None:
    prefix = f"SHOP-{store_code}-"
    width = len(prefix) + SEQUENCE_DIGITS
    lowest, highest = prefix + "0" * SEQUENCE_DIGITS, prefix + "9" * SEQUENCE_DIGITS
    # Descending over uq_orders_channel_order (channel_order_id, channel), which holds the
    # channel too: the first row of the right shape is it. ``channel || ''`` keeps SQLite
    # (no statistics) from preferring ix_orders_channel_id, which would sort every shop order.
    return session.scalar(
        select(Order.channel_order_id)
        .where(
            Order.channel_order_id.between(lowest, highest),
            func.length(Order.channel_order_id) == width,
            Order.channel + "" == CHANNEL,
        )
        .order_by(Order.channel_order_id.desc())
        .limit(1)
    )


def _is_number_race(error: sa_exc.IntegrityError) -> bool:
    text = str(error.orig)
    return "uq_orders_channel_order" in text or "orders.channel_order_id" in text


def _order(
    checked: CheckedDraft,
    customer: Customer,
    channel_order_id: str,
    currency: str,
    total: int,
    now: dt.datetime,
) -> Order:
    address = checked.address
    ship = address or PostalAddress()
    return Order(
        channel=CHANNEL,
        channel_order_id=channel_order_id,
        customer_id=customer.id,
        status="received",
        priority=0,
        requested_service=COLLECTED_IN_STORE if address is None else "standard",
        currency=currency,
        subtotal_cents=total,
        shipping_cents=0,
        tax_cents=0,
        discount_cents=0,
        total_cents=total,
        ship_name=ship.recipient or customer.name,
        ship_phone=ship.phone or customer.phone,
        ship_line1=ship.line1,
        ship_line2=ship.line2,
        ship_city=ship.city,
        ship_region=ship.region,
        ship_postal_code=ship.postal_code,
        ship_country=ship.country_code,
        purchased_at=now,
        received_at=now,
        status_changed_at=now,
    )


def _payment(order_id: int, payment: CounterPayment, currency: str, now: dt.datetime) -> Payment:
    card = payment.method == "card"
    # A transfer is promised at the counter, not yet received: the review desk waits for it.
    pending = payment.method == "bank_transfer"
    return Payment(
        order_id=order_id,
        method=payment.method,
        status="pending" if pending else "captured",
        amount_cents=payment.amount_cents,
        currency=currency,
        card_brand=payment.card_brand if card else None,
        card_last4=payment.card_last4 if card else None,
        card_exp_month=payment.card_exp_month if card else None,
        card_exp_year=payment.card_exp_year if card else None,
        processor_token=payment.processor_reference if card else None,
        paid_at=None if pending else now,
    )
