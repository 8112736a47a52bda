"""The demo data set: a realistic, repeatable shop floor to try every desk on.

``orderdesk demo --orders N --seed S`` fills an *empty* database with

* four warehouses (Berlin, Manchester, Lyon, Shenzhen), each stocking some categories, with
  bins named zone-aisle-shelf (``A-01-03``) numbered in walking order;
* about 430 products in nine categories with valid, unique EAN-13 barcodes (books carry
  their ISBN-13), weights, fragile glass and ceramics, high-value electronics, and stock in
  lots with received dates (FIFO) -- a few products low or out of stock;
* customers from eight countries with Latin, Chinese and Japanese names, local addresses
  and postal codes, E.164 phones and e-mails; a few in arrears, frozen or banned;
* N orders from Amazon, the shops and partner platforms over the last 182 days, in every
  order status, with lines, payments, shipments and an audit event for every status change
  (order and shipment), each transition one the workflow tables allow;
* one demo user per role. Passwords are made with ``secrets``, returned once in
  ``DemoResult`` and stored only as scrypt hashes.

**Repeatable**: the same seed and the same reference time give the same rows, except the
users' passwords and hashes. The reference time ("now" of the demo) defaults to today's
midnight UTC, so the dates move with the day the demo is generated: the orders are always
those of the last six months, the newest just before midnight.

**Work for the review desk**: about 9 % of the orders wait in ``received`` with exactly one
of the problems listed in ``PROBLEM_KINDS`` (which also says how each looks in the data).
The other orders in ``received`` are the newest ones, clean, and the twins that each
duplicate copies.

All money is in EUR: the demo seller prices and sells in euros on every channel, so the
price-list check compares like with like.

**Speed** (``orderdesk bench demo --n N``): about fifteen rows an order, so every per-row
cost counts. Rows are plain tuples with pre-assigned primary keys (ids continue after any
rows already there), written per 5,000 orders inside one transaction: ``executemany`` of
one prepared INSERT on SQLite, ``COPY`` on PostgreSQL, whose sequences are then moved past
the new ids. Core ``insert()`` with dictionaries ran at half the rate of tuples. Times are
written as the text ``db.models.UTCDateTime`` stores on SQLite and as ``timestamptz``
literals for COPY; the ORM reads them back as aware UTC datetimes. From
``WORKER_FROM_ORDERS`` orders a forked worker makes the rows while this process writes
them (same builder, same rows), and SQLite loads with a rollback journal, no foreign-key
checks and no fsync (``_sqlite_loading_settings``). At 200,000 orders the writing process
is the bottleneck: about 11 s of CPU, nearly all inside SQLite's ``executemany`` (binding
3 million rows, filling the tables' indexes); the worker needs about 9 s.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import gc
import itertools
import marshal
import math
import multiprocessing
import multiprocessing.connection
import random
import secrets
import sqlite3
import sys
import time
import traceback
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from app.audit.rules import GENESIS
from app.audit.rules import link as audit_link
from app.auth import QUICK_COST, ensure_roles, hash_password
from app.bench import BenchResult, stopwatch
from app.database import Database, open_database
from app.errors import InvalidInput, OrderdeskError
from app.gtin import gtin_check_digit, gtin_valid
from app.permissions import Role
from app.views.search_keys import customer_search_keys
from app.workflow import ORDER_TRANSITIONS, SHIPMENT_TRANSITIONS, OrderStatus, ShipmentStatus
from db.models import (
    Address,
    AuditEvent,
    Bin,
    Customer,
    Order,
    OrderLine,
    Payment,
    Product,
    Shipment,
    ShipmentLine,
    StockMove,
    StockQuant,
    User,
    Warehouse,
    user_roles,
)
from db.models_picking import Reservation

OS = OrderStatus
SS = ShipmentStatus

HISTORY_DAYS = 182
CURRENCY = "EUR"
PROBLEM_SHARE = 0.09
ORDERS_PER_BATCH = 5000
MIN_CUSTOMERS = 2000

# Each problem order has exactly one of these; the text says how to recognise it.
PROBLEM_KINDS: dict[str, str] = {
    "missing_phone": "neither the customer nor the ship-to has a phone number",
    "customer_arrears": "the customer's account is in arrears",
    "customer_frozen": "the customer's account is frozen",
    "customer_banned": "the customer's account is banned",
    "price_off_list": "one line's unit price differs from the product's list price",
    "card_expired": "a shop order paid by a card that expired before the order (payment pending)",
    "duplicate": (
        "same customer, channel, items and ship-to as the order just before it, "
        "received minutes later under another channel order id"
    ),
    "unknown_sku": "one line's SKU is not in the catalogue (its product_id is NULL)",
    "incomplete_address": "the ship-to has no street line, no postal code or no city",
}


# --------------------------------------------------------------------------- public API


class DemoAlreadyPresent(OrderdeskError):
    """The database already holds orders, products or users: the demo is not added."""

    def __init__(self, found: tuple[str, ...]) -> None:
        super().__init__(
            f"The database already holds {', '.join(found)}; "
            "the demo data set only goes into an empty database."
        )
        self.found = found


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str = field(repr=False)  # shown to the person once, never logged
    role: str


@dataclass(frozen=True)
class DemoResult:
    orders: int
    customers: int
    products: int
    warehouses: int
    users: tuple[DemoUser, ...]


def demo_reference_time(today: dt.date | None = None) -> dt.datetime:
    """The demo's "now": midnight UTC at the start of ``today`` (default: the current day)."""
    day = today or dt.datetime.now(dt.UTC).date()
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def generate_demo(
    database: Database,
    orders: int,
    seed: int,
    *,
    reference_time: dt.datetime | None = None,
    in_worker: bool | None = None,
    then: Callable[[Database, DemoResult], None] | None = None,
) -> DemoResult:
    """Fill an empty database with the demo data set in one transaction.

    Raises ``DemoAlreadyPresent`` (and writes nothing) when orders, products or users exist.
    ``in_worker``: make the rows in a second process while this one writes them; by
    default only from ``WORKER_FROM_ORDERS`` orders. The rows are the same either way.
    ``then``: more work on the fresh data (the desks' services: ``demo_desk_work``) in the
    same transaction, given a ``Database`` whose units of work are savepoints in it. Demo
    and desk work are then one thing: stopped, killed or failed at any point, nothing is
    kept, and the database is empty for the next try.
    """
    if orders < 0:
        raise InvalidInput("orders", orders, "a whole number of 0 or more")
    now = reference_time or demo_reference_time()
    if now.tzinfo is None:
        raise InvalidInput("reference time", now, "an aware UTC datetime")
    in_worker = orders >= WORKER_FROM_ORDERS if in_worker is None else in_worker
    with (
        _row_maker(seed, now, orders, database.dialect, in_worker) as make_rows,
        database.engine.connect() as connection,
        _sqlite_loading_settings(connection),
        _cyclic_collector_paused(),
        database.session_factory(bind=connection) as session,
        session.begin(),
    ):
        _refuse_unless_empty(session)
        role_ids = {name: row.id for name, row in _flushed_roles(session).items()}
        writer = _BulkWriter(session.connection())
        ids = writer.next_ids()
        actors = _demo_actors(ids)
        users: list[_NewUser] = []

        def write_users() -> None:
            # Hashing takes a moment per user: done while the worker makes the first rows.
            users.extend(_demo_users())
            _write_users(writer, users, role_ids, actors, now)

        head = session.execute(
            select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
        ).scalar()
        with _replace_guards_set_aside(session.connection()):
            counts = make_rows(ids, actors, writer.write_batch, write_users, head or GENESIS)
        writer.move_sequences_past_new_ids()
        result = DemoResult(
            orders=counts.orders,
            customers=counts.customers,
            products=counts.products,
            warehouses=counts.warehouses,
            users=tuple(DemoUser(user.username, user.password, user.role) for user in users),
        )
        if then is not None:
            session.flush()
            then(within_transaction(database, connection), result)
    return result


def within_transaction(database: Database, connection: Connection) -> Database:
    """``database`` seen through ``connection``'s open transaction: each unit of work is a
    savepoint in it (its commit releases the savepoint; the transaction commits later)."""
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    return dataclasses.replace(database, session_factory=factory)


