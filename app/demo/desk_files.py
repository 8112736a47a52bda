"""What the demo's desk work feeds the import desk: the world it reads from the demo (items,
returning buyers), the promotions it adds, and the Amazon order reports it writes."""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import logging
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from app.database import Database
from app.review.model import ProductFacts, PromotionFacts, ReviewSettings, ReviewWorld
from app.review.rules import expected_unit_prices
from db.models import (
    Address,
    Customer,
    Order,
    OrderLine,
    Product,
    Promotion,
    StockQuant,
)

log = logging.getLogger(__name__)

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


# Orders placed this close to the demo's "now" are left in "to review" for a person.
LEFT_FOR_REVIEW = dt.timedelta(days=2)


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
            # A promotion applied after our first download: a price changed after payment
            # cannot be applied by the import (a new address could): a conflict for review.
            order = dataclasses.replace(order, discount_per_unit_cents=100)
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
