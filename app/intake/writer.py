"""The intake writer: batches of read orders into the database, in bulk (``IN`` lookups,
one bulk insert per table), customers found or created atomically, conflicts recorded."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import String, Table, any_, bindparam, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.audit import add_events
from app.bulk.insert import bulk_insert
from app.formats.common import (
    IncomingOrder,
    RejectedOrder,
    normalise_email,
    normalise_phone,
)
from app.formats.stream import SourceOrder
from app.intake.channel_updates import Unsafe
from app.intake.channel_writer import apply_channel_word, note_said_again, plain
from app.intake.matching import (
    CHANNEL,
    ESTIMATED,
    Amounts,
    PriceListFacts,
    amounts_for,
    marketplace_for,
    needs_price_list,
    priority_of,
)
from app.intake.model import ImportSummary
from app.intake.price_lists import channel_marketplaces, price_list_facts
from app.permissions import Actor
from app.search.keys import customer_search_keys
from db.models import (
    Address,
    Customer,
    IntakeConflict,
    Order,
    OrderImport,
    OrderLine,
    Payment,
    Product,
    utcnow,
)

ORDER_STAGE = "intake_orders_stage"  # PostgreSQL temporary table, per connection
# Rejected rows are all counted; the first this many are kept with their cells for the
# summary and the "save rejected rows" export, so a wholly broken file cannot fill memory.
MAX_KEPT_REJECTED_ROWS = 20_000


# --------------------------------------------------------------------------- one batch


def _tally_rejection(summary: ImportSummary, item: RejectedOrder) -> None:
    summary.rejected_orders += 1
    summary.rejected_row_count += len(item.rows)
    room = MAX_KEPT_REJECTED_ROWS - len(summary.rejected_rows)
    if room > 0:
        summary.rejected_rows.extend(item.rows[:room])


@dataclass(frozen=True)
class _Present:
    order_id: int
    fingerprint: str | None
    source_digest: str | None


class BatchWriter:
    """Writes batches of orders; remembers customers and SKUs across batches of one file."""

    def __init__(
        self,
        actor: Actor,
        file_name: str,
        batch_id: int,
        dialect: str,
        known: frozenset[str] | None = None,
    ) -> None:
        self.actor = actor
        # The order facts the file's layout carries (None: all): see ``channel_updates``.
        self.known = known
        self.file_name = file_name
        self.batch_id = batch_id
        self.dialect = dialect
        self.customer_ids: dict[tuple[str, str], int] = {}
        self.keys_of_buyer: dict[tuple, list[tuple[str, str]]] = {}  # see _customer_keys
        self.product_ids: dict[str, int | None] = {}
        self.accounts: dict[str, str] | None = None  # channel → marketplace, read when needed
        self.price_lists: dict[str, PriceListFacts | None] = {}

    def write(self, session: Session, sources: list[SourceOrder], summary: ImportSummary) -> None:
        if not sources:
            return
        now = utcnow()
        keys = {(s.channel, s.order_id) for s in sources if s.channel and s.order_id}
        present = self._present(session, keys)
        orders: list[IncomingOrder] = []
        for source in sources:
            summary.units_done += source.units
            found = present.get((source.channel, source.order_id))  # type: ignore[arg-type]
            if found is not None and source.digest and found.source_digest == source.digest:
                summary.already_present += 1  # the very rows imported before: not even parsed
                continue
            item = source.parse()
            if isinstance(item, RejectedOrder):
                _tally_rejection(summary, item)
            else:
                orders.append(item)
        unlooked = {(o.channel, o.channel_order_id) for o in orders} - keys
        if unlooked:
            present.update(self._present(session, unlooked))
        new: list[IncomingOrder] = []
        conflicting: list[tuple[IncomingOrder, _Present]] = []
        same_word: list[tuple[int, dt.datetime]] = []  # the same content said again, later
        for order in _unique(orders):
            found = present.get((order.channel, order.channel_order_id))
            if found is None:
                if order.for_our_warehouse:
                    new.append(order)
                else:
                    summary.not_for_warehouse += 1
            elif found.fingerprint == order.fingerprint:
                summary.already_present += 1
                if order.channel_updated_at is not None:
                    same_word.append((found.order_id, order.channel_updated_at))
            else:
                conflicting.append((order, found))
        digests = {(s.channel, s.order_id): s.digest for s in sources}
        inserted, raced = self._insert_new(session, new, digests, summary, now)
        if raced:  # another desk inserted some of them since we looked: judge them again
            again = self._present(session, {(o.channel, o.channel_order_id) for o in raced})
            for order in raced:
                found = again[(order.channel, order.channel_order_id)]
                if found.fingerprint == order.fingerprint:
                    summary.already_present += 1
                else:
                    conflicting.append((order, found))
        remaining = apply_channel_word(
            session,
            self.actor,
            self.dialect,
            [(order, found.order_id, found.fingerprint) for order, found in conflicting],
            self.known,
            digests,
            {"file": self.file_name, "import_batch": self.batch_id},
            summary,
            now,
        )
        self._record_conflicts(session, remaining, summary, now)
        note_said_again(session, same_word)
        summary.new_orders += inserted

    # ------------------------------------------------------------------ reads

    def _present(
        self, session: Session, keys: set[tuple[str, str]]
    ) -> dict[tuple[str, str], _Present]:
        by_channel: dict[str, list[str]] = {}
        for channel, order_id in keys:
            by_channel.setdefault(channel, []).append(order_id)
        found: dict[tuple[str, str], _Present] = {}
        if self.dialect == "sqlite":  # straight through the driver: once or twice a batch
            connection = session.connection()
            for channel, ids in by_channel.items():
                marks = ", ".join("?" * len(ids))
                rows = connection.exec_driver_sql(
                    "SELECT o.id, o.channel_order_id, i.fingerprint, i.source_digest "
                    "FROM orders o LEFT OUTER JOIN order_imports i ON i.order_id = o.id "
                    f"WHERE o.channel = ? AND o.channel_order_id IN ({marks})",
                    (channel, *ids),
                )
                for order_id, channel_order_id, fingerprint, digest in rows:
                    found[(channel, channel_order_id)] = _Present(order_id, fingerprint, digest)
            return found
        for channel, ids in by_channel.items():
            rows = session.execute(
                select(
                    Order.id,
                    Order.channel_order_id,
                    OrderImport.fingerprint,
                    OrderImport.source_digest,
                )
                .outerjoin(OrderImport, OrderImport.order_id == Order.id)
                .where(Order.channel == channel, self._one_of(Order.channel_order_id, ids))
            )
            for order_id, channel_order_id, fingerprint, digest in rows:
                found[(channel, channel_order_id)] = _Present(order_id, fingerprint, digest)
        return found

    def _one_of(self, column, values: list[str]):
        """``column IN (...)``; on PostgreSQL ``= ANY(array)``: one parameter, so the
        server plans one short statement instead of one with a thousand parameters."""
        if self.dialect == "postgresql":
            return column == any_(bindparam("values", values, type_=postgresql.ARRAY(String)))
        return column.in_(values)

    def _resolve_products(self, session: Session, orders: Sequence[IncomingOrder]) -> None:
        wanted = {line.sku for order in orders for line in order.lines} - self.product_ids.keys()
        if not wanted:
            return
        query = select(Product.sku, Product.id).where(Product.sku.in_(wanted))
        found = {sku: product_id for sku, product_id in session.execute(query)}
        for sku in wanted:
            self.product_ids[sku] = found.get(sku)

    def _resolve_customers(
        self, session: Session, orders: Sequence[IncomingOrder], summary: ImportSummary
    ) -> dict[str, int | None]:
        """Customer id per channel order id; creates the customers not found.

        Found or created atomically: new customers are inserted with ``ON CONFLICT DO
        NOTHING`` against the unique buyer-id and e-mail keys, and whatever another desk
        created first (the insert waits for its transaction) is read back by key.
        """
        candidates = {order.channel_order_id: self._customer_keys(order) for order in orders}
        unknown = {
            key for keys in candidates.values() for key in keys if key not in self.customer_ids
        }
        self._look_up_customers(session, unknown)
        to_create: dict[tuple[str, str], IncomingOrder] = {}
        claimed: set[tuple[str, str]] = set()  # keys a customer created in this batch will have
        for order in orders:
            keys = candidates[order.channel_order_id]
            if keys and not any(key in self.customer_ids or key in claimed for key in keys):
                to_create[keys[0]] = order
                claimed.update(keys)
        if to_create:
            summary.new_customers += self._create_customers(session, to_create, candidates)
            taken_elsewhere = {
                key
                for order in to_create.values()
                for key in candidates[order.channel_order_id]
                if key not in self.customer_ids
            }
            if taken_elsewhere:
                self._look_up_customers(session, taken_elsewhere)
        return {
            order_id: next((self.customer_ids[k] for k in keys if k in self.customer_ids), None)
            for order_id, keys in candidates.items()
        }

    def _customer_keys(self, order: IncomingOrder) -> list[tuple[str, str]]:
        """``customer_keys``, once per buyer of the file (regular buyers order often)."""
        buyer = order.buyer
        said = (buyer.channel_buyer_id, buyer.email, buyer.phone)
        keys = self.keys_of_buyer.get(said)
        if keys is None:
            keys = self.keys_of_buyer[said] = customer_keys(order)
        return keys

    def _look_up_customers(self, session: Session, keys: set[tuple[str, str]]) -> None:
        columns = {
            "buyer": Customer.channel_buyer_id,
            "email": func.lower(Customer.email),
            "phone": Customer.phone,
        }
        for kind, column in columns.items():
            values = [value for k, value in keys if k == kind]
            if not values:
                continue
            # Oldest customer wins when several share a phone (not a key: households share).
            rows = session.execute(
                select(column, func.min(Customer.id)).where(column.in_(values)).group_by(column)
            )
            for value, customer_id in rows:
                self.customer_ids[(kind, value)] = customer_id

    def _create_customers(
        self,
        session: Session,
        to_create: dict[tuple[str, str], IncomingOrder],
        candidates: dict[str, list[tuple[str, str]]],
    ) -> int:
        """Insert the customers no key found; returns how many were ours to create.
        ``candidates``: each order's ``customer_keys`` by channel order id.

        Rows go in sorted by key, so desks creating overlapping customers at once wait for
        each other in the same order instead of deadlocking.
        """
        now = utcnow()
        rows = []
        for _key, order in sorted(to_create.items(), key=operator.itemgetter(0)):
            buyer = order.buyer
            name = buyer.name or order.ship_to.recipient or buyer.email or buyer.phone or ""
            email, phone = normalise_email(buyer.email), normalise_phone(buyer.phone)
            keys = customer_search_keys(name[:200], email, phone, order.ship_to.country_code)
            rows.append(
                {
                    "name": name[:200],
                    "email": email,
                    "phone": phone,
                    "search_text": keys.search_text,
                    "search_phone": keys.search_phone,
                    "channel_buyer_id": buyer.channel_buyer_id,
                    "status": "active",
                    "language": "en",
                    "created_at": now,
                    "version": 1,
                }
            )
        customer_table: Table = Customer.__table__  # type: ignore[assignment]
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        created = session.execute(
            dialect_insert(customer_table)
            .on_conflict_do_nothing()
            .returning(
                customer_table.c.id,
                customer_table.c.channel_buyer_id,
                customer_table.c.email,
                customer_table.c.phone,
            ),
            rows,
        ).all()
        addresses = []
        for customer_id, buyer_id, email, phone in created:
            first_key = (
                ("buyer", buyer_id) if buyer_id else ("email", email) if email else ("phone", phone)
            )
            order = to_create[first_key]
            for key in candidates[order.channel_order_id]:  # later orders may carry one
                self.customer_ids.setdefault(key, customer_id)
            ship = order.ship_to
            if ship.line1 or ship.city:
                addresses.append(
                    {
                        "customer_id": customer_id,
                        "recipient": ship.recipient,
                        "line1": ship.line1,
                        "line2": ship.line2,
                        "line3": ship.line3,
                        "city": ship.city,
                        "region": ship.region,
                        "postal_code": ship.postal_code,
                        "country_code": ship.country_code,
                        "phone": ship.phone or None,
                        "is_default": True,
                    }
                )
        if addresses:
            bulk_insert(session, Address.__table__, addresses)
        return len(created)

    # ------------------------------------------------------------------ writes

    def _insert_new(
        self,
        session: Session,
        orders: list[IncomingOrder],
        digests: dict[tuple[str | None, str | None], str | None],
        summary: ImportSummary,
        now: dt.datetime,
    ) -> tuple[int, list[IncomingOrder]]:
        """Insert orders not yet present; returns (how many, those another desk took first)."""
        if not orders:
            return 0, []
        self._resolve_products(session, orders)
        customers = self._resolve_customers(session, orders, summary)
        priced = self._price_from_lists(session, orders)
        rows = [
            order_row(order, customers[order.channel_order_id], priced.get(order.channel_order_id))
            for order in orders
        ]
        constants = order_constants(now)
        extras = [order_extras(order, priced.get(order.channel_order_id)) for order in orders]
        if any(extras):  # else the columns' defaults say it, at no cost per row
            del constants["priority"]
            for row, extra in zip(rows, extras, strict=True):
                row.update(EXTRA_DEFAULTS, **extra)
        ids = self._insert_orders(session, rows, constants)
        inserted = [order for order in orders if order.channel_order_id in ids]
        raced = [order for order in orders if order.channel_order_id not in ids]
        lines, payments, imports, events = [], [], [], []
        for order in inserted:
            order_id = ids[order.channel_order_id]
            amounts = priced.get(order.channel_order_id)
            if amounts is not None:
                if amounts.source == ESTIMATED:
                    summary.estimated_amounts += 1
                else:
                    summary.unknown_amounts += 1
            for line_no, line in enumerate(order.lines, start=1):
                product_id = self.product_ids.get(line.sku)
                if product_id is None:
                    summary.unknown_skus += 1
                lines.append(line_row(order_id, line_no, line, product_id, amounts))
            if order.is_paid:
                payments.append(payment_row(order_id, order, now, amounts))
            imports.append(
                {
                    "order_id": order_id,
                    "fingerprint": order.fingerprint,
                    "source_digest": digests.get((order.channel, order.channel_order_id)),
                }
            )
            events.append(self._event(order_id, "imported", order))
        for model, values, same in (
            (OrderLine, lines, None),
            (Payment, payments, PAYMENT_CONSTANTS),
            (OrderImport, imports, {"import_batch_id": self.batch_id}),
        ):
            if values:
                bulk_insert(session, model.__table__, values, same=same)
        add_events(session, events, same=self._event_constants("imported", "received", now))
        return len(inserted), raced

    def _price_from_lists(
        self, session: Session, orders: Sequence[IncomingOrder]
    ) -> dict[str, Amounts]:
        """Amounts of the orders the file gave no prices for (see ``matching``)."""
        unpriced = [order for order in orders if needs_price_list(order)]
        if not unpriced:
            return {}
        if self.accounts is None:
            self.accounts = channel_marketplaces(session)
        markets = {
            order.channel_order_id: marketplace_for(order, self.accounts) for order in unpriced
        }
        wanted = {m for m in markets.values() if m} - self.price_lists.keys()
        if wanted:
            self.price_lists.update(price_list_facts(session, wanted))
        return {
            order.channel_order_id: amounts_for(
                order, self.price_lists.get(markets[order.channel_order_id] or "")
            )
            for order in unpriced
        }

    def _insert_orders(self, session: Session, rows: list[dict], same: dict) -> dict[str, int]:
        """Insert order rows; channel order id → new id, for the rows inserted here.

        SQLite: the batch has held the write lock since its first statement, so nothing
        absent when we looked can have appeared since: a plain executemany (the unique
        constraint would still refuse a duplicate), then the new ids are read back.
        PostgreSQL: other desks write at the same time, so ``ON CONFLICT DO NOTHING
        RETURNING`` tells which rows were ours; the unique constraint decides every race.
        """
        table: Table = Order.__table__  # type: ignore[assignment]
        if self.dialect == "sqlite":
            bulk_insert(session, table, rows, same=same)
            return _new_order_ids(session, rows)
        # Copied into a staging table (COPY is the fast way in), then moved across in one
        # statement that skips what another desk inserted meanwhile and says what was ours.
        rows = [row | same for row in rows]
        columns = ", ".join(rows[0])
        session.execute(
            text(
                f"CREATE TEMP TABLE IF NOT EXISTS {ORDER_STAGE} ON COMMIT DELETE ROWS AS "
                f"SELECT {columns} FROM orders WITH NO DATA"
            )
        )
        bulk_insert(session, table, rows, into=ORDER_STAGE)
        moved = session.execute(
            text(
                f"INSERT INTO orders ({columns}) SELECT {columns} FROM {ORDER_STAGE} "
                "ON CONFLICT DO NOTHING RETURNING id, channel_order_id"
            )
        )
        return {cid: order_id for order_id, cid in moved}

    def _record_conflicts(
        self,
        session: Session,
        conflicting: list[tuple[IncomingOrder, int, str | None, tuple[Unsafe, ...]]],
        summary: ImportSummary,
        now: dt.datetime,
    ) -> None:
        """What the channel changed that cannot be applied safely, with the reasons
        (``incoming["channel_conflicts"]``), for a person at the review desk."""
        if not conflicting:
            return
        summary.conflicts += len(conflicting)
        table: Table = IntakeConflict.__table__  # type: ignore[assignment]
        rows = [
            {
                "order_id": order_id,
                "import_batch_id": self.batch_id,
                "stored_fingerprint": fingerprint,
                "incoming_fingerprint": order.fingerprint,
                "incoming": incoming_json(order) | {"channel_conflicts": unsafe_json(unsafe)},
                "created_at": now,
            }
            for order, order_id, fingerprint, unsafe in conflicting
        ]
        statement = self._insert_ignoring_duplicates(table).returning(
            table.c.order_id, table.c.incoming_fingerprint
        )
        recorded = set(session.execute(statement, rows).all())
        events = [
            self._event(order_id, "import_conflict", order, unsafe)
            for order, order_id, _fingerprint, unsafe in conflicting
            if (order_id, order.fingerprint) in recorded
        ]
        if events:
            add_events(session, events, same=self._event_constants("import_conflict", None, now))

    def _insert_ignoring_duplicates(self, table: Table):
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        return dialect_insert(table).on_conflict_do_nothing()

    def _event_constants(self, action: str, to_state: str | None, now: dt.datetime) -> dict:
        """What every audit event of one kind in a batch has in common (see ``_event``)."""
        return {
            "at": now,
            "actor_id": self.actor.user_id,
            "actor_name": self.actor.username,
            "entity_type": "order",
            "action": action,
            "from_state": None,
            "to_state": to_state,
            "reason": "",
        }

    def _event(
        self, order_id: int, action: str, order: IncomingOrder, unsafe: tuple[Unsafe, ...] = ()
    ) -> dict:
        detail: dict = {
            "file": self.file_name,
            "rows": list(order.rows),
            "import_batch": self.batch_id,
        }
        if order.notes:
            detail["notes"] = list(order.notes)
        if action == "import_conflict":
            detail["incoming_fingerprint"] = order.fingerprint
            detail["reasons"] = sorted({u.reason for u in unsafe})
        return {"entity_id": order_id, "detail": detail}


def _new_order_ids(session: Session, rows: list[dict]) -> dict[str, int]:
    """Channel order id → id of the order rows just inserted (SQLite: the ids are only
    known by reading them back). Straight through the driver: a thousand ids a batch."""
    by_channel: dict[str, list[str]] = {}
    for row in rows:
        by_channel.setdefault(row["channel"], []).append(row["channel_order_id"])
    connection = session.connection()
    ids: dict[str, int] = {}
    for channel, order_ids in by_channel.items():
        marks = ", ".join("?" * len(order_ids))
        found = connection.exec_driver_sql(
            f"SELECT channel_order_id, id FROM orders WHERE channel = ? "
            f"AND channel_order_id IN ({marks})",
            (channel, *order_ids),
        )
        ids.update((channel_order_id, order_id) for channel_order_id, order_id in found)
    return ids


# --------------------------------------------------------------------------- plain mapping


def customer_keys(order: IncomingOrder) -> list[tuple[str, str]]:
    """What a buyer is matched by, strongest first: channel buyer id, then e-mail.

    Phone counts only when there is neither: households and offices share phones, so a
    phone match would merge customers whose e-mails say they are different people.
    """
    buyer = order.buyer
    keys = []
    if buyer.channel_buyer_id:
        keys.append(("buyer", buyer.channel_buyer_id))
    email = normalise_email(buyer.email)
    if email:
        keys.append(("email", email))
    phone = normalise_phone(buyer.phone)
    if phone and not keys:
        keys.append(("phone", phone))
    return keys


def _unique(orders: list[IncomingOrder]) -> list[IncomingOrder]:
    """One order per (channel, id) in a batch: the readers already ensure it; cheap guard."""
    seen: dict[tuple[str, str], IncomingOrder] = {}
    for order in orders:
        seen.setdefault((order.channel, order.channel_order_id), order)
    return list(seen.values())


# What most orders have (and the columns default to): only a batch in which some order
# differs writes these columns, for every row (every row of a batch has the same keys).
EXTRA_DEFAULTS = {
    "priority": 0,
    "amounts_source": CHANNEL,
    "is_business_order": False,
    "purchase_order_number": None,
    "buyer_requested_cancellation": False,
    "is_gift": False,
    "gift_message": "",
}


_NOTHING_EXTRA: dict = {}


def order_extras(order: IncomingOrder, amounts: Amounts | None) -> dict:
    """The order's values of ``EXTRA_DEFAULTS`` that differ from them."""
    if amounts is None and not (
        order.is_business_order
        or order.purchase_order_number
        or order.buyer_requested_cancellation
        or order.verge_of_late_shipment
        or order.is_gift
        or order.gift_message
    ):
        return _NOTHING_EXTRA  # the usual order, quickly
    values = {
        "priority": priority_of(order),
        "amounts_source": amounts.source if amounts is not None else CHANNEL,
        "is_business_order": order.is_business_order,
        "purchase_order_number": order.purchase_order_number,
        "buyer_requested_cancellation": order.buyer_requested_cancellation,
        "is_gift": order.is_gift or bool(order.gift_message),
        "gift_message": order.gift_message,
    }
    return {key: value for key, value in values.items() if value != EXTRA_DEFAULTS[key]}