@contextmanager
def _replace_guards_set_aside(connection: Connection) -> Iterator[None]:
    """SQLite's guards against ``INSERT OR REPLACE`` on the append-only tables (audit trail,
    stock moves) look the new id up once per inserted row: half the writing time of a big
    demo. The load runs in one transaction into an empty database, where there is no row to
    replace, so the guards are dropped for the bulk insert and created again from their own
    stored SQL in the same transaction: any failure rolls back to the guards as they were.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    guards = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        " AND name LIKE '%\\_no\\_replace' ESCAPE '\\'"
    ).all()
    for name, _sql in guards:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    for _name, sql in guards:
        connection.exec_driver_sql(sql)


@contextmanager
def _cyclic_collector_paused() -> Iterator[None]:
    """Millions of row tuples, none of them in a cycle: the collector would rescan them
    again and again for nothing (a third of the time at 200,000 orders)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def bench_demo(n: int, url: str) -> list[BenchResult]:
    """``orderdesk bench demo --n N``: ``generate_demo`` of N orders into an empty database."""
    database = open_database(url)
    try:
        with stopwatch() as elapsed:
            generate_demo(database, orders=n, seed=1)
        return [BenchResult(bench="demo", n=n, seconds=elapsed(), db=database.dialect)]
    finally:
        database.dispose()


# --------------------------------------------------------------------------- pure helpers


def ean13_check_digit(first_twelve: str) -> int:
    """GS1 check digit of an EAN-13 body (the project's one GTIN check, app/gtin.py)."""
    if len(first_twelve) != 12 or not first_twelve.isdigit():
        raise ValueError(f"need 12 digits, got {first_twelve!r}")
    return gtin_check_digit(first_twelve)


def is_valid_ean13(code: str) -> bool:
    return len(code) == 13 and gtin_valid(code)


def creditor_reference(payload: str) -> str:
    """ISO 11649 ``RF`` reference a customer quotes on a bank transfer (``RF47SO000123``)."""
    digits = "".join(str(int(char, 36)) for char in payload.upper() + "RF00")
    return f"RF{98 - int(digits) % 97:02d}{payload.upper()}"


