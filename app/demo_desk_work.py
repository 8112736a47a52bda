"""Desk work on the demo: the real desks' services run over a small part of the demo data.

``generate_demo`` writes rows in bulk and stays fast; this second step makes what only the
desks make, through their own services and as the demo's own users, so the demo database
shows exactly what the import, review and exception desks produce:

* **intake** (as ``cs``): an Amazon order report of a few dozen orders (some with several
  items, one with a truncated row, one fulfilled by Amazon, four for sold-out products,
  five from one new buyer within the hour, one with a promotion) is imported with
  ``import_file``; then a second report that repeats its newer half, with one order's
  ship-to changed, plus a few new orders -- import batches, "already present" counts, a
  rejected order and an intake conflict;
* **promotions**: 10 % off the category and the product whose demo discounts cluster most in
  some weeks (so the promotions explain part of the demo's discounted lines: the generator
  gives ~8 % of the orders past review 10 % off at random, so most stay unexplained), a
  euro amount off one product that an imported order used, and one open-ended offer. There
  is no promotion service yet, so they are written as rows;
* **review** (as ``cs``): ``review_orders`` over the received orders placed before the last
  ``LEFT_FOR_REVIEW`` (the newest stay in "to review"), at most ``MAX_REVIEWED`` of them;
* **incoming stock** (rows; no service yet) with expected dates for the sold-out products
  the stock-short queue waits for;
* **desk actions** through the verbs: information requested (one from a Chinese customer,
  so a message in Chinese is drafted), an unreachable customer held with a call-back,
  payment asked for, resolved and cancelled, each stock-short answer (wait, substitute,
  decline) and an open offer, one of a duplicate pair kept, the new buyer's burst banned by
  the supervisor (block list), their second account then caught by the block list, and a
  plan written on an account exception.

A verb that refuses (the data did not produce that queue) is tried on the next candidate;
a state no candidate allows is named in ``DeskWorkSummary.missing``. The same seed and
reference time give the same records (apart from the times the services stamp). About
600 orders are touched at most, whatever the size of the demo.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import logging
import random
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, select

from app.database import Database
from app.demo import DemoResult, demo_reference_time, generate_demo
from app.errors import NotFound, OrderdeskError
from app.intake import import_file
from app.numbers import order_number
from app.permissions import Actor, Role
from app.review.exception_desk import (
    ban_customer,
    hold_order,
    resolve_duplicates,
    set_exception_plan,
)
from app.review.model import ProductFacts, PromotionFacts, ReviewSettings, ReviewWorld
from app.review.queries import queue_counts
from app.review.rules import expected_unit_prices
from app.review.service import (
    NewPayment,
    ask_for_payment,
    cancel_order,
    request_information,
    rereview_order,
    resolve_payment,
    review_orders,
)
from app.review.stock_short import (
    StockAnswer,
    answer_stock_short,
    offer_stock_options,
    short_lines,
)
from db.models import (
    Address,
    BlockListEntry,
    Customer,
    ExceptionRecord,
    IncomingStock,
    Order,
    OrderLine,
    Product,
    Promotion,
    ReviewFinding,
    StockQuant,
    User,
    Warehouse,
)

log = logging.getLogger(__name__)

# Orders placed this close to the demo's "now" are left in "to review" for a person.
LEFT_FOR_REVIEW = dt.timedelta(days=2)
# The review run's bound: the newest received orders placed before the cut-off.
MAX_REVIEWED = 600
# Every state the desk actions leave behind.
DESK_STATES = (
    "information_requested",
    "information_requested_zh",
    "unreachable_held",
    "payment_asked",
    "payment_resolved",
    "payment_cancelled",
    "stock_offered",
    "stock_wait",
    "stock_substitute",
    "stock_decline",
    "duplicate_kept",
    "customer_banned",
    "block_list_caught",
    "exception_plan",
)


@dataclass(frozen=True)
class DeskWorkSummary:
    """What the desk work left in the demo database (``orderdesk demo --json``)."""

    import_batches: int
    imported_orders: int
    already_present: int
    intake_conflicts: int
    not_for_warehouse: int
    rejected_orders: int
    reviewed: int
    promotions: int
    discounted_lines: int
    explained_lines: int  # discounted demo lines a promotion now explains
    incoming_stock: int
    block_list_entries: int
    states: dict[str, str]  # desk state -> the order number that shows it
    missing: tuple[str, ...]  # desk states (or "intake") this demo's data did not allow
    queues: dict[str, int]
    # Later desks' demo stages (stock, picking …), each a summary with its own as_text().
    later: tuple[Any, ...] = ()
    # Allocation and pick lists made by the services (issue 11; app/demo_picking.py).
    picking: dict[str, int] = field(default_factory=dict)

    def as_text(self) -> str:
        later = "".join("\n" + summary.as_text() for summary in self.later)
        return self._own_text() + later

    def _own_text(self) -> str:
        queues = ", ".join(
            f"{count} {name.replace('_', ' ')}" for name, count in self.queues.items()
        )
        missing = ", ".join(self.missing) or "none"
        return (
            f"Desk work: {self.import_batches} imports ({self.imported_orders} new orders, "
            f"{self.already_present} already present, {self.intake_conflicts} conflict, "
            f"{self.rejected_orders} rejected, {self.not_for_warehouse} Amazon-fulfilled); "
            f"{self.reviewed} reviewed; {len(self.states)} desk actions; "
            f"{self.promotions} promotions (explain {self.explained_lines} of "
            f"{self.discounted_lines} discounted lines), {self.incoming_stock} incoming "
            f"deliveries, {self.block_list_entries} block-list entries; queues: {queues}; "
            f"states missing: {missing}."
        ) + (
            " Picking: {allocated} allocated ({split} split, {stock_short} stock short), "
            "{pick_lists} pick lists ({finished} finished, {short_picked} short-picked, "
            "{claimed} claimed, {open} open).".format(**self.picking)
            if self.picking
            else ""
        )


def _later_stages() -> list[Callable[..., Any]]:
    """The demo stages of the desks built on review, in the order the work flows."""
    from app.demo_stock import stage_stock_work

    return [stage_stock_work]


def generate_demo_with_desk_work(
    database: Database, orders: int, seed: int, *, reference_time: dt.datetime | None = None
) -> tuple[DemoResult, DeskWorkSummary]:
    """The demo data and the desks' work on it, all in one transaction: interrupted, killed
    or failed anywhere, nothing is kept (the database stays empty, a re-run starts over)."""
    staged: list[DeskWorkSummary] = []

    def desk_work(inside: Database, result: DemoResult) -> None:
        summary = stage_desk_work(inside, result, seed, reference_time=reference_time)
        later = tuple(
            stage(inside, result, seed, reference_time=reference_time) for stage in _later_stages()
        )
        staged.append(dataclasses.replace(summary, later=later))

    result = generate_demo(
        database, orders=orders, seed=seed, reference_time=reference_time, then=desk_work
    )
    return result, staged[0]


def stage_desk_work(
    database: Database,
    result: DemoResult,
    seed: int,
    *,
    reference_time: dt.datetime | None = None,
) -> DeskWorkSummary:
    """Run the desks' services over a small part of a freshly generated demo (see above)."""
    now = reference_time or demo_reference_time()
    rng = random.Random(seed * 1_000_003 + 4)
    staff = _staff(database, result)
    clerk, supervisor = staff[Role.CUSTOMER_SERVICE], staff[Role.SUPERVISOR]
    world = _read_world(database, rng)
    promoted = world.promoted_product
    promotions, discounted, explained = _add_promotions(database, world, promoted, now)
    imports = []
    if world.can_fill_reports:
        with tempfile.TemporaryDirectory(prefix="orderdesk-demo-") as folder:
            first, second = _write_reports(Path(folder), world, rng, now)
            imports = [import_file(database, clerk, path) for path in (first, second)]
    reviewed = _review_all_but_newest(database, clerk, now)
    incoming = _add_incoming_stock(database, rng, now)
    desk = _Desk(database, clerk, supervisor, now)
    desk.work_the_queues()
    from app.demo_picking import stage_picking

    picking = stage_picking(database, supervisor)
    with database.unit_of_work() as uow:
        counts = queue_counts(uow.session, clerk)
        blocked = uow.session.scalar(select(func.count()).select_from(BlockListEntry)) or 0
    return DeskWorkSummary(
        import_batches=len(imports),
        imported_orders=sum(s.new_orders for s in imports),
        already_present=sum(s.already_present for s in imports),
        intake_conflicts=sum(s.conflicts for s in imports),
        not_for_warehouse=sum(s.not_for_warehouse for s in imports),
        rejected_orders=sum(s.rejected_orders for s in imports),
        reviewed=reviewed,
        promotions=promotions,
        discounted_lines=discounted,
        explained_lines=explained,
        incoming_stock=incoming,
        block_list_entries=blocked,
        states=desk.states,
        missing=("intake",) * (not imports)
        + tuple(state for state in DESK_STATES if state not in desk.states),
        queues={name: getattr(counts, name) for name in counts.__dataclass_fields__},
        picking=picking,
    )