def order_constants(now: dt.datetime) -> dict:
    """What every new order row of a batch has in common (see ``order_row``)."""
    return {
        "status": "received",
        "priority": 0,
        "received_at": now,
        "status_changed_at": now,
        "version": 1,
    }


def order_row(
    order: IncomingOrder, customer_id: int | None, amounts: Amounts | None = None
) -> dict:
    """A new order's own values; with ``order_constants``, the whole row.

    ``amounts``: what matching made of an order the file gave no prices for (None: the
    channel's own amounts, as read)."""
    ship = order.ship_to
    money = (
        {
            "currency": amounts.currency,
            "subtotal_cents": amounts.subtotal,
            "shipping_cents": amounts.shipping,
            "tax_cents": amounts.tax,
            "discount_cents": amounts.discount,
            "total_cents": amounts.total,
        }
        if amounts is not None
        else {
            "currency": order.currency,
            "subtotal_cents": order.subtotal_minor,
            "shipping_cents": order.shipping_minor,
            "tax_cents": order.tax_minor,
            "discount_cents": order.discount_minor,
            "total_cents": order.total_minor,
        }
    )
    return {
        "channel": order.channel,
        "channel_order_id": order.channel_order_id,
        "customer_id": customer_id,
        "requested_service": order.requested_service,
        **money,
        "ship_name": ship.recipient,
        "ship_phone": ship.phone or None,
        "ship_line1": ship.line1,
        "ship_line2": ship.line2,
        "ship_line3": ship.line3,
        "ship_city": ship.city,
        "ship_region": ship.region,
        "ship_postal_code": ship.postal_code,
        "ship_country": ship.country_code,
        "purchased_at": order.purchased_at,
        "ship_by_at": order.ship_by_at,
        "channel_updated_at": order.channel_updated_at,
    }