def readable_password(groups: int = 3, group_length: int = 5) -> str:
    """``kq7mx-4tp9h-wz3ra``: no look-alike characters, easy to read out and type."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join(
        "".join(secrets.choice(alphabet) for _ in range(group_length)) for _ in range(groups)
    )


def ascii_fold(text_: str) -> str:
    """``"Müller"`` → ``"mueller"``: a name as it appears in an e-mail address."""
    german = text_.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    folded = unicodedata.normalize("NFKD", german).encode("ascii", "ignore").decode("ascii")
    return "".join(char for char in folded.lower() if char.isalnum())


# --------------------------------------------------------------------------- the catalogue

_COLOURS = ("white", "black", "sage green", "slate grey", "terracotta", "navy blue")
_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
_SHOE_SIZES = ("EU 37", "EU 39", "EU 41", "EU 43", "EU 45")


@dataclass(frozen=True)
class _ProductKind:
    noun: str
    spec: str
    price_cents: tuple[int, int]
    weight_g: tuple[int, int]
    fragile: bool = False
    variants: tuple[str, ...] = _COLOURS


@dataclass(frozen=True)
class _Category:
    name: str
    code: str
    count: int
    brands: tuple[str, ...]
    kinds: tuple[_ProductKind, ...]


K = _ProductKind
# fmt: off
_CATEGORIES: tuple[_Category, ...] = (
    _Category("kitchen", "KIT", 70, ("Nordhaus", "Kestrel", "Casa Viva"), (
        K("Borosilicate glass teapot", "1.2 L", (1990, 3490), (550, 750), fragile=True),
        K("Ceramic coffee mug", "350 ml", (890, 1690), (300, 380), fragile=True),
        K("Stoneware dinner plates", "set of 6, 27 cm", (3990, 6990), (3200, 4200), fragile=True),
        K("Crystal wine glasses", "set of 4, 450 ml", (2490, 4990), (900, 1300), fragile=True),
        K("Cast iron skillet", "26 cm", (3490, 6990), (2600, 3100)),
        K("Stainless steel saucepan", "18 cm, 1.9 L", (2990, 5490), (900, 1200)),
        K("Chef's knife", "20 cm blade", (3990, 12990), (180, 260)),
        K("Bamboo cutting board", "40 x 28 cm", (1490, 2990), (900, 1400)),
        K("Porcelain espresso cups", "set of 2, 80 ml", (1290, 2490), (350, 450), fragile=True),
        K("Glass storage jars", "3 x 1 L", (1990, 3290), (1500, 1900), fragile=True),
        K("Non-stick frying pan", "28 cm", (2490, 5990), (1000, 1400)),
        K("French press", "1 L, glass", (1990, 3990), (600, 800), fragile=True),
    )),
    _Category("electronics", "ELE", 60, ("Lumio", "Voltaris", "Sonique"), (
        K("Wireless noise-cancelling headphones", "over-ear, 30 h", (14900, 34900), (250, 320)),
        K("Bluetooth speaker", "20 W, waterproof", (3990, 12900), (500, 900)),
        K("27-inch 4K monitor", "IPS, USB-C", (29900, 54900), (5200, 6800), fragile=True),
        K("Mechanical keyboard", "tenkeyless", (7900, 16900), (700, 1000)),
        K("Wireless mouse", "silent clicks", (1990, 5990), (80, 120)),
        K("USB-C charger", "65 W, GaN", (2990, 4990), (110, 160), variants=("EU plug", "UK plug")),
        K("Smartwatch", "GPS, 44 mm", (14900, 39900), (60, 90)),
        K("Action camera", "4K, 60 fps", (19900, 39900), (150, 220)),
        K("E-book reader", "7-inch, 32 GB", (9900, 24900), (190, 240)),
        K("Noise-cancelling earbuds", "wireless charging case", (7900, 27900), (50, 70)),
        K("Portable SSD", "USB-C", (8900, 15900), (50, 80), variants=("1 TB", "2 TB")),
        K("Tablet", "10.9-inch", (32900, 69900), (470, 520), fragile=True,
          variants=("64 GB", "256 GB")),
        K("Camera drone", "4K, 3-axis gimbal", (44900, 89900), (900, 1300)),
        K("Power bank", "20000 mAh", (2990, 5990), (350, 450)),
    )),
    _Category("toys", "TOY", 50, ("Tumbletree", "Kobold", "Starling"), (
        K("Wooden train set", "42 pieces", (2990, 5990), (1400, 2200)),
        K("Building blocks", "500 pieces", (2490, 5990), (900, 1500)),
        K("Plush bear", "35 cm", (1490, 2990), (250, 400)),
        K("Jigsaw puzzle", "1000 pieces", (1290, 2490), (600, 800), variants=("", )),
        K("Remote-control car", "1:16, 2.4 GHz", (3490, 7990), (800, 1200)),
        K("Doll's house", "3 floors, wood", (7990, 14990), (5500, 8000)),
        K("Family board game", "2-6 players", (2490, 4490), (1000, 1500), variants=("",)),
        K("Marble run", "120 pieces", (2990, 5490), (1300, 1900)),
        K("Science kit", "crystal growing", (1990, 3490), (700, 1000), variants=("",)),
        K("Stunt kite", "140 cm", (2490, 4990), (300, 450)),
    )),
    _Category("books", "BOK", 50, ("Harbour Press", "Lindqvist", "Blue Door Books"), ()),
    _Category("garden", "GAR", 40, ("Greenfold", "Hortus", "Verdana"), (
        K("Garden hose", "25 m, with spray gun", (2990, 5990), (2500, 3500)),
        K("Pruning shears", "bypass, 20 cm", (1990, 4990), (200, 300)),
        K("Terracotta plant pot", "30 cm", (1490, 3490), (2500, 3800), fragile=True),
        K("Solar path lights", "set of 6", (2490, 4490), (900, 1300)),
        K("Bird feeder", "hanging, metal", (1490, 2990), (500, 800)),
        K("Raised garden bed", "120 x 60 cm, larch", (6990, 12990), (12000, 16000)),
        K("Watering can", "10 L", (1290, 2990), (700, 1000)),
        K("Cordless hedge trimmer", "18 V, 50 cm", (9900, 17900), (2600, 3200)),
    )),
    _Category("apparel", "APP", 60, ("Fjordline", "Maison Ardent", "Cobalt & Co"), (
        K("Merino wool jumper", "crew neck", (6990, 12990), (350, 450), variants=_SIZES),
        K("Organic cotton T-shirt", "regular fit", (1990, 3490), (180, 220), variants=_SIZES),
        K("Rain jacket", "waterproof, packable", (7990, 15990), (400, 550), variants=_SIZES),
        K("Slim-fit jeans", "stretch denim", (4990, 8990), (600, 750), variants=_SIZES),
        K("Running shoes", "neutral cushioning", (8990, 14990), (600, 800),
          variants=_SHOE_SIZES),
        K("Linen shirt", "long sleeve", (4990, 7990), (250, 320), variants=_SIZES),
        K("Down vest", "lightweight", (8990, 14990), (300, 400), variants=_SIZES),
        K("Wool socks", "3 pairs", (1490, 2490), (150, 200), variants=_SHOE_SIZES),
    )),
    _Category("beauty", "BEA", 40, ("Aurelle", "Solène", "Kiri"), (
        K("Vitamin C serum", "30 ml, glass dropper", (1990, 4490), (120, 160), fragile=True,
          variants=("",)),
        K("Eau de parfum", "50 ml", (4990, 11990), (300, 420), fragile=True,
          variants=("citrus", "amber", "vetiver", "rose")),
        K("Hair dryer", "2000 W, ionic", (3990, 12990), (600, 800)),
        K("Electric toothbrush", "sonic, 2 heads", (3990, 9990), (300, 400)),
        K("Shea butter hand cream", "75 ml", (790, 1490), (90, 110),
          variants=("lavender", "unscented", "citrus")),
        K("Gentle facial cleanser", "150 ml", (990, 2290), (180, 220), variants=("",)),
        K("Beard trimmer", "cordless, 20 settings", (3490, 7990), (250, 350)),
    )),
    _Category("home", "HOM", 30, ("Nordhaus", "Linnea", "Atelier Bleu"), (
        K("Scented candle", "glass jar, 40 h", (1490, 2990), (400, 550), fragile=True,
          variants=("fig", "cedar", "sea salt", "vanilla")),
        K("Linen duvet cover", "200 x 200 cm", (5990, 11990), (1100, 1500)),
        K("Ceramic table lamp", "E27, 45 cm", (4990, 9990), (2200, 3000), fragile=True),
        K("Wall clock", "silent, 30 cm", (2490, 4990), (600, 900)),
        K("Cotton bath towels", "set of 4", (2990, 5490), (1800, 2300)),
        K("Glass vase", "hand-blown, 25 cm", (2490, 5990), (900, 1300), fragile=True),
        K("Knitted throw blanket", "130 x 170 cm", (3990, 7990), (1000, 1400)),
    )),
    _Category("sports", "SPO", 30, ("Peakform", "Strider", "Alto"), (
        K("Yoga mat", "6 mm, non-slip", (2490, 5990), (1000, 1500)),
        K("Adjustable dumbbells", "2 x 12 kg", (9900, 19900), (24500, 25500), variants=("",)),
        K("Insulated water bottle", "750 ml", (1990, 3490), (350, 420)),
        K("Resistance bands", "set of 5", (1490, 2990), (300, 400), variants=("",)),
        K("Cycling helmet", "MIPS", (4990, 11990), (280, 350), variants=("S/M", "M/L")),
        K("Tennis racket", "300 g, strung", (5990, 17990), (300, 340), variants=("L2", "L3")),
        K("Football", "size 5", (1990, 4490), (410, 450), variants=("",)),
        K("Camping stove", "gas, piezo ignition", (2990, 6990), (300, 450), variants=("",)),
    )),
)
del K
# fmt: on

_BOOK_TITLE_WORDS = (
    ("Silent", "Northern", "Hidden", "Last", "Golden", "Winter", "Quiet", "Salt", "Paper"),
    ("Harbour", "Orchard", "Letters", "River", "Lighthouse", "Station", "Summer", "Atlas"),
)
_BOOK_NONFICTION = (
    "Everyday Baking",
    "A Short History of Tea",
    "The Joy of Fermentation",
    "Cycling the Alps",
    "Mindful Gardening",
    "Coding for Curious Kids",
    "The Atlas of Small Islands",
    "Bread and Salt",
    "Walking Berlin",
    "The Patient Gardener",
    "Fifty Soups",
)
_BOOK_FORMATS = (("Paperback", (1099, 1999), (250, 450)), ("Hardcover", (1999, 3499), (500, 950)))

# Orders waiting for review only take products with at least this many units on hand.
WELL_STOCKED_UNITS = 40

# High value: flagged on pick lists and shipped with signature.
HIGH_VALUE_ELECTRONICS_CENTS = 25_000
HIGH_VALUE_ANY_CENTS = 40_000

# GS1 Germany company prefix for the demo seller; books use German-language ISBNs.
_EAN_COMPANY_PREFIX = "4262874"
_ISBN_PREFIX = "9783"


# --------------------------------------------------------------------------- places and people


@dataclass(frozen=True)
class _City:
    name: str
    region: str
    postal_codes: tuple[str, ...]
    area: str = ""  # phone area code where the country uses one per city


@dataclass(frozen=True)
class _Country:
    code: str
    weight: int
    language: str
    cities: tuple[_City, ...]
    streets: tuple[str, ...]
    given_names: tuple[tuple[str, str], ...]  # (as written, as in an e-mail address)
    family_names: tuple[tuple[str, str], ...]
    vat_percent: int
    partners: tuple[str, ...]
    shops: tuple[str, ...] = ()


def _latin(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, ascii_fold(name)) for name in names)


def _paired(pairs: str) -> tuple[tuple[str, str], ...]:
    """``"王:wang 李:li"`` → ``(("王", "wang"), ("李", "li"))``."""
    return tuple(tuple(item.split(":")) for item in pairs.split())  # type: ignore[misc]


C = _City
# fmt: off
_COUNTRIES: tuple[_Country, ...] = (
    _Country(
        "DE", 28, "de",
        (
            C("Berlin", "Berlin", ("10115", "10178", "10245", "10405", "10557", "12043", "13347")),
            C("Hamburg", "Hamburg", ("20095", "20144", "20249", "22765", "22303")),
            C("München", "Bayern", ("80331", "80469", "80636", "81369", "81675")),
            C("Köln", "Nordrhein-Westfalen", ("50667", "50674", "50823", "50937")),
            C("Frankfurt am Main", "Hessen", ("60311", "60316", "60486", "60594")),
            C("Leipzig", "Sachsen", ("04103", "04107", "04229", "04277")),
            C("Stuttgart", "Baden-Württemberg", ("70173", "70176", "70190", "70372")),
        ),
        ("Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Goethestraße",
         "Lindenallee", "Berliner Straße", "Kastanienallee", "Am Markt", "Bergstraße"),
        _latin("Anna", "Lukas", "Sophie", "Leon", "Marie", "Jonas", "Lea", "Finn", "Laura",
               "Felix", "Hannah", "Paul", "Julia", "Maximilian", "Katharina", "Jürgen"),
        _latin("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
               "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder"),
        19, ("otto", "ebay"), ("BER", "HAM", "MUC"),
    ),
    _Country(
        "GB", 14, "en",
        (
            C("London", "Greater London", ("SW1A", "EC1A", "N1", "E2", "SE1", "W1D", "NW3")),
            C("Manchester", "Greater Manchester", ("M1", "M4", "M14", "M20")),
            C("Birmingham", "West Midlands", ("B1", "B5", "B15")),
            C("Leeds", "West Yorkshire", ("LS1", "LS6", "LS11")),
            C("Edinburgh", "City of Edinburgh", ("EH1", "EH3", "EH8")),
            C("Bristol", "Bristol", ("BS1", "BS6", "BS8")),
        ),
        ("High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue",
         "Queen's Road", "Mill Lane", "The Crescent"),
        _latin("Oliver", "Amelia", "George", "Isla", "Harry", "Emily", "Jack", "Olivia",
               "Charlie", "Grace", "Thomas", "Freya", "Arjun", "Aisha"),
        _latin("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
               "Patel", "Wright", "Evans", "Walker", "O'Brien", "Khan"),
        20, ("ebay",), ("LON",),
    ),
    _Country(
        "FR", 11, "fr",
        (
            C("Paris", "Île-de-France", ("75001", "75003", "75008", "75011", "75015", "75018")),
            C("Lyon", "Auvergne-Rhône-Alpes", ("69001", "69002", "69003", "69006", "69007")),
            C("Marseille", "Provence-Alpes-Côte d'Azur", ("13001", "13006", "13008")),
            C("Toulouse", "Occitanie", ("31000", "31200", "31400")),
            C("Bordeaux", "Nouvelle-Aquitaine", ("33000", "33300", "33800")),
            C("Lille", "Hauts-de-France", ("59000", "59800")),
        ),
        ("rue de la République", "avenue Victor Hugo", "boulevard Voltaire", "rue du Moulin",
         "place de la Mairie", "rue Pasteur", "rue des Lilas"),
        _latin("Camille", "Louis", "Léa", "Hugo", "Chloé", "Lucas", "Manon", "Jules", "Inès",
               "Arthur", "Zoé", "Gabriel"),
        _latin("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit",
               "Durand", "Leroy", "Moreau", "Lefèvre", "Girard"),
        20, ("cdiscount",), ("PAR",),
    ),
    _Country(
        "US", 9, "en",
        (
            C("New York", "NY", ("10001", "10011", "10016", "10025", "10128"), "212"),
            C("Los Angeles", "CA", ("90012", "90026", "90034", "90049"), "213"),
            C("Chicago", "IL", ("60601", "60614", "60622", "60657"), "312"),
            C("Seattle", "WA", ("98101", "98103", "98109", "98122"), "206"),
            C("Austin", "TX", ("78701", "78704", "78723", "78745"), "512"),
            C("Boston", "MA", ("02108", "02116", "02134"), "617"),
        ),
        ("Main St", "Oak Ave", "Maple Dr", "Park Blvd", "Elm St", "Washington Ave", "Cedar Ln"),
        _latin("James", "Mary", "Michael", "Jennifer", "David", "Emily", "Daniel", "Ashley",
               "Christopher", "Jessica", "Carlos", "Mei"),
        _latin("Smith", "Johnson", "Williams", "Garcia", "Miller", "Davis", "Rodriguez",
               "Martinez", "Anderson", "Taylor", "Nguyen", "Kim"),
        0, ("ebay",),
    ),
    _Country(
        "ES", 7, "es",
        (
            C("Madrid", "Comunidad de Madrid", ("28001", "28004", "28010", "28013", "28045")),
            C("Barcelona", "Cataluña", ("08001", "08008", "08012", "08025")),
            C("Valencia", "Comunitat Valenciana", ("46001", "46004", "46022")),
            C("Sevilla", "Andalucía", ("41001", "41003", "41010")),
            C("Bilbao", "País Vasco", ("48001", "48008")),
        ),
        ("Calle Mayor", "Avenida de la Constitución", "Calle de Alcalá", "Paseo de Gracia",
         "Calle Real", "Calle del Sol"),
        _latin("Lucía", "Hugo", "Sofía", "Martín", "María", "Pablo", "Paula", "Alejandro",
               "Carmen", "Javier"),
        _latin("García", "Fernández", "González", "Rodríguez", "López", "Martínez",
               "Sánchez", "Pérez", "Gómez", "Ruiz"),
        21, ("ebay",),
    ),
    _Country(
        "IT", 7, "it",
        (
            C("Roma", "Lazio", ("00118", "00153", "00184", "00197")),
            C("Milano", "Lombardia", ("20121", "20123", "20135", "20144")),
            C("Napoli", "Campania", ("80121", "80132", "80138")),
            C("Torino", "Piemonte", ("10121", "10128", "10138")),
            C("Bologna", "Emilia-Romagna", ("40121", "40125", "40137")),
            C("Firenze", "Toscana", ("50121", "50123", "50129")),
        ),
        ("Via Roma", "Via Garibaldi", "Corso Italia", "Via Dante", "Piazza del Duomo",
         "Via Mazzini"),
        _latin("Giulia", "Francesco", "Sofia", "Alessandro", "Aurora", "Lorenzo", "Chiara",
               "Matteo", "Martina", "Niccolò"),
        _latin("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo",
               "Ricci", "Marino", "Greco"),
        22, ("ebay",),
    ),
    # China: province (region), city, district as line 3, street + number, building + room.
    _Country(
        "CN", 16, "zh_CN",
        (
            C("北京市", "北京市", ("朝阳区:100020", "海淀区:100080", "东城区:100010")),
            C("上海市", "上海市", ("浦东新区:200120", "徐汇区:200030", "静安区:200040")),
            C("深圳市", "广东省", ("南山区:518057", "福田区:518048", "宝安区:518101")),
            C("广州市", "广东省", ("天河区:510620", "越秀区:510030")),
            C("杭州市", "浙江省", ("西湖区:310012", "滨江区:310051")),
            C("成都市", "四川省", ("武侯区:610041", "锦江区:610021")),
            C("南京市", "江苏省", ("鼓楼区:210008", "玄武区:210018")),
        ),
        ("建国路", "中山路", "人民路", "科技南十二路", "解放路", "南京西路", "天府大道"),
        _paired("伟:wei 娜:na 芳:fang 敏:min 静:jing 磊:lei 强:qiang 洋:yang 艳:yan 杰:jie "
                "婷:ting 浩然:haoran 子涵:zihan 欣怡:xinyi 宇轩:yuxuan 梓萱:zixuan 俊杰:junjie"),
        _paired("王:wang 李:li 张:zhang 刘:liu 陈:chen 杨:yang 黄:huang 赵:zhao 吴:wu 周:zhou "
                "徐:xu 孙:sun 马:ma 朱:zhu 胡:hu 郭:guo"),
        0, ("tmall", "jd"), ("SHA",),
    ),
    _Country(
        "JP", 8, "ja",
        (
            C("千代田区", "東京都", ("丸の内:100-0005", "大手町:100-0004")),
            C("渋谷区", "東京都", ("神宮前:150-0001", "渋谷:150-0002")),
            C("新宿区", "東京都", ("西新宿:160-0023", "新宿:160-0022")),
            C("大阪市北区", "大阪府", ("梅田:530-0001", "中之島:530-0005")),
            C("横浜市西区", "神奈川県", ("みなとみらい:220-0012",)),
            C("福岡市博多区", "福岡県", ("博多駅前:812-0011",)),
            C("札幌市中央区", "北海道", ("大通西:060-0042",)),
        ),
        ("メゾン桜", "グランドハイツ", "パークサイド", "コーポ青葉", ""),
        _paired("健:ken 陽子:yoko 翔太:shota 美咲:misaki 大輔:daisuke さくら:sakura 拓也:takuya "
                "結衣:yui 蓮:ren 陽菜:hina"),
        _paired("佐藤:sato 鈴木:suzuki 高橋:takahashi 田中:tanaka 伊藤:ito 渡辺:watanabe "
                "山本:yamamoto 中村:nakamura 小林:kobayashi 加藤:kato"),
        0, ("rakuten",),
    ),
)
del C
# fmt: on

_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
# The Amazon store a customer of each country buys in (its buyer e-mail proxy's domain).
_AMAZON_DOMAINS = {"DE": "de", "GB": "co.uk", "FR": "fr", "US": "com", "ES": "es", "IT": "it",
                   "CN": "cn", "JP": "co.jp"}  # fmt: skip
# UK mobile ranges that libphonenumber places in GB (not Jersey, Guernsey or Man).
_GB_MOBILE_PREFIXES = ("740", "741", "742", "743", "746", "747", "748", "749", "771", "772",
                       "773", "774", "775", "776")  # fmt: skip
_LINE2_BY_COUNTRY = {
    "DE": ("", "", "", "Hinterhaus", "3. OG links", "c/o Praxis Dr. Weber"),
    "GB": ("", "", "Flat 2", "Flat 5B", "Unit 3"),
    "FR": ("", "", "Bâtiment B", "Appartement 12", "3e étage"),
    "US": ("", "", "Apt 4B", "Suite 210", "Unit 12"),
    "ES": ("", "3º B", "2º izquierda", "Bajo A"),
    "IT": ("", "", "Scala B, interno 4", "Piano 3"),
}


# --------------------------------------------------------------------------- warehouses


@dataclass(frozen=True)
class _WarehouseSpec:
    code: str
    name: str
    country: str
    city: str
    categories: tuple[str, ...]


# fmt: off
_WAREHOUSES: tuple[_WarehouseSpec, ...] = (
    _WarehouseSpec("BER1", "Berlin Central", "DE", "Berlin",
                   ("kitchen", "electronics", "toys", "books", "home", "garden")),
    _WarehouseSpec("MAN1", "Manchester North", "GB", "Manchester",
                   ("apparel", "beauty", "books", "toys", "sports")),
    _WarehouseSpec("LYS1", "Lyon Saint-Priest", "FR", "Saint-Priest",
                   ("garden", "kitchen", "home", "sports", "apparel")),
    _WarehouseSpec("SZX1", "Shenzhen Bao'an", "CN", "深圳市",
                   ("electronics", "toys", "apparel", "beauty")),
)

# Which warehouse ships first to a country (then the next that stocks the category).
_WAREHOUSE_PREFERENCE = {
    "DE": ("BER1", "LYS1", "MAN1", "SZX1"),
    "GB": ("MAN1", "BER1", "LYS1", "SZX1"),
    "FR": ("LYS1", "BER1", "MAN1", "SZX1"),
    "ES": ("LYS1", "BER1", "MAN1", "SZX1"),
    "IT": ("LYS1", "BER1", "MAN1", "SZX1"),
    "US": ("BER1", "MAN1", "LYS1", "SZX1"),
    "CN": ("SZX1", "BER1", "MAN1", "LYS1"),
    "JP": ("SZX1", "BER1", "MAN1", "LYS1"),
}
_BIN_ZONES, _BIN_AISLES, _BIN_SHELVES = "ABCD", 10, 5

# (warehouse country, destination) → carrier and its product per requested service.
_DOMESTIC_CARRIERS = {
    "DE": {"standard": (("DHL", "Paket"), ("DPD", "Classic")),
           "expedited": (("DPD", "Express"),), "next_day": (("DHL", "Express 12"),)},
    "GB": {"standard": (("Royal Mail", "Tracked 48"),),
           "expedited": (("Royal Mail", "Tracked 24"),), "next_day": (("DPD", "Next Day"),)},
    "FR": {"standard": (("Colissimo", "Domicile"),), "expedited": (("Chronopost", "Chrono 13"),),
           "next_day": (("Chronopost", "Chrono 10"),)},
    "CN": {"standard": (("SF Express", "Standard"),), "expedited": (("SF Express", "Express"),),
           "next_day": (("SF Express", "Express"),)},
}
_INTERNATIONAL_CARRIERS = {
    "standard": (("DHL", "Paket International"), ("UPS", "Standard")),
    "expedited": (("UPS", "Express Saver"), ("DHL Express", "Worldwide")),
    "next_day": (("DHL Express", "Worldwide"),),
}
_FROM_CHINA_CARRIERS = {
    "standard": (("SF Express", "International Standard"),),
    "expedited": (("SF Express", "International Express"), ("DHL Express", "Worldwide")),
    "next_day": (("DHL Express", "Worldwide"),),
}
# fmt: on
_PACKAGING_G = 180


# --------------------------------------------------------------------------- life paths

# How long after the previous step each step happens: (shortest, longest) in seconds,
# drawn log-uniformly, so most steps are quick and a few take long, as on a real floor.
_MINUTE, _HOUR, _DAY = 60, 3600, 86400
_STEP_DELAYS: dict[tuple[str, str], tuple[int, int]] = {
    ("o", OS.RECEIVED): (2 * _HOUR, 3 * _DAY),  # re-review after the customer answered
    ("o", OS.NEEDS_INFO): (5 * _MINUTE, 8 * _HOUR),
    ("o", OS.STOCK_SHORT): (5 * _MINUTE, 8 * _HOUR),
    ("o", OS.PAYMENT_PROBLEM): (5 * _MINUTE, 8 * _HOUR),
    ("o", OS.ON_HOLD): (5 * _MINUTE, 8 * _HOUR),
    ("o", OS.APPROVED): (3 * _MINUTE, 10 * _HOUR),
    ("o", OS.ALLOCATED): (5 * _MINUTE, 4 * _HOUR),
    ("o", OS.SHIPPED): (5, 3 * _MINUTE),
    ("o", OS.DELIVERED): (5, 10 * _MINUTE),
    ("o", OS.RETURNED): (10 * _MINUTE, 6 * _HOUR),
    ("o", OS.REFUNDED): (2 * _HOUR, 4 * _DAY),
    ("o", OS.CANCELLED): (10 * _MINUTE, 2 * _DAY),
    ("s", SS.PENDING): (10 * _MINUTE, 2 * _HOUR),  # pick withdrawn
    ("s", SS.PICKING): (10 * _MINUTE, 10 * _HOUR),
    ("s", SS.PICKED): (2 * _MINUTE, 40 * _MINUTE),
    ("s", SS.PACKED): (2 * _MINUTE, 30 * _MINUTE),
    ("s", SS.SHIPPED): (20 * _MINUTE, 8 * _HOUR),
    ("s", SS.IN_TRANSIT): (2 * _HOUR, 14 * _HOUR),
    ("s", SS.DELAYED): (_DAY, 3 * _DAY),
    ("s", SS.LOST): (3 * _DAY, 8 * _DAY),
    ("s", SS.DAMAGED): (_DAY, 3 * _DAY),
    ("s", SS.DELIVERED): (18 * _HOUR, 4 * _DAY),
    ("s", SS.RETURNED): (2 * _DAY, 14 * _DAY),
    ("s", SS.CANCELLED): (_MINUTE, 30 * _MINUTE),
}

# Who does each step: the demo user of this role.
_ORDER_STEP_ROLES = {
    OS.ON_HOLD: Role.SUPERVISOR,
    OS.ALLOCATED: Role.WAREHOUSE,
    OS.SHIPPED: Role.WAREHOUSE,
    OS.DELIVERED: Role.WAREHOUSE,
    OS.RETURNED: Role.WAREHOUSE,
    OS.REFUNDED: Role.FINANCE,
}

# Why, for the steps people give a reason for: (from, to) first, then any step into ``to``.
_STEP_REASONS: dict[tuple[str, str] | str, tuple[str, ...]] = {
    (OS.NEEDS_INFO, OS.RECEIVED): ("Customer supplied the missing details",),
    (OS.PAYMENT_PROBLEM, OS.CANCELLED): ("Payment could not be collected",),
    (OS.STOCK_SHORT, OS.CANCELLED): ("Customer declined the substitute",),
    (OS.STOCK_SHORT, OS.APPROVED): ("Stock arrived; customer agreed to wait",),
    (OS.PAYMENT_PROBLEM, OS.APPROVED): ("Customer paid with another card",),
    (OS.ON_HOLD, OS.CANCELLED): ("Duplicate order cancelled",),
    OS.NEEDS_INFO: ("House number missing", "Phone number missing", "Size not stated"),
    OS.STOCK_SHORT: ("Not enough stock; customer told the expected arrival date",),
    OS.PAYMENT_PROBLEM: ("Card declined", "Amount paid differs from the order total"),
    OS.ON_HOLD: ("Possible duplicate order", "Unusual order pattern; checking with the customer"),
    OS.CANCELLED: ("Customer asked to cancel", "Customer changed their mind"),
    OS.RETURNED: ("Wrong size", "Changed mind within 14 days", "Item arrived damaged"),
    OS.REFUNDED: ("Refund to the original payment method",),
    SS.DELAYED: ("Carrier reports a delay",),
    SS.LOST: ("Carrier lost the parcel",),
    SS.DAMAGED: ("Parcel damaged in transit",),
}


@dataclass(frozen=True)
class _Step:
    on_shipment: bool
    from_state: str
    to_state: str
    shortest_s: float
    spread: float  # longest / shortest
    role: Role
    reasons: tuple[str, ...]
    key: str  # "o:approved", "s:shipped": names the moment the path first reaches a state


@dataclass(frozen=True)
class _Path:
    """The steps an order (and its shipments) took to reach where it is now."""

    status: OrderStatus
    shipment_status: ShipmentStatus | None  # None: never allocated, so no shipment
    steps: tuple[_Step, ...]
    order_states: frozenset[str]


def _compile_path(status: OrderStatus, spec: str) -> _Path:
    """``"o:approved o:allocated s:picking"`` → steps; refuses a step the workflow forbids."""
    order_state, shipment_state = OS.RECEIVED.value, None
    steps: list[_Step] = []
    visited = {order_state}
    for token in spec.split():
        entity, to_state = token.split(":")
        on_shipment = entity == "s"
        if on_shipment:
            from_state = shipment_state or SS.PENDING.value
            allowed = (from_state, to_state) in SHIPMENT_TRANSITIONS
            shipment_state = to_state
            role = Role.WAREHOUSE
        else:
            from_state = order_state
            allowed = (from_state, to_state) in ORDER_TRANSITIONS
            order_state = to_state
            visited.add(to_state)
            role = _ORDER_STEP_ROLES.get(OS(to_state), Role.CUSTOMER_SERVICE)
            if to_state == OS.ALLOCATED:
                shipment_state = SS.PENDING.value
        if not allowed:
            raise ValueError(f"demo path {spec!r}: {entity} {from_state} → {to_state} not allowed")
        shortest, longest = _STEP_DELAYS[(entity, to_state)]
        reasons = _STEP_REASONS.get((from_state, to_state)) or _STEP_REASONS.get(to_state, ())
        steps.append(
            _Step(
                on_shipment,
                from_state,
                to_state,
                shortest,
                longest / shortest,
                role,
                reasons,
                token,
            )
        )
    if order_state != status:
        raise ValueError(f"demo path {spec!r} ends in {order_state}, not {status}")
    final_shipment = SS(shipment_state) if shipment_state else None
    return _Path(status, final_shipment, tuple(steps), frozenset(visited))


_ALLOCATE = "o:approved o:allocated"
_SHIP = _ALLOCATE + " s:picking s:picked s:packed s:shipped o:shipped"
_DELIVER = _SHIP + " s:in_transit s:delivered o:delivered"

# Final status → (weight, path). Detours through a review queue appear in finished orders
# too, because real orders do take them.
_PATH_SPECS: dict[OrderStatus, tuple[tuple[int, str], ...]] = {
    OS.RECEIVED: ((1, ""),),
    OS.NEEDS_INFO: ((1, "o:needs_info"),),
    OS.STOCK_SHORT: ((1, "o:stock_short"),),
    OS.PAYMENT_PROBLEM: ((1, "o:payment_problem"),),
    OS.ON_HOLD: ((1, "o:on_hold"),),
    OS.APPROVED: ((9, "o:approved"), (1, "o:needs_info o:received o:approved")),
    OS.ALLOCATED: (
        (30, _ALLOCATE),
        (30, _ALLOCATE + " s:picking"),
        (20, _ALLOCATE + " s:picking s:picked"),
        (15, _ALLOCATE + " s:picking s:picked s:packed"),
        (5, _ALLOCATE + " s:picking s:pending"),
    ),
    OS.SHIPPED: (
        (40, _SHIP),
        (48, _SHIP + " s:in_transit"),
        (8, _SHIP + " s:in_transit s:delayed"),
        (2, _SHIP + " s:in_transit s:lost"),
        (2, _SHIP + " s:damaged"),
    ),
    OS.DELIVERED: (
        (70, _DELIVER),
        (20, _SHIP + " s:delivered o:delivered"),
        (4, _SHIP + " s:in_transit s:delayed s:delivered o:delivered"),
        (3, "o:needs_info o:received " + _DELIVER),
        (2, "o:stock_short " + _DELIVER),
        (1, "o:payment_problem " + _DELIVER),
    ),
    OS.RETURNED: (
        (7, _DELIVER + " s:returned o:returned"),
        (3, _SHIP + " s:in_transit s:returned o:returned"),
    ),
    OS.REFUNDED: (
        (5, _DELIVER + " o:refunded"),
        (5, _DELIVER + " s:returned o:returned o:refunded"),
    ),
    OS.CANCELLED: (
        (30, "o:cancelled"),
        (20, "o:payment_problem o:cancelled"),
        (15, "o:stock_short o:cancelled"),
        (10, "o:on_hold o:cancelled"),
        (10, "o:approved o:cancelled"),
        (10, _ALLOCATE + " s:cancelled o:cancelled"),
        (5, _ALLOCATE + " s:picking s:cancelled o:cancelled"),
    ),
}

_PATHS: dict[OrderStatus, tuple[tuple[int, ...], tuple[_Path, ...]]] = {
    status: (
        tuple(weight for weight, _ in specs),
        tuple(_compile_path(status, spec) for _, spec in specs),
    )
    for status, specs in _PATH_SPECS.items()
}


# --------------------------------------------------------------------------- status plan

# Orders still moving through the floor are the newest ones: (status, days of orders, minimum).
_PIPELINE: tuple[tuple[OrderStatus, float, int], ...] = (
    (OS.RECEIVED, 0.15, 3),
    (OS.APPROVED, 0.25, 3),
    (OS.ALLOCATED, 0.6, 4),
    (OS.SHIPPED, 3.0, 5),
)
# Orders parked in a review queue come from the last two weeks.
_QUEUES: tuple[tuple[OrderStatus, float, int], ...] = (
    (OS.NEEDS_INFO, 0.12, 2),
    (OS.STOCK_SHORT, 0.1, 2),
    (OS.PAYMENT_PROBLEM, 0.08, 2),
    (OS.ON_HOLD, 0.06, 2),
)
_QUEUE_WINDOW_DAYS = 14
# Finished orders that did not simply arrive: (status, share of all orders, minimum).
_ENDINGS: tuple[tuple[OrderStatus, float, int], ...] = (
    (OS.CANCELLED, 0.03, 2),
    (OS.RETURNED, 0.012, 2),
    (OS.REFUNDED, 0.012, 2),
)


@dataclass(frozen=True)
class OrderPlan:
    """Where each order (by chronological position) is now, and which problem it has.

    ``problems`` maps positions to a kind of ``PROBLEM_KINDS``; the order just before a
    ``duplicate`` is its clean twin, also waiting in ``received``.
    """

    statuses: tuple[OrderStatus, ...]
    problems: dict[int, str]


def plan_orders(received_s: Sequence[int], now_s: int, rng: random.Random) -> OrderPlan:
    """Every status present (given enough orders), the newest orders least far along."""
    n = len(received_s)
    statuses: list[OrderStatus | None] = [None] * n
    problems = _choose_problem_orders(n, rng)
    for index, kind in problems.items():
        statuses[index] = OS.RECEIVED
        if kind == "duplicate":
            statuses[index - 1] = OS.RECEIVED
    per_day = n / HISTORY_DAYS
    newest_first = [i for i in range(n - 1, -1, -1) if statuses[i] is None]
    taken = 0
    for status, days, minimum in _PIPELINE:
        count = max(minimum, round(per_day * days))
        for index in newest_first[taken : taken + count]:
            statuses[index] = status
        taken += count
    rest = newest_first[taken:]
    window_start = now_s - _QUEUE_WINDOW_DAYS * _DAY
    queue_counts = [max(minimum, round(per_day * days)) for _, days, minimum in _QUEUES]
    recent = [i for i in rest if received_s[i] >= window_start]
    if len(recent) < sum(queue_counts):
        recent = rest[: sum(queue_counts)]
    _spread(
        statuses, _QUEUES, queue_counts, rng.sample(recent, min(len(recent), sum(queue_counts)))
    )
    rest = [i for i in rest if statuses[i] is None]
    ending_counts = [max(minimum, round(n * share)) for _, share, minimum in _ENDINGS]
    _spread(statuses, _ENDINGS, ending_counts, rng.sample(rest, min(len(rest), sum(ending_counts))))
    final = tuple(OS.DELIVERED if status is None else status for status in statuses)
    return OrderPlan(final, problems)


def _spread(
    statuses: list[OrderStatus | None],
    shares: tuple[tuple[OrderStatus, float, int], ...],
    counts: list[int],
    chosen: list[int],
) -> None:
    for (status, _, _), count in zip(shares, counts, strict=True):
        for index in chosen[:count]:
            statuses[index] = status
        chosen = chosen[count:]


def _choose_problem_orders(n: int, rng: random.Random) -> dict[int, str]:
    """About PROBLEM_SHARE of the orders, every kind at least once (given 30 orders).

    A duplicate copies the order just before it, which stays a clean twin.
    """
    kinds = tuple(PROBLEM_KINDS)
    count = min(n // 3, max(len(kinds), round(n * PROBLEM_SHARE)))
    chosen = [
        (index, kinds[position % len(kinds)])
        for position, index in enumerate(rng.sample(range(1, n), count) if count else ())
    ]
    problems: dict[int, str] = {}
    twins: set[int] = set()
    for index, kind in chosen:
        if kind == "duplicate" and index not in twins and index - 1 not in problems:
            problems[index] = kind
            twins.add(index - 1)
    for index, kind in chosen:
        if kind != "duplicate" and index not in twins:
            problems[index] = kind
    return problems


# Orders per hour of the day (UTC), mostly European evenings.
_HOURLY_WEIGHTS = (2, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 7, 7, 7, 7, 7, 8, 8, 9, 10, 10, 8, 5, 3)
_HOUR_TABLE = tuple(hour for hour, weight in enumerate(_HOURLY_WEIGHTS) for _ in range(weight))
# Business grew over the half year: a day at the end sees this many times a day at the start.
_GROWTH = 2.0


def received_times(n: int, now_s: int, rng: random.Random) -> list[int]:
    """N arrival times (epoch seconds) over the last HISTORY_DAYS, oldest first."""
    start = now_s - HISTORY_DAYS * _DAY
    low, high = 1.0, _GROWTH
    slope = high - low
    random_ = rng.random
    hours = _HOUR_TABLE
    times = []
    for _ in range(n):
        # Inverse of the CDF of a linearly rising density: later days get more orders.
        u = random_() * (low + slope / 2)
        fraction = (-low + math.sqrt(low * low + 2 * slope * u)) / slope
        day = min(HISTORY_DAYS - 1, int(fraction * HISTORY_DAYS))
        hour = hours[int(random_() * len(hours))]
        times.append(start + day * _DAY + hour * _HOUR + int(random_() * _HOUR))
    times.sort()
    # The newest order arrives a few minutes before "now", never after it.
    latest = now_s - 5 * _MINUTE
    return [min(t, latest) for t in times]


# --------------------------------------------------------------------------- rows

# Column order of the tuples the builder makes, per table.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": (
        "id",
        "username",
        "full_name",
        "password_hash",
        "active",
        "failed_logins",
        "created_at",
        "version",
    ),
    "user_roles": ("user_id", "role_id"),
    "warehouses": ("id", "code", "name", "country_code", "city", "categories"),
    "bins": ("id", "warehouse_id", "code", "pick_sequence"),
    "products": (
        "id",
        "sku",
        "name",
        "spec",
        "model",
        "category",
        "price_cents",
        "currency",
        "weight_g",
        "barcode",
        "fragile",
        "high_value",
        "active",
    ),
    "customers": (
        "id",
        "name",
        "email",
        "phone",
        "channel_buyer_id",
        "status",
        "language",
        "created_at",
        "version",
        "search_text",
        "search_phone",
    ),
    "addresses": (
        "id",
        "customer_id",
        "recipient",
        "phone",
        "line1",
        "line2",
        "line3",
        "city",
        "region",
        "postal_code",
        "country_code",
        "is_default",
    ),
    "orders": (
        "id",
        "channel",
        "channel_order_id",
        "customer_id",
        "status",
        "priority",
        "requested_service",
        "currency",
        "subtotal_cents",
        "shipping_cents",
        "tax_cents",
        "discount_cents",
        "total_cents",
        "ship_name",
        "ship_phone",
        "ship_line1",
        "ship_line2",
        "ship_line3",
        "ship_city",
        "ship_region",
        "ship_postal_code",
        "ship_country",
        "purchased_at",
        "received_at",
        "ship_by_at",
        "reviewed_at",
        "approved_at",
        "allocated_at",
        "shipped_at",
        "delivered_at",
        "cancelled_at",
        "status_changed_at",
        "version",
    ),
    "order_lines": (
        "id",
        "order_id",
        "line_no",
        "product_id",
        "sku",
        "product_name",
        "channel_line_id",
        "quantity",
        "unit_price_cents",
        "line_total_cents",
        "tax_cents",
        "discount_cents",
    ),
    "payments": (
        "id",
        "order_id",
        "method",
        "status",
        "amount_cents",
        "currency",
        "card_brand",
        "card_last4",
        "card_exp_month",
        "card_exp_year",
        "processor_token",
        "paid_at",
    ),
    "shipments": (
        "id",
        "order_id",
        "warehouse_id",
        "status",
        "carrier",
        "service",
        "tracking_number",
        "weight_g",
        "created_at",
        "shipped_at",
        "delivered_at",
        "status_changed_at",
        "version",
    ),
    "shipment_lines": ("id", "shipment_id", "order_line_id", "quantity"),
    "audit_events": (
        "id",
        "at",
        "actor_id",
        "actor_name",
        "entity_type",
        "entity_id",
        "action",
        "from_state",
        "to_state",
        "reason",
        "prev_hash",
        "hash",
    ),
    "reservations": (
        "id",
        "quant_id",
        "product_id",
        "warehouse_id",
        "order_id",
        "order_line_id",
        "shipment_line_id",
        "quantity",
        "picked",
        "released",
        "state",
        "created_at",
    ),
    "stock_quants": (
        "id",
        "product_id",
        "warehouse_id",
        "bin_id",
        "on_hand",
        "reserved",
        "received_date",
        "version",
    ),
    "stock_moves": (
        "id",
        "at",
        "product_id",
        "warehouse_id",
        "from_bin_id",
        "to_bin_id",
        "quantity",
        "kind",
        "order_id",
        "actor_id",
        "reason",
    ),
}
# Parents before children, so foreign keys hold at every insert.
_TABLES: dict[str, Table] = {
    str(table.name): table  # plain str (not quoted_name): the names go through marshal
    for table in (
        User.__table__, user_roles, Warehouse.__table__, Bin.__table__, Product.__table__,
        Customer.__table__, Address.__table__, Order.__table__, OrderLine.__table__,
        Payment.__table__, Shipment.__table__, ShipmentLine.__table__, AuditEvent.__table__,
        StockQuant.__table__, StockMove.__table__, Reservation.__table__,
    )
}  # fmt: skip


@dataclass(frozen=True)
class _NewUser:
    username: str
    full_name: str
    role: str
    password: str = field(repr=False)
    password_hash: str = field(repr=False)


_DEMO_STAFF: tuple[tuple[Role, str, str], ...] = (
    (Role.CUSTOMER_SERVICE, "cs", "Lena Fischer"),
    (Role.WAREHOUSE, "warehouse", "Tomasz Nowak"),
    (Role.FINANCE, "finance", "Claire Dubois"),
    (Role.SUPERVISOR, "supervisor", "Marco Rossi"),
    (Role.ADMIN, "admin", "Priya Shah"),
)


def _demo_users() -> list[_NewUser]:
    users = []
    for role, username, full_name in _DEMO_STAFF:
        password = readable_password()
        # Throwaway accounts: hashed quickly, upgraded to the full cost at their first login.
        password_hash = hash_password(password, QUICK_COST)
        users.append(_NewUser(username, full_name, role.value, password, password_hash))
    return users


def _refuse_unless_empty(session: Session) -> None:
    found = tuple(
        name
        for name, model in (("orders", Order), ("products", Product), ("users", User))
        if session.scalar(select(model.id).limit(1)) is not None
    )
    if found:
        raise DemoAlreadyPresent(found)


def _flushed_roles(session: Session) -> dict:
    roles = ensure_roles(session)
    session.flush()
    return roles


# --------------------------------------------------------------------------- writing


LOADING_CACHE_KIB = 256 * 1024


def _timestamp_formatter(dialect: str) -> _Timestamps:
    """Epoch seconds → the text the database stores for a UTC time (see ``_Timestamps``)."""
    return _Timestamps(dialect)


class _Timestamps:
    """Epoch seconds → the text the database stores for a UTC time.

    SQLite: what ``UTCDateTime`` writes (naive UTC, microseconds); PostgreSQL: a
    ``timestamptz`` literal for COPY. Millions of calls over a few hundred days: the date
    is cached per day and the time of day is one of 86,400 ready-made strings, so a stamp
    is one concatenation (``walk`` inlines even the call).
    """

    def __init__(self, dialect: str) -> None:
        suffix = ".000000" if dialect == "sqlite" else "+00"
        self.clock = [
            f"{h:02d}:{m:02d}:{s:02d}{suffix}"
            for h in range(24)
            for m in range(60)
            for s in range(60)
        ]
        self.days: dict[int, str] = {}

    def __call__(self, epoch_s: int) -> str:
        day, rest = divmod(epoch_s, _DAY)
        return (self.days.get(day) or self.date(day)) + self.clock[rest]

    def date(self, day: int) -> str:
        """ "YYYY-MM-DD " of the day ``day`` days after 1970-01-01."""
        text_ = self.days.get(day)
        if text_ is None:
            text_ = self.days[day] = time.strftime("%Y-%m-%d ", time.gmtime(day * _DAY))
        return text_


class _BulkWriter:
    """Writes tuples in the builder's column order into an empty database, fast.

    The ORM and Core ``insert()`` with dictionaries cost a few microseconds a row in
    Python; the demo writes millions of rows, so rows go straight to the driver:
    ``executemany`` with one prepared statement on SQLite, ``COPY`` on PostgreSQL.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self._statements: dict[str, str] = {}
        self._with_ids: list[str] = []

    def next_ids(self) -> dict[str, int]:
        """The first free id per table (tables other than orders may hold a few rows)."""
        ids = {}
        for name, table in _TABLES.items():
            if "id" in table.c:
                ids[name] = (self.connection.scalar(select(func.max(table.c.id))) or 0) + 1
        return ids

    def write_batch(self, batch: list[tuple[str, list[tuple]]]) -> None:
        for name, rows in batch:
            self.write(name, rows)

    def write(self, name: str, rows: list[tuple]) -> None:
        if not rows:
            return
        if name not in self._statements:
            self._statements[name] = self._statement(name)
            if "id" in _COLUMNS[name]:
                self._with_ids.append(name)
        if self.dialect == "postgresql":
            self._copy(self._statements[name], rows)
        else:
            self.connection.exec_driver_sql(self._statements[name], rows)

    def _statement(self, name: str) -> str:
        table, columns = _TABLES[name], _COLUMNS[name]
        unknown = [column for column in columns if column not in table.c]
        if unknown:
            raise ValueError(f"{name} has no column(s) {unknown}")
        quote = self.connection.dialect.identifier_preparer.quote
        names = ", ".join(quote(column) for column in columns)
        if self.dialect == "postgresql":
            return f"COPY {quote(name)} ({names}) FROM STDIN"
        marks = ", ".join("?" * len(columns))
        return f"INSERT INTO {quote(name)} ({names}) VALUES ({marks})"

    def _copy(self, statement: str, rows: list[tuple]) -> None:
        driver_connection = self.connection.connection.driver_connection
        with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def move_sequences_past_new_ids(self) -> None:
        """PostgreSQL hands out ids from sequences that did not see our explicit ids."""
        if self.dialect != "postgresql":
            return
        quote = self.connection.dialect.identifier_preparer.quote
        for name in self._with_ids:
            self.connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence(:table, 'id'), max_id) "
                    f"FROM (SELECT max(id) AS max_id FROM {quote(name)}) AS m "
                    f"WHERE max_id IS NOT NULL"
                ),
                {"table": name},
            )


