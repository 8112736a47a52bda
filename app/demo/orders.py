"""Making each order's rows: its customer, channel, lines, payments, shipments and the
audit events of its life path (the order half of ``_DemoBuilder``, and its pure helpers)."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.demo.paths import _DAY, _HOUR, _MINUTE, _PATHS, _Path
from app.demo.tables import (
    _COUNTRIES,
    _DOMESTIC_CARRIERS,
    _FROM_CHINA_CARRIERS,
    _INTERNATIONAL_CARRIERS,
    _PACKAGING_G,
    _WAREHOUSE_PREFERENCE,
    CURRENCY,
    _Country,
    creditor_reference,
)
from app.workflow import OrderStatus, ShipmentStatus

if TYPE_CHECKING:
    from app.demo.builder import _DemoBuilder

OS = OrderStatus
SS = ShipmentStatus

# --------------------------------------------------------------------------- building


@dataclass(slots=True, eq=False)
class _Product:
    id: int
    sku: str
    name: str
    category: str
    price_cents: int
    weight_g: int


@dataclass(slots=True)
class _Customer:
    id: int
    country: _Country
    channel: str
    ship_tos: tuple[tuple, ...]  # (name, phone, line1, line2, line3, city, region, postcode, cc)


@dataclass(slots=True)
class _Lot:
    id: int
    product_id: int
    warehouse_id: int
    bin_id: int
    on_hand: int
    received: dt.date
    reserved: int = 0
    picked: int = 0  # units picked from it for shipments not gone yet (out of the bin)


@dataclass(frozen=True)
class _Counts:
    orders: int
    customers: int
    products: int
    warehouses: int


# Distributions as lookup tables: one random() and an index is the cheapest draw.
_LINE_COUNTS = (1,) * 62 + (2,) * 24 + (3,) * 10 + (4,) * 4
_QUANTITIES = (1,) * 80 + (2,) * 13 + (3,) * 4 + (4,) * 2 + (6,)
_UNITS_PER_ORDER = (sum(_LINE_COUNTS) / len(_LINE_COUNTS)) * (sum(_QUANTITIES) / len(_QUANTITIES))
_POPULARITY_SKEW = 2.0
_SERVICES = ("standard",) * 75 + ("expedited",) * 18 + ("next_day",) * 7
_SERVICE_PRIORITY = {"standard": 0, "expedited": 1, "next_day": 2}
_SHOP_PAYMENTS = ("card",) * 45 + ("cash",) * 30 + ("bank_transfer",) * 25
_CARD_BRANDS = ("visa",) * 50 + ("mastercard",) * 38 + ("amex",) * 12
_NEAR = frozenset({"DE", "FR", "ES", "IT", "GB"})
_NEXT_DAY_COUNTRIES = frozenset({"DE", "GB", "FR", "CN"})
_AMAZON_PREFIXES = ("028", "171", "202", "302", "303", "304", "305", "306", "403", "404", "407")
_UNKNOWN_ITEMS = (
    ("LEGACY-KIT-0417", "Enamel camping mug, blue", 1290),
    ("AMZ-B0C7XK2M9Q", "Silicone ice cube trays (2 pack)", 990),
    ("OTTO-55812034", "Bamboo bath mat", 2490),
    ("EB-USB-HUB7", "7-port USB hub", 2990),
    ("TM-GIFTBOX-RED", "Gift box, red, large", 590),
)


class _OrderMaking:
    """The orders of ``_DemoBuilder`` (``app.demo.builder``): mixed into it, not used alone."""

    def add_order(self, received_s: int, status: OrderStatus, problem: str | None) -> None:
        path, steps = self.path_to(status)
        order_id = self.take_id("orders")
        content = self.order_content(path, problem, received_s)
        self.previous = content
        customer, channel, store, lines, ship_to, service, received_s = content
        country = ship_to[8]
        # Orders waiting for review carry no promotion: the demo has no promotion table yet,
        # so a discount would be one more thing for the review desk to question.
        promotion = status != OS.RECEIVED and self.random() < 0.08
        line_ids, money = self.add_order_lines(
            order_id, lines, channel, country, service, promotion
        )
        groups = self.allocate(country, lines) if path.shipment_status else []
        shipment_ids = [self.take_id("shipments") for _ in groups]
        seen = self.walk(steps, order_id, received_s, shipment_ids)
        longest_wait = 15 * _MINUTE if store else 90 * _MINUTE
        purchased_s = received_s - 60 - int(self.random() * longest_wait)
        stamp, get = self.stamp, seen.get
        received_at, purchased_at = stamp(received_s), stamp(purchased_s)
        ship_by_at = stamp(ship_by(purchased_s, service)) if channel == "amazon" else None
        self.rows["orders"].append(
            (
                order_id,
                channel,
                self.channel_order_id(channel, store),
                customer.id,
                status.value,
                _SERVICE_PRIORITY[service],
                service,
                CURRENCY,
                *money,
                *ship_to,
                purchased_at,
                received_at,
                ship_by_at,
                get("reviewed"),
                get("o:approved"),
                get("o:allocated"),
                get("o:shipped"),
                get("o:delivered"),
                get("o:cancelled"),
                get("o:last", received_at),
                1,
            )
        )
        self.add_payments(order_id, channel, path, problem, money[-1], purchased_s, purchased_at)
        if groups:
            self.add_shipments(
                order_id, path, groups, shipment_ids, lines, line_ids, service, country, seen
            )

    def order_content(self, path: _Path, problem: str | None, received_s: int) -> tuple:
        """(customer, channel, shop, lines, ship-to, service, received): who orders what from
        where to where. A duplicate repeats the order before it, minutes later."""
        if problem == "duplicate" and self.previous is not None:
            *content, previous_s = self.previous
            return (*content, min(received_s, previous_s + _MINUTE * self.rng.randint(2, 45)))
        customer = self.customer_for(problem)
        channel, store = self.channel_for(customer, problem)
        lines = self.lines_for(path, problem, awaiting_review=path.status == OS.RECEIVED)
        ship_to = self.ship_to_for(customer, problem)
        return customer, channel, store, lines, ship_to, self.service_to(ship_to[8]), received_s

    def path_to(self, status: OrderStatus) -> tuple[_Path, tuple[tuple, ...]]:
        cumulative, choices = self.path_choices[status]
        if len(choices) == 1:
            return choices[0]
        return choices[bisect.bisect(cumulative, self.random() * cumulative[-1])]

    def compile_path_choices(self) -> None:
        """Each path's steps as plain tuples with this run's actor: the walk's inner loop."""
        self.path_choices = {}
        for status, (weights, paths) in _PATHS.items():
            choices = [
                (
                    path,
                    tuple(
                        (
                            step.on_shipment,
                            step.from_state,
                            step.to_state,
                            step.shortest_s,
                            step.spread,
                            *self.actors[step.role],
                            step.reasons,
                            step.key,
                        )
                        for step in path.steps
                    ),
                )
                for path in paths
            ]
            self.path_choices[status] = (list(itertools.accumulate(weights)), choices)

    def customer_for(self, problem: str | None) -> _Customer:
        pool_name = _PROBLEM_CUSTOMERS.get(problem or "")
        if pool_name:
            return self.pick(self.customers[pool_name])
        if problem == "card_expired":
            return self.pick(self.shop_customers)
        regulars = self.customers["regular"]
        # Skewed: the first customers of the shuffled pool are the loyal ones.
        return regulars[int(len(regulars) * self.random() ** 1.7)]

    def channel_for(self, customer: _Customer, problem: str | None) -> tuple[str, str | None]:
        """(channel, shop code or None); people mostly buy where they usually do."""
        home = customer.channel
        if problem == "card_expired":
            if not home.startswith("shop:"):
                home = f"shop:{self.pick(customer.country.shops or ('BER',))}"
        elif self.random() < 0.15:
            home = "amazon"
        if home.startswith("shop:"):
            return "shop", home[5:]
        return home, None

    def channel_order_id(self, channel: str, store: str | None) -> str:
        if channel == "amazon":
            while True:
                candidate = f"{self.pick(_AMAZON_PREFIXES)}-{self.digits(7)}-{self.digits(7)}"
                if candidate not in self.amazon_ids:
                    self.amazon_ids.add(candidate)
                    return candidate
        counter = store or channel
        sequence = self.sequences.get(counter, 0) + 1
        self.sequences[counter] = sequence
        if store:
            return f"SHOP-{store}-{sequence:06d}"
        return partner_order_id(channel.removeprefix("partner:"), sequence, self.rng)

    def lines_for(self, path: _Path, problem: str | None, awaiting_review: bool) -> list[tuple]:
        """(product or None, sku, name, quantity, unit price) per line.

        Orders waiting for review take well-stocked products, so stock is never a second,
        unplanned problem; orders stuck for stock start with a sold-out product.
        """
        count = _LINE_COUNTS[int(self.random() * len(_LINE_COUNTS))]
        chosen: list[_Product] = []
        if OS.STOCK_SHORT in path.order_states and path.status != OS.DELIVERED:
            chosen.append(self.pick(self.out_of_stock))
        pool = self.well_stocked if awaiting_review else self.popular
        random_ = self.random
        while len(chosen) < count:
            product = pool[int(len(pool) * random_() ** _POPULARITY_SKEW)]
            if product not in chosen:
                chosen.append(product)
        lines = [
            (
                product,
                product.sku,
                product.name,
                _QUANTITIES[int(random_() * len(_QUANTITIES))],
                product.price_cents,
            )
            for product in chosen
        ]
        if problem == "price_off_list":
            product, sku, name, quantity, price = lines[0]
            off = int(price * self.pick((0.7, 0.8, 1.15))) // 10 * 10 + 9
            lines[0] = (product, sku, name, quantity, off if off != price else price - 100)
        elif problem == "unknown_sku":
            sku, name, price = self.pick(_UNKNOWN_ITEMS)
            lines[-1 if len(lines) == 4 else len(lines) :] = [(None, sku, name, 1, price)]
        return lines

    def ship_to_for(self, customer: _Customer, problem: str | None) -> tuple:
        ship_tos = customer.ship_tos
        ship_to = ship_tos[1] if len(ship_tos) > 1 and self.random() < 0.3 else ship_tos[0]
        if problem == "incomplete_address":
            blank = self.pick((2, 5, 7))  # street line, city, postal code
            ship_to = (*ship_to[:blank], "", *ship_to[blank + 1 :])
        return ship_to

    def service_to(self, country: str) -> str:
        service = _SERVICES[int(self.random() * len(_SERVICES))]
        if service == "next_day" and country not in _NEXT_DAY_COUNTRIES:
            return "expedited"
        return service

    def add_order_lines(
        self,
        order_id: int,
        lines: list[tuple],
        channel: str,
        country: str,
        service: str,
        promotion: bool,
    ) -> tuple[list[int], tuple[int, int, int, int, int]]:
        """The lines' rows; returns their ids and the order's money: (subtotal, shipping,
        tax, discount, total), with subtotal + shipping + tax - discount = total."""
        vat_percent = _VAT_PERCENT[country]
        rows = self.rows["order_lines"]
        line_ids = []
        subtotal = tax = discount = 0
        line_id = self.ids["order_lines"]
        for line_no, (product, sku, name, quantity, unit_price) in enumerate(lines, start=1):
            line_total = quantity * unit_price
            line_discount = line_total // 10 if promotion else 0
            line_tax = ((line_total - line_discount) * vat_percent + 50) // 100
            if channel == "amazon":
                channel_line_id = self.digits(14)
            else:
                channel_line_id = None if channel == "shop" else str(line_no)
            rows.append(
                (
                    line_id,
                    order_id,
                    line_no,
                    product.id if product else None,
                    sku,
                    name,
                    channel_line_id,
                    quantity,
                    unit_price,
                    line_total,
                    line_tax,
                    line_discount,
                )
            )
            line_ids.append(line_id)
            line_id += 1
            subtotal += line_total
            tax += line_tax
            discount += line_discount
        self.ids["order_lines"] = line_id
        shipping = shipping_fee(country, service, subtotal)
        tax += (shipping * vat_percent + 50) // 100
        return line_ids, (subtotal, shipping, tax, discount, subtotal + shipping + tax - discount)

    def walk(
        self, steps: tuple[tuple, ...], order_id: int, start_s: int, shipment_ids: list[int]
    ) -> dict[str, str]:
        """Write an audit event per step; returns when each step was first reached.

        The hottest loop of the demo: about nine events an order.
        """
        if not steps:
            return {}
        random_ = self.random
        delays = [step[3] * step[4] ** random_() for step in steps]
        total = sum(delays)
        # Young orders took their steps faster: squeeze the path in before "now".
        room = self.now_s - _MINUTE - start_s - len(steps)
        scale = max(0.0, room / total) if total > room else 1.0
        # ``self.stamp(t)`` inlined: t only grows, so the date changes a few times at most.
        clock, date = self.stamp.clock, self.stamp.date
        day_start = day_end = 0
        day = ""
        append = self.rows["audit_events"].append
        event_id = self.ids["audit_events"]
        seen: dict[str, str] = {}
        t = start_s
        for step, delay in zip(steps, delays):  # noqa: B905 - same length by construction
            on_shipment, from_state, to_state, _, _, actor_id, actor_name, reasons, key = step
            t += int(delay * scale) + 1
            if t >= day_end:
                day_start = t - t % _DAY
                day_end = day_start + _DAY
                day = date(day_start // _DAY)
            at = day + clock[t - day_start]
            reason = reasons[int(random_() * len(reasons))] if reasons else ""
            if on_shipment:
                for shipment_id in shipment_ids:
                    append(
                        (
                            event_id,
                            at,
                            actor_id,
                            actor_name,
                            "shipment",
                            shipment_id,
                            "status",
                            from_state,
                            to_state,
                            reason,
                        )
                    )
                    event_id += 1
                seen["s:last"] = at
            else:
                append(
                    (
                        event_id,
                        at,
                        actor_id,
                        actor_name,
                        "order",
                        order_id,
                        "status",
                        from_state,
                        to_state,
                        reason,
                    )
                )
                event_id += 1
                seen["o:last"] = at
            if key not in seen:
                seen[key] = at
        self.ids["audit_events"] = event_id
        seen["reviewed"] = seen[steps[0][8]]  # the first step always leaves "received"
        return seen

    def add_payments(
        self,
        order_id: int,
        channel: str,
        path: _Path,
        problem: str | None,
        total: int,
        purchased_s: int,
        purchased_at: str,
    ) -> None:
        usual = "marketplace" if channel != "shop" else self.pick(_SHOP_PAYMENTS)
        for method, status in payment_attempts(usual, path, problem):
            card = (None,) * 5
            if method == "card":
                card = self.card(purchased_s, expired=problem == "card_expired")
            elif method == "bank_transfer":
                card = (None, None, None, None, creditor_reference(f"SO{order_id:06d}"))
            paid_at = purchased_at if status in ("captured", "refunded") else None
            row = (self.take_id("payments"), order_id, method, status, total, CURRENCY)
            self.rows["payments"].append((*row, *card, paid_at))

    def card(self, purchased_s: int, *, expired: bool) -> tuple:
        """(brand, last four, expiry month, expiry year, processor token): never the number."""
        purchased = time.gmtime(purchased_s)
        months = purchased.tm_year * 12 + purchased.tm_mon - 1
        months += -self.rng.randint(1, 18) if expired else self.rng.randint(2, 60)
        year, month = divmod(months, 12)
        # Letter-led groups of four: a token can never look like a card number.
        token = "tok_" + "".join(
            self.pick(_TOKEN_LETTERS) + "".join(self.rng.choices(_TOKEN_CHARS, k=3))
            for _ in range(6)
        )
        return self.pick(_CARD_BRANDS), self.digits(4), month + 1, year, token

    def allocate(self, country: str, lines: list[tuple]) -> list[tuple[int, str, list[int]]]:
        """(warehouse id, its country, line positions) per shipment: one warehouse that stocks
        every line if there is one, else each line from the first that stocks it."""
        categories = tuple(product.category for product, *_ in lines)
        key = (country, categories)
        choice = self.allocation_cache.get(key)
        if choice is None:
            choice = self.allocation_cache[key] = self.warehouses_for(country, categories)
        groups: dict[str, list[int]] = {}
        for position, code in enumerate(choice):
            groups.setdefault(code, []).append(position)
        return [
            (self.warehouses[code][0], self.warehouses[code][1].country, positions)
            for code, positions in groups.items()
        ]

    def warehouses_for(self, country: str, categories: tuple[str, ...]) -> tuple[str, ...]:
        preference = [self.warehouses[code][1] for code in _WAREHOUSE_PREFERENCE[country]]
        for spec in preference:
            if all(category in spec.categories for category in categories):
                return (spec.code,) * len(categories)
        return tuple(
            next(spec.code for spec in preference if category in spec.categories)
            for category in categories
        )

    def add_shipments(
        self,
        order_id: int,
        path: _Path,
        groups: list[tuple[int, str, list[int]]],
        shipment_ids: list[int],
        lines: list[tuple],
        line_ids: list[int],
        service: str,
        country: str,
        seen: dict[str, str],
    ) -> None:
        status = path.shipment_status.value if path.shipment_status else SS.PENDING.value
        created_at = seen["o:allocated"]
        on_the_road = status in _TRACKED_STATUSES
        weighed = on_the_road or status == SS.PACKED
        # A shipment past picking holds its units picked (out of the bin), as the picker's
        # scans would have left them: the hand-over refuses one with units never picked.
        picked_at = seen.get("s:picked", created_at) if status in _PICKED_STATUSES else None
        for shipment_id, (warehouse_id, warehouse_country, positions) in zip(
            shipment_ids, groups, strict=True
        ):
            carrier, carrier_service = self.pick(carriers_for(warehouse_country, country, service))
            weight_g = _PACKAGING_G + sum(lines[p][0].weight_g * lines[p][3] for p in positions)
            self.rows["shipments"].append(
                (
                    shipment_id,
                    order_id,
                    warehouse_id,
                    status,
                    carrier,
                    carrier_service,
                    _TRACKING_NUMBERS[carrier](self) if on_the_road else None,
                    weight_g if weighed else None,
                    created_at,
                    seen.get("s:shipped"),
                    seen.get("s:delivered"),
                    seen.get("s:last", created_at),
                    1,
                )
            )
            for position in positions:
                quantity = lines[position][3]
                shipment_line_id = self.take_id("shipment_lines")
                self.rows["shipment_lines"].append(
                    (shipment_line_id, shipment_id, line_ids[position], quantity)
                )
                if path.status == OS.ALLOCATED:
                    product_id = lines[position][0].id
                    self.reservations.append(
                        (product_id, warehouse_id, quantity, order_id, created_at,
                         line_ids[position], shipment_line_id, picked_at)
                    )  # fmt: skip


def payment_attempts(usual_method: str, path: _Path, problem: str | None) -> list[tuple[str, str]]:
    """(method, status) of each payment of an order, oldest first.

    Marketplaces collect the money themselves; a shop desk takes cards, cash and transfers,
    and a card that failed is tried again (or the order is cancelled).
    """
    if problem == "card_expired":
        return [("card", "pending")]
    if OS.PAYMENT_PROBLEM in path.order_states:
        failed = "card" if usual_method != "marketplace" else usual_method
        if path.status in (OS.PAYMENT_PROBLEM, OS.CANCELLED):
            return [(failed, "failed")]
        return [(failed, "failed"), (failed, "captured")]
    if path.status in (OS.REFUNDED, OS.CANCELLED):
        return [(usual_method, "refunded")]
    return [(usual_method, "captured")]


def reserve_oldest_first(lots: list[_Lot], quantity: int) -> list[tuple[_Lot, int]]:
    """Reserve ``quantity`` from lots sorted oldest first; the newest lot is topped up when
    the lots hold too little (the demo's stock must cover what it has allocated)."""
    taken = []
    remaining = quantity
    for position, lot in enumerate(lots):
        free = lot.on_hand - lot.reserved - lot.picked
        if position == len(lots) - 1 and free < remaining:
            lot.on_hand += remaining - free
            free = remaining
        units = min(free, remaining)
        if units > 0:
            lot.reserved += units
            remaining -= units
            taken.append((lot, units))
        if remaining == 0:
            break
    return taken


_PROBLEM_CUSTOMERS = {
    "missing_phone": "phoneless",
    "customer_arrears": "arrears",
    "customer_frozen": "frozen",
    "customer_banned": "banned",
}
_VAT_PERCENT = {country.code: country.vat_percent for country in _COUNTRIES}
_TOKEN_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TOKEN_CHARS = _TOKEN_LETTERS + "0123456789"
_TRACKED_STATUSES = frozenset(
    {SS.SHIPPED, SS.IN_TRANSIT, SS.DELAYED, SS.LOST, SS.DAMAGED, SS.DELIVERED, SS.RETURNED}
)
_PICKED_STATUSES = frozenset({SS.PICKED, SS.PACKED})


def popularity_share(rank: int, count: int) -> float:
    """The share of lines that go to the product at ``rank`` when lines pick
    ``int(count * random() ** _POPULARITY_SKEW)``: a few best sellers, a long tail."""
    inverse = 1 / _POPULARITY_SKEW
    return ((rank + 1) / count) ** inverse - (rank / count) ** inverse


def partner_order_id(partner: str, sequence: int, rng: random.Random) -> str:
    """Each platform's own shape of order number; the sequence keeps them unique."""
    if partner == "ebay":
        return f"{11 + sequence // 10**5:02d}-{sequence % 10**5:05d}-{rng.randrange(10**5):05d}"
    if partner == "otto":
        return f"{410_000_000 + sequence:09d}"
    if partner == "cdiscount":
        return f"{2_300_000 + sequence}{rng.choice('ABCDEFGHJK')}"
    if partner == "tmall":
        return str(3_100_000_000_000_000_000 + sequence * 7919 + rng.randrange(7919))
    if partner == "jd":
        return str(280_000_000_000 + sequence * 13 + rng.randrange(13))
    return f"{rng.randrange(100_000, 999_999)}-{sequence:010d}"  # rakuten: shop-number


def shipping_fee(country: str, service: str, subtotal_cents: int) -> int:
    """What the customer pays for delivery: free standard shipping over a threshold."""
    near = country in _NEAR
    if service == "next_day":
        return 1495
    if service == "expedited":
        return 995 if near else 2495
    if near:
        return 0 if subtotal_cents >= 4900 else 495
    return 0 if subtotal_cents >= 15000 else 1295


def ship_by(purchased_s: int, service: str) -> int:
    """Amazon's latest ship date: 18:00 UTC, two days out for standard, one for expedited,
    the same day for next-day orders placed before noon."""
    day_start = purchased_s - purchased_s % _DAY
    hour = (purchased_s % _DAY) // _HOUR
    days = {"standard": 2, "expedited": 1}.get(service, 0 if hour < 12 else 1)
    return day_start + days * _DAY + 18 * _HOUR


def carriers_for(from_country: str, to_country: str, service: str) -> tuple[tuple[str, str], ...]:
    if from_country == to_country and from_country in _DOMESTIC_CARRIERS:
        return _DOMESTIC_CARRIERS[from_country][service]
    if from_country == "CN":
        return _FROM_CHINA_CARRIERS[service]
    return _INTERNATIONAL_CARRIERS[service]


def _ups_number(builder: _DemoBuilder) -> str:
    shipper = "".join(builder.rng.choices("ABCDEFGHJKLMNPRSTUVWXYZ0123456789", k=6))
    return f"1Z{shipper}{builder.digits(10)}"


def _royal_mail_number(builder: _DemoBuilder) -> str:
    return f"{''.join(builder.rng.choices('ABCDEFGHJKLMNPQRSTUVWXYZ', k=2))}{builder.digits(9)}GB"


# Tracking numbers in each carrier's own shape.
_TRACKING_NUMBERS: dict[str, Callable[[_DemoBuilder], str]] = {
    "DHL": lambda builder: "00340434" + builder.digits(12),
    "DHL Express": lambda builder: builder.digits(10),
    "DPD": lambda builder: "0" + builder.digits(13),
    "UPS": _ups_number,
    "Royal Mail": _royal_mail_number,
    "Colissimo": lambda builder: "6A" + builder.digits(11),
    "Chronopost": lambda builder: "XW" + builder.digits(9) + "FR",
    "SF Express": lambda builder: "SF" + builder.digits(13),
}
