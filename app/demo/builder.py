"""``_DemoBuilder``: makes every row of the demo in an order fixed by the seed -- the
warehouses, catalogue, stock and customers here, the orders in ``app.demo.orders``."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence

from app.demo.orders import (
    _UNITS_PER_ORDER,
    _Counts,
    _Customer,
    _Lot,
    _OrderMaking,
    _Product,
    popularity_share,
    reserve_oldest_first,
)
from app.demo.paths import _DAY, _HOUR, plan_orders, received_times
from app.demo.rows import _COLUMNS, _TABLES, _Timestamps
from app.demo.tables import (
    _AMAZON_DOMAINS,
    _BIN_AISLES,
    _BIN_SHELVES,
    _BIN_ZONES,
    _BOOK_FORMATS,
    _BOOK_NONFICTION,
    _BOOK_TITLE_WORDS,
    _CATEGORIES,
    _COUNTRIES,
    _EAN_COMPANY_PREFIX,
    _EMAIL_DOMAINS,
    _GB_MOBILE_PREFIXES,
    _ISBN_PREFIX,
    _LINE2_BY_COUNTRY,
    _WAREHOUSES,
    CURRENCY,
    HIGH_VALUE_ANY_CENTS,
    HIGH_VALUE_ELECTRONICS_CENTS,
    HISTORY_DAYS,
    MIN_CUSTOMERS,
    ORDERS_PER_BATCH,
    WELL_STOCKED_UNITS,
    _Category,
    _City,
    _Country,
    _WarehouseSpec,
    ean13_check_digit,
)
from app.permissions import Role
from app.search.keys import customer_search_keys
from app.workflow import OrderStatus


class _DemoBuilder(_OrderMaking):
    """Makes the rows, in an order fixed by the seed, and hands them on batch by batch.

    Knows nothing of the database: ``emit`` gets each batch, a list of (table, rows) with
    parents before children, and the first free id per table and the demo users (who act
    in the audit trail) come in from the caller.
    """

    def __init__(
        self,
        rng: random.Random,
        now: dt.datetime,
        dialect: str,
        ids: dict[str, int],
        actors: dict[Role, tuple[int, str]],
        emit: Callable[[list[tuple[str, list[tuple]]]], None],
    ) -> None:
        self.rng = rng
        self.random = rng.random
        self.now_s = int(now.timestamp())
        self.today = now.astimezone(dt.UTC).date()
        self.emit = emit
        self.stamp = _Timestamps(dialect)
        self.ids = dict(ids)
        self.rows: dict[str, list[tuple]] = {name: [] for name in _COLUMNS}
        self.actors = actors
        self.warehouses: dict[str, tuple[int, _WarehouseSpec]] = {}
        self.bins: dict[int, list[int]] = {}
        self.products: list[_Product] = []
        self.popular: list[_Product] = []
        self.well_stocked: list[_Product] = []
        self.path_choices: dict[OrderStatus, tuple[list[int], list[tuple]]] = {}
        self.out_of_stock: list[_Product] = []
        self.lots: dict[tuple[int, int], list[_Lot]] = {}
        # (product, warehouse, units, order, time, order line, shipment line, picked at
        # or None while the units are still in the bin)
        self.reservations: list[tuple[int, int, int, int, str, int, int, str | None]] = []
        self.customers: dict[str, list[_Customer]] = {}
        self.shop_customers: list[_Customer] = []
        self.sequences: dict[str, int] = {}
        self.amazon_ids: set[str] = set()
        self.allocation_cache: dict[tuple[str, tuple[str, ...]], tuple[int, ...]] = {}
        self.previous: tuple | None = None

    # ----------------------------------------------------------------- helpers

    def take_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def pick(self, items: Sequence):
        return items[int(self.random() * len(items))]

    def digits(self, count: int) -> str:
        return f"{int(self.random() * 10**count):0{count}d}"

    def flush(self) -> None:
        batch = [(name, self.rows[name]) for name in _TABLES if self.rows[name]]
        if batch:
            # New lists, not cleared ones: the batch may still be on its way to the writer.
            self.rows = {name: [] for name in _COLUMNS}
            self.emit(batch)

    # ----------------------------------------------------------------- the whole set

    def build(self, orders: int) -> _Counts:
        self.compile_path_choices()
        self.add_warehouses()
        self.add_products()
        self.plan_stock(orders)
        # Thousands of customers even for a small demo, so search and history look real.
        customer_count = self.add_customers(max(MIN_CUSTOMERS, orders // 10))
        self.flush()
        times = received_times(orders, self.now_s, self.rng)
        plan = plan_orders(times, self.now_s, self.rng)
        for index, received_s in enumerate(times):
            self.add_order(received_s, plan.statuses[index], plan.problems.get(index))
            if index % ORDERS_PER_BATCH == ORDERS_PER_BATCH - 1:
                self.flush()
        self.add_stock()
        self.flush()
        return _Counts(orders, customer_count, len(self.products), len(self.warehouses))

    # ----------------------------------------------------------------- warehouses and catalogue

    def add_warehouses(self) -> None:
        for spec in _WAREHOUSES:
            warehouse_id = self.take_id("warehouses")
            self.warehouses[spec.code] = (warehouse_id, spec)
            self.rows["warehouses"].append(
                (
                    warehouse_id,
                    spec.code,
                    spec.name,
                    spec.country,
                    spec.city,
                    ",".join(spec.categories),
                )
            )
            self.bins[warehouse_id] = self.add_bins(warehouse_id)

    def add_bins(self, warehouse_id: int) -> list[int]:
        """Zone by zone, up one aisle and down the next, so the sequence is a walk."""
        bin_ids = []
        sequence = 0
        for zone in _BIN_ZONES:
            for aisle in range(1, _BIN_AISLES + 1):
                shelves = range(1, _BIN_SHELVES + 1)
                for shelf in shelves if aisle % 2 else reversed(shelves):
                    sequence += 10
                    bin_id = self.take_id("bins")
                    code = f"{zone}-{aisle:02d}-{shelf:02d}"
                    self.rows["bins"].append((bin_id, warehouse_id, code, sequence))
                    bin_ids.append(bin_id)
        return bin_ids

    def add_products(self) -> None:
        item_numbers = self.rng.sample(range(10_000, 100_000), 2000)
        for category in _CATEGORIES:
            if category.name == "books":
                self.add_books(category, item_numbers)
            else:
                self.add_goods(category, item_numbers)
        self.popular = self.products[:]
        self.rng.shuffle(self.popular)

    def add_goods(self, category: _Category, item_numbers: list[int]) -> None:
        for position in range(category.count):
            kind = category.kinds[position % len(category.kinds)]
            variant = kind.variants[(position // len(category.kinds)) % len(kind.variants)]
            brand = category.brands[position % len(category.brands)]
            price = self.price_between(*kind.price_cents)
            weight = self.rng.randint(*kind.weight_g) // 5 * 5
            spec = ", ".join(part for part in (kind.spec, variant) if part)
            model = f"{brand[:2].upper()}-{self.rng.randint(100, 999)}{chr(65 + position % 26)}"
            high_value = price >= HIGH_VALUE_ANY_CENTS or (
                category.name == "electronics" and price >= HIGH_VALUE_ELECTRONICS_CENTS
            )
            barcode = _EAN_COMPANY_PREFIX + f"{item_numbers.pop():05d}"
            self.add_product(
                category,
                position,
                f"{brand} {kind.noun}",
                spec,
                model,
                price,
                weight,
                barcode + str(ean13_check_digit(barcode)),
                kind.fragile,
                high_value,
            )

    def add_books(self, category: _Category, item_numbers: list[int]) -> None:
        adjectives, nouns = _BOOK_TITLE_WORDS
        book_numbers = self.rng.sample(range(10**7, 10**8), category.count)
        authors = _COUNTRIES[0].family_names + _COUNTRIES[1].family_names
        for position in range(category.count):
            if position % 4 == 3:
                title = _BOOK_NONFICTION[position // 4 % len(_BOOK_NONFICTION)]
            else:
                title = f"The {self.pick(adjectives)} {self.pick(nouns)}"
            author = f"{self.pick(_COUNTRIES[1].given_names)[0]} {self.pick(authors)[0]}"
            edition, prices, weights = self.pick(_BOOK_FORMATS)
            pages = self.rng.randrange(160, 640, 16)
            isbn = _ISBN_PREFIX + f"{book_numbers.pop():08d}"
            self.add_product(
                category,
                position,
                f"{title} ({author})",
                f"{edition}, {pages} pages, English",
                edition,
                self.price_between(*prices),
                self.rng.randint(*weights) // 5 * 5,
                isbn + str(ean13_check_digit(isbn)),
                False,
                False,
            )

    def price_between(self, low_cents: int, high_cents: int) -> int:
        """A shelf price: whole euros ending in .99 or .49."""
        euros = self.rng.randint(low_cents // 100, high_cents // 100)
        return euros * 100 + self.pick((99, 49, 99))

    def add_product(
        self,
        category: _Category,
        position: int,
        name: str,
        spec: str,
        model: str,
        price: int,
        weight: int,
        barcode: str,
        fragile: bool,
        high_value: bool,
    ) -> None:
        product_id = self.take_id("products")
        sku = f"{category.code}-{1001 + position}"
        self.products.append(_Product(product_id, sku, name, category.name, price, weight))
        self.rows["products"].append(
            (
                product_id,
                sku,
                name,
                spec,
                model,
                category.name,
                price,
                CURRENCY,
                weight,
                barcode,
                fragile,
                high_value,
                True,
            )
        )

    # ----------------------------------------------------------------- stock

    def plan_stock(self, orders: int) -> None:
        """Lots per product and warehouse; written at the end, once reservations are known.

        A warehouse keeps a few weeks of what sells, so popular products get big lots and
        the stock fits any number of orders.
        """
        weekly_units = orders / (HISTORY_DAYS / 7) * _UNITS_PER_ORDER
        demand = {
            product.id: weekly_units * popularity_share(rank, len(self.popular))
            for rank, product in enumerate(self.popular)
        }
        products = self.products[:]
        self.rng.shuffle(products)
        out_count = max(2, len(products) // 25)
        low_count = max(3, len(products) // 12)
        self.out_of_stock = products[:out_count]
        for position, product in enumerate(products[out_count:]):
            stocking = [
                (warehouse_id, spec)
                for warehouse_id, spec in self.warehouses.values()
                if product.category in spec.categories
            ]
            if position < low_count:
                self.add_lot(product, self.pick(stocking)[0], self.rng.randint(1, 4))
                continue
            home = self.pick(stocking)
            for warehouse in stocking:
                if warehouse is home or self.random() < 0.5:
                    for _lot in range(self.rng.randint(1, 3)):
                        units = self.units_for(product, demand[product.id])
                        self.add_lot(product, warehouse[0], units)
        units: dict[int, int] = {}
        for (product_id, _), lots in self.lots.items():
            units[product_id] = units.get(product_id, 0) + sum(lot.on_hand for lot in lots)
        self.well_stocked = [
            product for product in self.popular if units.get(product.id, 0) >= WELL_STOCKED_UNITS
        ]

    def units_for(self, product: _Product, weekly_demand: float) -> int:
        heavy_or_dear = product.weight_g > 5000 or product.price_cents > 20_000
        base = self.rng.randint(3, 40) if heavy_or_dear else self.rng.randint(10, 160)
        return base + int(weekly_demand * self.rng.uniform(1, 3))

    def add_lot(self, product: _Product, warehouse_id: int, units: int) -> None:
        lots = self.lots.setdefault((product.id, warehouse_id), [])
        bin_id = (
            lots[0].bin_id if lots and self.random() < 0.7 else self.pick(self.bins[warehouse_id])
        )
        received = self.today - dt.timedelta(days=self.rng.randint(2, 170))
        lots.append(_Lot(0, product.id, warehouse_id, bin_id, units, received))

    def add_stock(self) -> None:
        """Allocated orders hold their units: oldest lot first (FIFO), topped up if short."""
        reserve_moves = []
        for (
            product_id,
            warehouse_id,
            quantity,
            order_id,
            at,
            line,
            shipment_line,
            picked_at,
        ) in self.reservations:
            lots = self.lots.setdefault((product_id, warehouse_id), [])
            if not lots:
                # Sold out since: the last units are the ones this order holds.
                received = self.today - dt.timedelta(days=self.rng.randint(20, 170))
                bin_id = self.pick(self.bins[warehouse_id])
                lots.append(_Lot(0, product_id, warehouse_id, bin_id, 0, received))
            lots.sort(key=lambda lot: lot.received)
            for lot, units in reserve_oldest_first(lots, quantity):
                if picked_at is not None:  # the units left the bin with the picker
                    lot.reserved -= units
                    lot.picked += units
                reserve_moves.append((lot, units, order_id, at, line, shipment_line, picked_at))
        self.add_quants_and_receipts()
        (warehouse_actor, _) = self.actors[Role.WAREHOUSE]
        for lot, units, order_id, at, line, shipment_line, picked_at in reserve_moves:
            # What the quant's reserved count is made of (issue 11: reserved = the sum of
            # the open reservations, checked by ``orderdesk stock check``).
            self.rows["reservations"].append(
                (
                    self.take_id("reservations"),
                    lot.id,
                    lot.product_id,
                    lot.warehouse_id,
                    order_id,
                    line,
                    shipment_line,
                    0 if picked_at else units,  # still held
                    units if picked_at else 0,  # picked
                    0,
                    "picked" if picked_at else "open",
                    at,
                )
            )
            self.rows["stock_moves"].append(
                (
                    self.take_id("stock_moves"),
                    at,
                    lot.product_id,
                    lot.warehouse_id,
                    lot.bin_id,
                    None,
                    units,
                    "reserve",
                    order_id,
                    warehouse_actor,
                    "Allocated",
                )
            )
            if picked_at:
                self.rows["stock_moves"].append(
                    (
                        self.take_id("stock_moves"),
                        picked_at,
                        lot.product_id,
                        lot.warehouse_id,
                        lot.bin_id,
                        None,
                        units,
                        "pick",
                        order_id,
                        warehouse_actor,
                        "Picked",
                    )
                )

    def add_quants_and_receipts(self) -> None:
        (warehouse_actor, _) = self.actors[Role.WAREHOUSE]
        for lots in self.lots.values():
            for lot in lots:
                lot.id = self.take_id("stock_quants")
                self.rows["stock_quants"].append(
                    (
                        lot.id,
                        lot.product_id,
                        lot.warehouse_id,
                        lot.bin_id,
                        lot.on_hand - lot.picked,
                        lot.reserved,
                        lot.received.isoformat(),
                        1,
                    )
                )
                morning = dt.datetime.combine(lot.received, dt.time(7), dt.UTC).timestamp()
                at = self.stamp(int(morning + self.random() * 4 * _HOUR))
                self.rows["stock_moves"].append(
                    (
                        self.take_id("stock_moves"),
                        at,
                        lot.product_id,
                        lot.warehouse_id,
                        None,
                        lot.bin_id,
                        lot.on_hand,
                        "receipt",
                        None,
                        warehouse_actor,
                        "Supplier delivery",
                    )
                )

    # ----------------------------------------------------------------- customers

    def add_customers(self, count: int) -> int:
        special = self.special_customers(count)
        weights = [country.weight for country in _COUNTRIES]
        for index in range(count):
            country = self.rng.choices(_COUNTRIES, weights)[0]
            kind = special.get(index, "regular")
            customer = self.add_customer(country, kind)
            self.customers.setdefault(kind, []).append(customer)
            if kind == "regular" and customer.channel.startswith("shop:"):
                self.shop_customers.append(customer)
        if not self.shop_customers:  # only in a tiny demo: anyone can walk into a shop
            self.shop_customers = self.customers["regular"][:]
        # Some people order often: the pool is shuffled, then drawn from with a skew.
        self.rng.shuffle(self.customers["regular"])
        return count

    def special_customers(self, count: int) -> dict[int, str]:
        """Customers only the problem orders use: no phone, or an account not in good standing."""
        shares = (("phoneless", 0.02), ("arrears", 0.015), ("frozen", 0.01), ("banned", 0.01))
        sizes = [max(2, round(count * share)) for _, share in shares]
        chosen = self.rng.sample(range(count), sum(sizes))
        special = {}
        for (kind, _), size in zip(shares, sizes, strict=True):
            for index in chosen[:size]:
                special[index] = kind
            chosen = chosen[size:]
        return special

    def add_customer(self, country: _Country, kind: str) -> _Customer:
        customer_id = self.take_id("customers")
        name, email_name = self.person(country)
        phone = None if kind == "phoneless" else self.phone(country)
        channel, buyer_id = self.home_channel(country)
        status = kind if kind in ("arrears", "frozen", "banned") else "active"
        created_s = self.now_s - (HISTORY_DAYS + self.rng.randint(5, 1500)) * _DAY
        # Stored normalised (lower case), as intake and the counter store e-mail addresses.
        email = f"{email_name}{customer_id}@{self.pick(_EMAIL_DOMAINS)}".lower()
        keys = customer_search_keys(name, email, phone, country.code)
        self.rows["customers"].append(
            (
                customer_id,
                name,
                email,
                phone,
                buyer_id,
                status,
                country.language,
                self.stamp(created_s + self.rng.randrange(_DAY)),
                1,
                keys.search_text,
                keys.search_phone,
            )
        )
        ship_tos = [self.add_address(customer_id, country, name, phone, True)]
        if self.random() < 0.12:
            gift_name = self.person(country)[0] if self.random() < 0.5 else name
            gift_phone = None if phone is None else self.phone(country)
            ship_tos.append(self.add_address(customer_id, country, gift_name, gift_phone, False))
        return _Customer(customer_id, country, channel, tuple(ship_tos))

    def person(self, country: _Country) -> tuple[str, str]:
        """A name as written and as it starts an e-mail address."""
        given, given_ascii = self.pick(country.given_names)
        family, family_ascii = self.pick(country.family_names)
        if country.code == "CN":
            return family + given, f"{family_ascii}{given_ascii}"
        if country.code == "JP":
            return f"{family} {given}", f"{given_ascii}.{family_ascii}"
        return f"{given} {family}", f"{given_ascii}.{family_ascii}"

    def phone(self, country: _Country) -> str:
        """E.164 mobile numbers that libphonenumber accepts (US: the fictional 555-01xx)."""
        code = country.code
        if code == "DE":
            return f"+49{self.pick(('151', '160', '170', '171', '176', '177'))}{self.digits(8)}"
        if code == "GB":
            return f"+44{self.pick(_GB_MOBILE_PREFIXES)}{self.digits(7)}"
        if code == "FR":
            return f"+336{self.pick('1245678')}{self.digits(7)}"
        if code == "US":
            return f"+1{self.pick(country.cities).area}55501{self.digits(2)}"
        if code == "ES":
            return f"+346{self.digits(8)}"
        if code == "IT":
            return f"+393{self.pick(('20', '28', '33', '38', '40', '47', '49'))}{self.digits(7)}"
        if code == "CN":
            return (
                f"+86{self.pick(('135', '138', '139', '150', '158', '186', '188'))}{self.digits(8)}"
            )
        return f"+81{self.pick(('70', '80', '90'))}{self.pick('123456789')}{self.digits(7)}"

    def home_channel(self, country: _Country) -> tuple[str, str | None]:
        """Where this customer usually buys, and the channel's own reference for them."""
        roll = self.random()
        if roll < 0.15 and country.shops:
            return f"shop:{self.pick(country.shops)}", None
        # Buyer ids as intake stores and matches them: the channel, a colon, the channel's id.
        if roll < 0.45:
            partner = self.pick(country.partners)
            channel = f"partner:{partner}"
            return channel, f"{channel}:{partner}-{self.digits(9)}"
        token = "".join(self.rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=14))
        return "amazon", f"amazon:{token}@marketplace.amazon.{_AMAZON_DOMAINS[country.code]}"

    def add_address(
        self, customer_id: int, country: _Country, recipient: str, phone: str | None, default: bool
    ) -> tuple:
        city = self.pick(country.cities)
        line1, line2, line3, postal_code = self.street_lines(country, city)
        self.rows["addresses"].append(
            (
                self.take_id("addresses"),
                customer_id,
                recipient,
                phone,
                line1,
                line2,
                line3,
                city.name,
                city.region,
                postal_code,
                country.code,
                default,
            )
        )
        return (
            recipient,
            phone,
            line1,
            line2,
            line3,
            city.name,
            city.region,
            postal_code,
            country.code,
        )

    def street_lines(self, country: _Country, city: _City) -> tuple[str, str, str, str]:
        number = self.rng.randint(1, 140)
        code = country.code
        if code == "CN":
            district, postal_code = self.pick(city.postal_codes).split(":")
            floor, room = self.rng.randint(2, 30), self.rng.randint(1, 8)
            flat = f"{self.rng.randint(1, 12)}栋{floor}{room:02d}室"
            return f"{self.pick(country.streets)}{number}号", flat, district, postal_code
        if code == "JP":
            town, postal_code = self.pick(city.postal_codes).split(":")
            building = self.pick(country.streets)
            room = (
                f"{building} {self.rng.randint(1, 9)}0{self.rng.randint(1, 9)}" if building else ""
            )
            block = f"{self.rng.randint(1, 5)}-{self.rng.randint(1, 20)}-{self.rng.randint(1, 15)}"
            return f"{town}{block}", room, "", postal_code
        street = self.pick(country.streets)
        line1 = {
            "DE": f"{street} {number}",
            "IT": f"{street} {number}",
            "ES": f"{street}, {number}",
        }.get(code, f"{number} {street}")
        postal_code = self.pick(city.postal_codes)
        if code == "GB":
            inward = (
                f"{self.rng.randint(1, 9)}{''.join(self.rng.choices('ABDEFGHJLNPQRSTUWXYZ', k=2))}"
            )
            postal_code = f"{postal_code} {inward}"
        return line1, self.pick(_LINE2_BY_COUNTRY[code]), "", postal_code

    # ----------------------------------------------------------------- orders