def _demo_actors(ids: dict[str, int]) -> dict[Role, tuple[int, str]]:
    """(id, username) per role: the demo users as actors of the audit trail, known before
    their passwords are hashed. Takes the users' ids from ``ids``."""
    actors = {}
    for role, username, _ in _DEMO_STAFF:
        actors[role] = (ids["users"], username)
        ids["users"] += 1
    return actors


def _write_users(
    writer: _BulkWriter,
    users: list[_NewUser],
    role_ids: dict[str, int],
    actors: dict[Role, tuple[int, str]],
    now: dt.datetime,
) -> None:
    """The demo users and their roles, with the ids ``_demo_actors`` gave them."""
    created_at = _timestamp_formatter(writer.dialect)(int(now.timestamp()) - 200 * _DAY)
    user_rows, role_rows = [], []
    for user in users:
        user_id = actors[Role(user.role)][0]
        user_rows.append(
            (user_id, user.username, user.full_name, user.password_hash, True, 0, created_at, 1)
        )
        role_rows.append((user_id, role_ids[user.role]))
    writer.write_batch([("users", user_rows), ("user_roles", role_rows)])


@contextmanager
def _sqlite_loading_settings(connection: Connection) -> Iterator[None]:
    """SQLite settings for loading millions of rows into an empty database; put back after.

    Both pragmas only take effect outside a transaction, so this goes around the session's.

    * ``foreign_keys=OFF``: looking up each new row's parents was a tenth of the writing
      process's time. The builder makes every reference by construction (a test runs
      ``foreign_key_check``).
    * ``journal_mode=DELETE`` instead of WAL: in WAL every page is written twice (to the
      log, then checkpointed into the file). A rollback journal only saves pages that held
      data before the transaction, which in an empty database is almost none, and the load
      stays atomic: an error or a crash rolls the whole demo back. The price: other
      connections cannot read the file while the load commits, so it is only done when no
      other connection has the database open (else the load stays in WAL, slower).
      WAL goes back on afterwards, and is checked: the desks read while others write.
    * ``synchronous=OFF``: no waiting for the disk at commit. A power cut in the next
      seconds could corrupt the file -- which held no orders, products or users before.
    * a large page cache, so the indexes being filled stay in memory.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection

    def pragma(statement: str):
        row = driver.execute(f"PRAGMA {statement}").fetchone()
        return row[0] if row else None

    settings = ("foreign_keys", "synchronous", "cache_size", "busy_timeout")
    previous = {name: pragma(name) for name in settings}
    pragma("foreign_keys=OFF")
    pragma("synchronous=OFF")
    pragma(f"cache_size=-{LOADING_CACHE_KIB}")
    left_wal = _leave_wal_unless_shared(driver)
    try:
        yield
    finally:
        pragma(f"busy_timeout={previous['busy_timeout']}")
        if left_wal and pragma("journal_mode=WAL") != "wal":
            raise RuntimeError("the demo database could not be put back into WAL mode")
        for name in settings[:-1]:
            pragma(f"{name}={previous[name]}")


def _leave_wal_unless_shared(driver) -> bool:
    """Switch a WAL database to a rollback journal, unless another connection has it open
    (SQLite then refuses at once: the busy timeout is set to 0 for the attempt)."""
    if driver.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        return False
    driver.execute("PRAGMA busy_timeout=0")
    try:
        return driver.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
    except sqlite3.OperationalError:  # "database is locked": someone else is reading
        return False


# --------------------------------------------------------------------------- a worker process

# Below this, starting a second process costs more than it saves.
WORKER_FROM_ORDERS = 20_000

_MakeRows = Callable[
    [
        dict[str, int],
        dict[Role, tuple[int, str]],
        Callable[[list[tuple[str, list[tuple]]]], None],
        Callable[[], None],
        str,
    ],
    "_Counts",
]


@contextmanager
def _row_maker(
    seed: int, now: dt.datetime, orders: int, dialect: str, in_worker: bool
) -> Iterator[_MakeRows]:
    """``make_rows(ids, actors, write_batch, meanwhile)``: builds the demo's rows and hands
    each batch to ``write_batch``; returns the counts. ``meanwhile`` runs before the first
    batch, while the worker is already making rows.

    In a worker, the builder runs in a second process and sends its batches through a pipe
    while this process writes the previous one: generating and inserting each take about
    half the time, and desks have at least two cores. The worker is the same seeded,
    sequential builder, so its rows do not depend on timing.

    The worker is forked, on Linux only: it needs no imports and does not re-run the
    caller's main module (spawn would, and fails in a script without a main guard). It only
    runs the builder -- no database, no locks, no Qt -- and leaves through ``os._exit``, so
    the connections it inherits are never touched. macOS and Windows make the rows in this
    process: the same rows, a little slower.
    """
    if not (in_worker and sys.platform == "linux"):

        def make_rows_here(ids, actors, write_batch, meanwhile, audit_head) -> _Counts:
            meanwhile()
            sink = _AuditChainer(audit_head, dialect, write_batch)
            return _DemoBuilder(random.Random(seed), now, dialect, ids, actors, sink).build(orders)

        yield make_rows_here
        return
    context = multiprocessing.get_context("fork")
    workers: list[multiprocessing.process.BaseProcess] = []

    def make_rows(ids, actors, write_batch, meanwhile, audit_head) -> _Counts:
        ours, theirs = context.Pipe(duplex=False)
        worker = context.Process(
            target=_make_rows_in_worker,
            args=(theirs, seed, now, orders, dialect, ids, actors, audit_head),
            name="orderdesk-demo-rows",
            daemon=True,
        )
        worker.start()
        workers.append(worker)
        theirs.close()  # so that a worker that dies shows up here as end of file
        with ours:
            meanwhile()
            while (batch := marshal.loads(ours.recv_bytes())) is not None:
                write_batch(batch)
            outcome = ours.recv()
        if isinstance(outcome, str):
            raise RuntimeError(f"the demo worker failed:\n{outcome}")
        return outcome

    try:
        yield make_rows
    finally:
        for worker in workers:
            if worker.is_alive():  # only when writing failed: the worker waits to send
                worker.terminate()
            worker.join()


def _make_rows_in_worker(
    pipe: multiprocessing.connection.Connection,
    seed: int,
    now: dt.datetime,
    orders: int,
    dialect: str,
    ids: dict[str, int],
    actors: dict[Role, tuple[int, str]],
    audit_head: str,
) -> None:
    """The worker's side: build and send each batch, then ``None`` and the counts (or the
    traceback: an exception would not cross the pipe with its cause).

    Batches go as ``marshal`` bytes: plain lists of tuples of str, int, bool and None are
    all it has to carry, and it is ten times faster than pickle, which memoizes every string.
    """
    gc.disable()  # a short-lived process making millions of acyclic tuples

    def send(batch: list[tuple[str, list[tuple]]]) -> None:
        pipe.send_bytes(marshal.dumps(batch))

    try:
        sink = _AuditChainer(audit_head, dialect, send)
        outcome: _Counts | str = _DemoBuilder(
            random.Random(seed), now, dialect, ids, actors, sink
        ).build(orders)
    except Exception:
        outcome = traceback.format_exc()
    pipe.send_bytes(marshal.dumps(None))
    pipe.send(outcome)


class _AuditChainer:
    """Adds the hash chain (app/audit/rules.py) to the audit events of each batch on its
    way to ``sink``. The builder makes events in id order, so the chain follows the ids;
    in the worker, so the hashing costs the writing process nothing."""

    def __init__(self, head: str, dialect: str, sink: Callable[[list], None]) -> None:
        self.prev = head
        self.sink = sink
        # The builder's time text as the chain writes it: "YYYY-MM-DD HH:MM:SS.ffffff".
        self.chain_time = (
            (lambda at: at) if dialect == "sqlite" else (lambda at: at[:19] + ".000000")
        )

    def __call__(self, batch: list[tuple[str, list[tuple]]]) -> None:
        self.sink(
            [(name, self.chain(rows) if name == "audit_events" else rows) for name, rows in batch]
        )

    def chain(self, rows: list[tuple]) -> list[tuple]:
        chained = []
        prev, chain_time, link_ = self.prev, self.chain_time, audit_link
        for row in rows:
            current = link_(prev, (row[0], chain_time(row[1]), *row[2:], None))
            chained.append((*row, prev, current))
            prev = current
        self.prev = prev
        return chained


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


class _DemoBuilder:
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
        # (product, warehouse, units, order, time, order line, shipment line)
        self.reservations: list[tuple[int, int, int, int, str, int, int]] = []
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
        ) in self.reservations:
            lots = self.lots.setdefault((product_id, warehouse_id), [])
            if not lots:
                # Sold out since: the last units are the ones this order holds.
                received = self.today - dt.timedelta(days=self.rng.randint(20, 170))
                bin_id = self.pick(self.bins[warehouse_id])
                lots.append(_Lot(0, product_id, warehouse_id, bin_id, 0, received))
            lots.sort(key=lambda lot: lot.received)
            for lot, units in reserve_oldest_first(lots, quantity):
                reserve_moves.append((lot, units, order_id, at, line, shipment_line))
        self.add_quants_and_receipts()
        (warehouse_actor, _) = self.actors[Role.WAREHOUSE]
        for lot, units, order_id, at, line, shipment_line in reserve_moves:
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
                    units,
                    0,
                    0,
                    "open",
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
                        lot.on_hand,
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
                         line_ids[position], shipment_line_id)
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
        free = lot.on_hand - lot.reserved
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