# --------------------------------------------------------------------------- who acts


def _staff(database: Database, result: DemoResult) -> dict[Role, Actor]:
    """The demo's customer-service clerk and supervisor, as the services see people."""
    wanted = {Role.CUSTOMER_SERVICE, Role.SUPERVISOR}
    names = {Role(user.role): user.username for user in result.users if user.role in wanted}
    staff = {}
    with database.unit_of_work() as uow:
        for role in wanted:
            username = names.get(role, "")
            user = uow.session.scalars(select(User).where(User.username == username)).first()
            if user is None:
                raise NotFound("demo user", username or role.value)
            staff[role] = Actor(
                user.id, user.username, frozenset(r.name for r in user.roles), user.full_name
            )
    return staff


# --------------------------------------------------------------------------- what the files use


@dataclass(frozen=True)
class _Item:
    product_id: int
    sku: str
    name: str
    category: str
    price_cents: int


@dataclass(frozen=True)
class _Buyer:
    email: str
    name: str
    phone: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str


@dataclass(frozen=True)
class _World:
    in_stock: tuple[_Item, ...]  # at least _PLENTY units free, not high-value
    sold_out: tuple[_Item, ...]
    high_value: tuple[_Item, ...]
    buyers: tuple[_Buyer, ...]  # demo customers in the euro countries, buying again
    promoted_product: _Item | None

    @property
    def can_fill_reports(self) -> bool:
        return bool(self.buyers) and len(self.in_stock) >= 3