def line_row(
    order_id: int, line_no: int, line, product_id: int | None, amounts: Amounts | None = None
) -> dict:
    """``amounts``: the order's amounts from matching (None: the line's own, as read)."""
    if amounts is None:
        unit, total = line.unit_price_minor, line.line_total_minor
        tax, discount = line.tax_minor, line.discount_minor
    else:
        unit = amounts.unit_price(line_no - 1, line.quantity)
        total, tax, discount = amounts.line_totals[line_no - 1], 0, 0
    return {
        "order_id": order_id,
        "line_no": line_no,
        "product_id": product_id,
        "sku": line.sku,
        "product_name": line.product_name,
        "channel_line_id": line.channel_line_id,
        "quantity": line.quantity,
        "unit_price_cents": unit,
        "line_total_cents": total,
        "tax_cents": tax,
        "discount_cents": discount,
    }


PAYMENT_CONSTANTS = {"method": "marketplace", "status": "captured"}


def payment_row(
    order_id: int, order: IncomingOrder, now: dt.datetime, amounts: Amounts | None = None
) -> dict:
    """A marketplace payment's own values; with ``PAYMENT_CONSTANTS``, the whole row.

    The channel collected the money and says so (a payments date): the payment is
    captured even when its amount is only estimated, or unknown (0, ``XXX``)."""
    return {
        "order_id": order_id,
        "amount_cents": order.total_minor if amounts is None else amounts.total,
        "currency": order.currency if amounts is None else amounts.currency,
        "paid_at": order.paid_at or order.purchased_at or now,
    }


def unsafe_json(unsafe: tuple[Unsafe, ...]) -> list[dict]:
    return [
        {"reason": u.reason, "field": u.field, "old": plain(u.old), "new": plain(u.new)}
        for u in unsafe
    ]


def incoming_json(order: IncomingOrder) -> dict:
    """The order as read, as plain JSON, for the review desk to compare."""
    data = asdict(order)
    for key in ("purchased_at", "ship_by_at", "paid_at", "channel_updated_at"):
        value = data[key]
        data[key] = value.isoformat() if value else None
    data["total_minor"] = order.total_minor
    return data