# The euro Amazon marketplaces (the demo sells in euros only) and their VAT.
_MARKETPLACES = {
    "DE": ("Amazon.de", 19),
    "FR": ("Amazon.fr", 20),
    "IT": ("Amazon.it", 22),
    "ES": ("Amazon.es", 21),
}
_PLENTY = 25


def _read_world(database: Database, rng: random.Random) -> _World:
    with database.unit_of_work() as uow:
        session = uow.session
        available = (
            select(StockQuant.product_id, func.sum(StockQuant.on_hand - StockQuant.reserved))
            .group_by(StockQuant.product_id)
            .subquery()
        )
        units = func.coalesce(available.c[1], 0)
        rows = session.execute(
            select(
                Product.id,
                Product.sku,
                Product.name,
                Product.category,
                Product.price_cents,
                Product.high_value,
                units,
            )
            .outerjoin(available, available.c.product_id == Product.id)
            .where(Product.active.is_(True), Product.currency == "EUR")
            .order_by(Product.id)
        ).all()
        items = [(_Item(*row[:5]), row.high_value, row[-1]) for row in rows]
        in_stock = tuple(i for i, dear, n in items if n >= _PLENTY and not dear)
        sold_out = tuple(i for i, _, n in items if n <= 0)
        high_value = tuple(i for i, dear, n in items if dear and n >= 5)
        buyers = _returning_buyers(session)
    promoted = rng.choice(
        [i for i in in_stock if i.price_cents >= 2500] or list(in_stock) or [None]
    )
    return _World(in_stock, sold_out, high_value, buyers, promoted)


def _returning_buyers(session) -> tuple[_Buyer, ...]:
    """Demo customers in good standing with a phone and a full address in a euro country.

    The report gives their own e-mail address as the buyer's: that is what intake matches
    them by (their ``channel_buyer_id`` is an Amazon marketplace address only for the
    customers who bought on Amazon).
    """
    rows = session.execute(
        select(
            Customer.email,
            Customer.name,
            Customer.phone,
            Address.line1,
            Address.line2,
            Address.city,
            Address.region,
            Address.postal_code,
            Address.country_code,
        )
        .join(Address, Address.customer_id == Customer.id)
        .where(
            Customer.status == "active",
            Customer.phone.is_not(None),
            Customer.email.is_not(None),
            Address.is_default.is_(True),
            Address.country_code.in_(sorted(_MARKETPLACES)),
            Address.line1 != "",
            Address.postal_code != "",
        )
        .order_by(Customer.id)
        .limit(200)
    ).all()
    return tuple(_Buyer(*row) for row in rows)


# --------------------------------------------------------------------------- promotions


@dataclass(frozen=True)
class _DiscountedLine:
    product: ProductFacts
    quantity: int
    line_total_cents: int
    discount_cents: int
    purchased_at: dt.datetime


def _discounted_lines(session) -> list[_DiscountedLine]:
    rows = session.execute(
        select(
            Product.id,
            Product.sku,
            Product.name,
            Product.spec,
            Product.model,
            Product.category,
            Product.price_cents,
            Product.currency,
            Product.active,
            OrderLine.quantity,
            OrderLine.line_total_cents,
            OrderLine.discount_cents,
            Order.purchased_at,
        )
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.discount_cents > 0, Order.purchased_at.is_not(None))
        .order_by(OrderLine.id)
    ).all()
    return [_DiscountedLine(ProductFacts(*row[:9]), *row[9:]) for row in rows]


def _busiest_window(days: Sequence[dt.datetime], length: dt.timedelta) -> tuple[dt.datetime, int]:
    """The start (a midnight) of the ``length`` window holding most of ``days``, and how many."""
    moments = sorted(days)
    best_start, best = moments[0], 0
    for index, moment in enumerate(moments):
        start = dt.datetime.combine(moment.date(), dt.time(), tzinfo=dt.UTC)
        count = bisect.bisect_left(moments, start + length, lo=index) - index
        if count > best:
            best_start, best = start, count
    return best_start, best


def _add_promotions(
    database: Database, world: _World, promoted: _Item | None, now: dt.datetime
) -> tuple[int, int, int]:
    """Promotions that explain some demo discounts, plus ones running now; returns
    (promotions, discounted lines, lines a promotion explains)."""
    with database.unit_of_work() as uow:
        session = uow.session
        lines = _discounted_lines(session)
        promotions: list[Promotion] = []
        by_category = Counter(line.product.category for line in lines)
        for category, length in zip(
            [c for c, _ in by_category.most_common(2)],
            (dt.timedelta(days=21), dt.timedelta(days=14)),
            strict=False,
        ):
            moments = [line.purchased_at for line in lines if line.product.category == category]
            start, _ = _busiest_window(moments, length)
            promotions.append(
                Promotion(
                    name=f"{category.capitalize()} weeks: 10 % off",
                    category=category,
                    percent_off=10,
                    starts_at=start,
                    ends_at=start + length,
                )
            )
        chosen = {p.category for p in promotions}
        by_sku = Counter(line.product.sku for line in lines if line.product.category not in chosen)
        if by_sku:
            sku = sorted(by_sku.items(), key=lambda item: (-item[1], item[0]))[0][0]
            line = next(line for line in lines if line.product.sku == sku)
            length = dt.timedelta(days=30)
            start, _ = _busiest_window(
                [x.purchased_at for x in lines if x.product.sku == sku], length
            )
            promotions.append(
                Promotion(
                    name=f"Deal of the month: {line.product.name[:80]} 10 % off",
                    sku=sku,
                    percent_off=10,
                    starts_at=start,
                    ends_at=start + length,
                )
            )
        if promoted is not None:
            promotions.append(
                Promotion(
                    name=f"€{_amount_off(promoted) // 100} off {promoted.name[:80]}",
                    sku=promoted.sku,
                    amount_off_cents=_amount_off(promoted),
                    currency="EUR",
                    starts_at=now - dt.timedelta(days=10),
                    ends_at=now + dt.timedelta(days=20),
                )
            )
        others = sorted({i.category for i in world.in_stock} - chosen)
        if others:
            promotions.append(
                Promotion(
                    name=f"{others[0].capitalize()}: 5 % off until further notice",
                    category=others[0],
                    percent_off=5,
                    starts_at=now - dt.timedelta(days=3),
                    ends_at=None,
                )
            )
        session.add_all(promotions)
        uow.commit()
        facts = tuple(_promotion_facts(p) for p in promotions)
    return len(promotions), len(lines), _explained(lines, facts, now)


def _amount_off(item: _Item) -> int:
    """A round euro amount, about a tenth of the price."""
    return max(100, item.price_cents // 1000 * 100)


def _promotion_facts(promotion: Promotion) -> PromotionFacts:
    return PromotionFacts(
        id=promotion.id,
        name=promotion.name,
        starts_at=promotion.starts_at,
        ends_at=promotion.ends_at,
        sku=promotion.sku,
        category=promotion.category,
        percent_off=promotion.percent_off,
        amount_off_cents=promotion.amount_off_cents,
        currency=promotion.currency,
    )


def _explained(
    lines: Sequence[_DiscountedLine], promotions: tuple[PromotionFacts, ...], now: dt.datetime
) -> int:
    """How many of ``lines`` a promotion gives the price of (the review's price rule)."""
    world = ReviewWorld(now, promotions=promotions)
    tolerance = ReviewSettings().price_tolerance_cents
    explained = 0
    for line in lines:
        product = line.product
        prices = expected_unit_prices(product, world, line.purchased_at, product.currency)
        charged = line.line_total_cents - line.discount_cents
        explained += any(
            reason != "list price"
            and abs(charged - price * line.quantity) <= tolerance * line.quantity
            for price, reason in prices.items()
        )
    return explained


# --------------------------------------------------------------------------- the Amazon reports

# The Orders report (GET_FLAT_FILE_ORDERS_DATA) with its promotion and fulfilment columns.
REPORT_COLUMNS = (
    "order-id",
    "order-item-id",
    "purchase-date",
    "payments-date",
    "buyer-email",
    "buyer-name",
    "buyer-phone-number",
    "sku",
    "product-name",
    "quantity-purchased",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "item-promotion-discount",
    "ship-promotion-discount",
    "ship-service-level",
    "recipient-name",
    "ship-address-1",
    "ship-address-2",
    "ship-address-3",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "ship-phone-number",
    "sales-channel",
    "fulfillment-channel",
    "is-business-order",
)
_FREE_SHIPPING_FROM_CENTS = 3000
_SHIPPING_CENTS = 399
_AMAZON_PREFIXES = ("028", "171", "302", "303", "304", "305", "403", "404", "407")
# The buyer whose burst of orders the supervisor bans, and their second account.
_FRAUD = _Buyer(
    email="k7w2qp9xv3mz1r@marketplace.amazon.de",
    name="Jan Becker",
    phone="+4917623958014",
    line1="Lagerstraße 27",
    line2="c/o Paketshop",
    city="Hamburg",
    region="Hamburg",
    postal_code="20357",
    country="DE",
)
_FRAUD_AGAIN = dataclasses.replace(
    _FRAUD, email="p3n8dd0qz4ty6c@marketplace.amazon.de", name="J. Becker"
)


@dataclass
class _ReportOrder:
    order_id: str
    purchased_at: dt.datetime
    buyer: _Buyer
    items: list[tuple[_Item, int]]  # (item, quantity)
    kind: str = "plain"
    service: str = "Standard"
    fulfilment: str = "MFN"
    discount_per_unit_cents: int = 0
    truncated_last_row: bool = False


def _write_reports(
    folder: Path, world: _World, rng: random.Random, now: dt.datetime
) -> tuple[Path, Path]:
    """Two report files: the first, and a later one repeating its newer half, one changed."""
    ids = _order_ids(rng)
    orders: list[_ReportOrder] = []

    def plain(at: dt.datetime, kind: str = "plain", buyer: _Buyer | None = None) -> _ReportOrder:
        count = rng.choice((1, 1, 1, 2, 2, 3))
        items = rng.sample(world.in_stock, min(count, len(world.in_stock)))
        order = _ReportOrder(
            next(ids),
            at,
            buyer or rng.choice(world.buyers),
            [(item, rng.choice((1, 1, 1, 2))) for item in items],
            kind,
            service=rng.choice(("Standard",) * 4 + ("Expedited",)),
        )
        orders.append(order)
        return order

    span = dt.timedelta(days=6) - dt.timedelta(hours=3)
    for index in range(22):
        at = now - dt.timedelta(days=6) + span * index / 22
        plain(at + dt.timedelta(minutes=rng.randrange(0, 300)))
    for index, item in enumerate(rng.sample(world.sold_out, min(4, len(world.sold_out)))):
        order = plain(now - dt.timedelta(days=5 - index * 0.6, hours=rng.randrange(1, 9)))
        order.kind = "sold_out"
        order.items = [(item, 1), *order.items[:1]]
    if world.promoted_product is not None:
        order = plain(now - dt.timedelta(days=3, hours=5), kind="promotion")
        order.items = [(world.promoted_product, 1)]
        order.discount_per_unit_cents = _amount_off(world.promoted_product)
    burst_start = now - dt.timedelta(days=4, hours=2, minutes=17)
    for index, item in enumerate(rng.sample(world.high_value, min(5, len(world.high_value)))):
        order = plain(burst_start + dt.timedelta(minutes=9 * index), "burst", _FRAUD)
        order.items, order.service = [(item, 1)], "NextDay"
    plain(now - dt.timedelta(days=5, hours=3), "afn").fulfilment = "AFN"
    broken = plain(now - dt.timedelta(days=4, hours=11), "truncated")
    if len(broken.items) < 2:
        broken.items.append((next(i for i in world.in_stock if i != broken.items[0][0]), 1))
    broken.truncated_last_row = True
    orders.sort(key=lambda o: o.purchased_at)

    overlap_from = now - dt.timedelta(days=3, hours=12)
    repeated = [o for o in orders if o.purchased_at >= overlap_from and o.kind != "truncated"]
    changed = next(
        (o for o in repeated if o.kind == "plain" and o.purchased_at < now - LEFT_FOR_REVIEW),
        None,
    )
    first = folder / "amazon-orders-1.txt"
    _write_report(first, orders)
    later: list[_ReportOrder] = []
    for order in repeated:
        if order is changed:
            # The buyer corrected the flat on Amazon after our first download.
            buyer = dataclasses.replace(order.buyer, line2="Hinterhaus, 3. OG")
            order = dataclasses.replace(order, buyer=buyer)
        later.append(order)
    orders.clear()
    for hours in (30, 20, 9, 4):
        plain(now - dt.timedelta(hours=hours + rng.randrange(0, 3)))
    plain(now - dt.timedelta(hours=26), "second_account", _FRAUD_AGAIN).items = [
        (rng.choice(world.high_value or world.in_stock), 1)
    ]
    second = folder / "amazon-orders-2.txt"
    _write_report(second, sorted(later + orders, key=lambda o: o.purchased_at))
    return first, second


def _order_ids(rng: random.Random) -> Iterator[str]:
    """Amazon-shaped ids (one of the demo's own matching is a one-in-10^14 chance)."""
    seen: set[str] = set()
    while True:
        candidate = f"{rng.choice(_AMAZON_PREFIXES)}-{rng.randrange(10**7):07d}-"
        candidate += f"{rng.randrange(10**7):07d}"
        if candidate not in seen:
            seen.add(candidate)
            yield candidate


def _write_report(path: Path, orders: Sequence[_ReportOrder]) -> None:
    lines = ["\t".join(REPORT_COLUMNS)]
    for order in orders:
        rows = _report_rows(order, random.Random(order.order_id))
        lines += ["\t".join(row[c] for c in REPORT_COLUMNS) for row in rows]
        if order.truncated_last_row:
            # A download cut short in the middle of the order's last row.
            lines[-1] = "\t".join(lines[-1].split("\t")[:11])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _euros(cents: int) -> str:
    return f"{cents / 100:.2f}"


def _report_rows(order: _ReportOrder, rng: random.Random) -> list[dict[str, str]]:
    buyer = order.buyer
    marketplace, vat = _MARKETPLACES.get(buyer.country, ("Amazon.de", 19))
    subtotal = sum(item.price_cents * quantity for item, quantity in order.items)
    shipping = 0 if subtotal >= _FREE_SHIPPING_FROM_CENTS else _SHIPPING_CENTS
    paid = order.purchased_at + dt.timedelta(minutes=rng.randrange(1, 40))
    rows = []
    for position, (item, quantity) in enumerate(order.items):
        price = item.price_cents * quantity
        ship = shipping if position == 0 else 0
        discount = order.discount_per_unit_cents * quantity
        rows.append(
            {
                "order-id": order.order_id,
                "order-item-id": f"{rng.randrange(10**14):014d}",
                "purchase-date": order.purchased_at.isoformat(timespec="seconds"),
                "payments-date": paid.isoformat(timespec="seconds"),
                "buyer-email": buyer.email,
                "buyer-name": buyer.name,
                "buyer-phone-number": buyer.phone,
                "sku": item.sku,
                "product-name": item.name,
                "quantity-purchased": str(quantity),
                "currency": "EUR",
                "item-price": _euros(price),
                # Euro prices include VAT: the tax is the part of the price that is VAT.
                "item-tax": _euros(round((price - discount) * vat / (100 + vat))),
                "shipping-price": _euros(ship),
                "shipping-tax": _euros(round(ship * vat / (100 + vat))),
                "item-promotion-discount": _euros(-discount) if discount else "0.00",
                "ship-promotion-discount": "0.00",
                "ship-service-level": order.service,
                "recipient-name": buyer.name,
                "ship-address-1": buyer.line1,
                "ship-address-2": buyer.line2,
                "ship-address-3": "",
                "ship-city": buyer.city,
                "ship-state": buyer.region,
                "ship-postal-code": buyer.postal_code,
                "ship-country": buyer.country,
                "ship-phone-number": buyer.phone,
                "sales-channel": marketplace,
                "fulfillment-channel": order.fulfilment,
                "is-business-order": "false",
            }
        )
    return rows


# --------------------------------------------------------------------------- review


def _review_all_but_newest(database: Database, actor: Actor, now: dt.datetime) -> int:
    """Review the newest received orders placed before the cut-off, at most MAX_REVIEWED."""
    with database.unit_of_work() as uow:
        placed = func.coalesce(Order.purchased_at, Order.received_at)
        ids = list(
            uow.session.scalars(
                select(Order.id)
                .where(Order.status == "received", placed < now - LEFT_FOR_REVIEW)
                .order_by(Order.id.desc())
                .limit(MAX_REVIEWED)
            )
        )
    return review_orders(database, actor, ids).reviewed if ids else 0


# --------------------------------------------------------------------------- incoming stock


def _add_incoming_stock(database: Database, rng: random.Random, now: dt.datetime) -> int:
    """A purchase order on its way for each product the stock-short queue waits for."""
    with database.unit_of_work() as uow:
        session = uow.session
        orders = list(
            session.scalars(
                select(Order).where(Order.status == "stock_short").order_by(Order.id).limit(50)
            )
        )
        short: Counter[str] = Counter()
        for order in orders:
            for line in short_lines(session, order):
                short[line.sku] += line.short
        products = session.execute(
            select(Product.id, Product.category, Product.sku)
            .where(Product.sku.in_(list(short)))
            .order_by(Product.id)
        ).all()
        warehouses = _warehouses_by_category(session)
        for number, (product_id, category, sku) in enumerate(products, start=1):
            units = short[sku]
            home = warehouses.get(category) or warehouses.get("") or []
            session.add(
                IncomingStock(
                    product_id=product_id,
                    warehouse_id=rng.choice(home) if home else None,
                    quantity=max(units, rng.choice((24, 36, 48, 60, 120))),
                    expected_date=(now + dt.timedelta(days=rng.randrange(4, 15))).date(),
                    reference=f"PO-{now:%Y}-{4100 + number:05d}",
                    status="expected",
                )
            )
        uow.commit()
        return len(products)


def _warehouses_by_category(session) -> dict[str, list[int]]:
    """Warehouse ids per category they stock ("" for warehouses that stock everything)."""
    found: dict[str, list[int]] = {}
    for warehouse_id, categories in session.execute(
        select(Warehouse.id, Warehouse.categories).order_by(Warehouse.id)
    ):
        for category in (categories or "").split(","):
            found.setdefault(category.strip(), []).append(warehouse_id)
    return found


# --------------------------------------------------------------------------- desk actions


class _Desk:
    """The desk actions, each through its verb; ``states`` names the order that shows each."""

    def __init__(
        self,
        database: Database,
        clerk: Actor,
        supervisor: Actor,
        now: dt.datetime,
    ) -> None:
        self.database = database
        self.clerk = clerk
        self.supervisor = supervisor
        self.now = now
        self.states: dict[str, str] = {}
        self.used: set[int] = set()

    def work_the_queues(self) -> None:
        self.ask_for_information()
        self.settle_payments()
        self.answer_stock_questions()
        self.resolve_a_duplicate()
        self.ban_the_burst()
        self.plan_an_account_exception()

    # ----------------------------------------------------------------- helpers

    def uow(self):
        return self.database.unit_of_work()

    def version(self, order_id: int) -> int:
        with self.uow() as uow:
            return uow.session.scalars(select(Order.version).where(Order.id == order_id)).one()

    def candidates(self, status: str, codes: Sequence[str] = (), language: str | None = None):
        """Orders in ``status`` (with one of the finding ``codes``), oldest first."""
        query = select(Order.id).where(Order.status == status)
        if codes:
            query = query.where(
                exists().where(ReviewFinding.order_id == Order.id, ReviewFinding.code.in_(codes))
            )
        if language is not None:
            query = query.join(Customer, Customer.id == Order.customer_id).where(
                Customer.language == language
            )
        with self.uow() as uow:
            found = list(uow.session.scalars(query.order_by(Order.id).limit(200)))
        return [order_id for order_id in found if order_id not in self.used]

    def attempt(self, state: str, candidates: Iterable[int], act: Callable[[int], object]) -> int:
        """Do ``act`` on the first candidate that the verb accepts; 0 when none does."""
        for order_id in candidates:
            try:
                act(order_id)
            except OrderdeskError as refused:
                log.info("demo desk work: %s refused for %s: %s", state, order_id, refused)
                continue
            self.states[state] = order_number(order_id)
            self.used.add(order_id)
            return order_id
        log.info("demo desk work: no order shows %s", state)
        return 0

    # ----------------------------------------------------------------- needs information

    def request_info(self, order_id: int, note: str = "") -> None:
        request_information(
            self.uow(), self.clerk, order_id, expected_version=self.version(order_id), note=note
        )

    def ask_for_information(self) -> None:
        self.attempt(
            "information_requested_zh",
            self.candidates("needs_info", _NEEDS_INFO_CODES, language="zh_CN"),
            self.request_info,
        )
        self.attempt(
            "information_requested",
            self.candidates("needs_info", ("phone.missing",))
            + self.candidates("needs_info", _NEEDS_INFO_CODES),
            self.request_info,
        )

        def hold(order_id: int) -> None:
            self.request_info(order_id)
            asked = self.now - dt.timedelta(days=1)
            hold_order(
                self.uow(),
                self.clerk,
                order_id,
                expected_version=self.version(order_id),
                note=(
                    f"No answer to our e-mail of {asked:%d %b} and the phone on the order "
                    "goes to voicemail; try again after the weekend."
                ),
                callback_at=self.now + dt.timedelta(days=2, hours=9),
            )

        self.attempt(
            "unreachable_held",
            self.candidates("needs_info", ("address.street_missing", "address.city_missing"))
            + self.candidates("needs_info", _NEEDS_INFO_CODES),
            hold,
        )

    # ----------------------------------------------------------------- payment

    def ask_payment(self, order_id: int) -> None:
        ask_for_payment(self.uow(), self.clerk, order_id, expected_version=self.version(order_id))

    def settle_payments(self) -> None:
        def pay_again(order_id: int) -> None:
            self.ask_payment(order_id)
            with self.uow() as uow:
                total = uow.session.scalar(select(Order.total_cents).where(Order.id == order_id))
            resolve_payment(
                self.uow(),
                self.clerk,
                order_id,
                expected_version=self.version(order_id),
                resolution="paid_again",
                payment=NewPayment(
                    method="card",
                    amount_cents=total or 1,
                    card_brand="visa",
                    card_last4=f"{order_id * 37 % 10_000:04d}",
                    card_exp_month=9,
                    card_exp_year=self.now.year + 3,
                    reference=f"ch_demo_{order_id:08d}",
                ),
            )

        card = ("payment.card_expired",)
        self.attempt("payment_resolved", self.candidates("payment_problem", card), pay_again)
        self.attempt(
            "payment_asked",
            self.candidates("payment_problem", card)
            + self.candidates("payment_problem", ("customer.arrears",)),
            self.ask_payment,
        )

        def cancel(order_id: int) -> None:
            cancel_order(
                self.uow(),
                self.clerk,
                order_id,
                expected_version=self.version(order_id),
                reason="The customer will not pay the list price; cancelled at their request.",
            )

        self.attempt(
            "payment_cancelled",
            self.candidates("payment_problem", ("price.mismatch",))
            + self.candidates("payment_problem"),
            cancel,
        )

    # ----------------------------------------------------------------- stock short

    def offer(self, order_id: int) -> None:
        offer_stock_options(
            self.uow(), self.clerk, order_id, expected_version=self.version(order_id)
        )

    def answer(self, order_id: int, answer: StockAnswer, **details) -> None:
        answer_stock_short(
            self.uow(),
            self.clerk,
            order_id,
            expected_version=self.version(order_id),
            answer=answer,
            **details,
        )

    def answer_stock_questions(self) -> None:
        def stock_candidates() -> list[int]:
            # Orders the review found short first: they carry the findings to look at.
            found = self.candidates("stock_short", ("stock.short",))
            return found + [o for o in self.candidates("stock_short") if o not in found]

        def wait(order_id: int) -> None:
            self.offer(order_id)
            self.answer(order_id, StockAnswer.WAIT, note="Happy to wait for the delivery.")

        def substitute(order_id: int) -> None:
            with self.uow() as uow:
                order = uow.session.get(Order, order_id)
                offers = [s for s in short_lines(uow.session, order) if s.substitutes]
            if not offers:
                raise _NotShown(order_number(order_id), "a substitute in stock")
            self.offer(order_id)
            self.answer(
                order_id,
                StockAnswer.SUBSTITUTE,
                line_no=offers[0].line_no,
                substitute_sku=offers[0].substitutes[0].sku,
            )

        def decline(order_id: int) -> None:
            self.offer(order_id)
            self.answer(
                order_id,
                StockAnswer.DECLINE,
                note="The customer needs it this week and will not wait; order cancelled.",
            )

        self.attempt("stock_wait", stock_candidates(), wait)
        self.attempt("stock_substitute", stock_candidates(), substitute)
        self.attempt("stock_decline", stock_candidates(), decline)
        self.attempt("stock_offered", stock_candidates(), self.offer)

    # ----------------------------------------------------------------- exceptions

    def open_records(self, kind: str) -> list[tuple[int, int, list | None, int | None]]:
        """(record id, order id, related order ids, customer id) of open records, oldest first."""
        with self.uow() as uow:
            rows = uow.session.execute(
                select(
                    ExceptionRecord.id,
                    ExceptionRecord.order_id,
                    ExceptionRecord.related_order_ids,
                    ExceptionRecord.customer_id,
                )
                .where(ExceptionRecord.kind == kind, ExceptionRecord.state == "open")
                .order_by(ExceptionRecord.id)
                .limit(200)
            ).all()
        return [tuple(row) for row in rows if row.order_id not in self.used]

    def resolve_a_duplicate(self) -> None:
        pairs = {}
        for _, order_id, related, _ in self.open_records("duplicate"):
            group = sorted({order_id, *(related or ())})
            if len(group) > 1:
                pairs.setdefault(group[0], group)

        def keep_first(keep: int) -> None:
            group = pairs[keep]
            resolve_duplicates(
                self.uow(),
                self.clerk,
                keep_order_id=keep,
                cancel_order_ids=group[1:],
                expected_versions={order_id: self.version(order_id) for order_id in group},
            )
            self.used.update(group)

        self.attempt("duplicate_kept", sorted(pairs), keep_first)

    def ban_the_burst(self) -> None:
        with self.uow() as uow:
            buyer = uow.session.scalar(select(Customer.id).where(Customer.email == _FRAUD.email))
        records = {
            order_id: customer
            for _, order_id, _, customer in self.open_records("malicious")
            if customer == buyer
        }

        def ban(order_id: int) -> None:
            ban_customer(
                self.uow(),
                self.supervisor,
                records[order_id],
                reason=(
                    "Orders of high-value electronics one after another within the hour from "
                    "a new account to a parcel shop; the card holder disputes them."
                ),
                order_id=order_id,
                expected_version=self.version(order_id),
            )

        if self.attempt("customer_banned", sorted(records), ban):
            self.catch_the_second_account()

    def catch_the_second_account(self) -> None:
        """The banned buyer's second account, placed after the ban: the block list holds it."""
        with self.uow() as uow:
            found = list(
                uow.session.scalars(
                    select(Order.id)
                    .join(Customer, Customer.id == Order.customer_id)
                    .where(Customer.email == _FRAUD_AGAIN.email, Order.status == "received")
                    .order_by(Order.id)
                )
            )

        def review_again(order_id: int) -> None:
            rereview_order(
                self.uow(), self.clerk, order_id, expected_version=self.version(order_id)
            )
            with self.uow() as uow:
                status = uow.session.scalar(select(Order.status).where(Order.id == order_id))
            if status != "on_hold":
                raise _NotShown(order_number(order_id), "the block list hold")

        self.attempt("block_list_caught", found, review_again)

    def plan_an_account_exception(self) -> None:
        frozen = set(self.candidates("on_hold", ("customer.frozen",)))
        records = {
            order_id: record_id
            for record_id, order_id, _, _ in self.open_records("account")
            if order_id in frozen
        }

        def plan(order_id: int) -> None:
            record_id = records[order_id]
            with self.uow() as uow:
                version = uow.session.scalar(
                    select(ExceptionRecord.version).where(ExceptionRecord.id == record_id)
                )
            set_exception_plan(
                self.uow(),
                self.clerk,
                record_id,
                expected_version=version or 0,
                plan="Finance to say whether the account can be thawed; then call the customer.",
            )

        self.attempt("exception_plan", sorted(records), plan)


class _NotShown(OrderdeskError):
    """This order does not show the state wanted: the next candidate is tried."""

    def __init__(self, number: str, what: str) -> None:
        super().__init__(f"{number} does not allow {what}.")


_NEEDS_INFO_CODES = (
    "phone.missing",
    "address.street_missing",
    "address.city_missing",
    "address.postal_code_missing",
    "line.sku_unknown",
)
