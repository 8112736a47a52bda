"""Reads of the shop counter: customers and products as a clerk means them, what the store
has free, and the facts the draft's checks need.

Each takes the database (a fresh short read), a unit of work or a session, so a screen
never holds a session.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.address import PostalAddress
from app.counter.model import (
    MIN_SEARCH_CHARS,
    SEARCH_LIMIT,
    CustomerMatch,
    ProductFacts,
    ProductMatch,
)
from app.errors import NotFound
from app.permissions import Actor, Permission, require
from app.search.text import LIKE_ESCAPE, contains_pattern, search_text
from db.models import Address, Customer, Product, StockQuant, Warehouse


@contextmanager
def reading(source) -> Iterator[Session]:
    """A session on ``source``: a database (a unit of work opened and closed here), a unit
    of work or a session (used as it is)."""
    if hasattr(source, "unit_of_work"):
        with source.unit_of_work() as uow:
            yield uow.session
    else:
        yield getattr(source, "session", source)


def find_customers(
    source, actor: Actor, text: str, limit: int = SEARCH_LIMIT
) -> list[CustomerMatch]:
    """Customers a clerk means by ``text``: the forgiving search of every desk (part of a
    name or e-mail, accents and Chinese script folded, a phone number in any form)."""
    from app.search.customers import customer_search_condition

    require(actor, Permission.SELL_AT_COUNTER)
    needle = search_text(text).lower()
    # One Chinese character is a surname worth searching; one Latin letter is not.
    if not needle or (len(needle) < MIN_SEARCH_CHARS and needle.isascii()):
        return []
    with reading(source) as session:
        condition = customer_search_condition(session, needle)
        if condition is None:
            return []
        customers = session.execute(
            select(
                Customer.id,
                Customer.name,
                Customer.phone,
                Customer.email,
                Customer.language,
                Customer.status,
            )
            .where(condition)
            .order_by(Customer.name, Customer.id)
            .limit(limit)
        ).all()
        addresses = _latest_addresses(session, [row.id for row in customers])
    return [
        CustomerMatch(
            id=row.id,
            name=row.name,
            phone=row.phone or "",
            email=row.email or "",
            language=row.language,
            status=row.status,
            address=addresses.get(row.id),
        )
        for row in customers
    ]


def _latest_addresses(session: Session, customer_ids: list[int]) -> dict[int, PostalAddress]:
    if not customer_ids:
        return {}
    found: dict[int, PostalAddress] = {}
    rows = session.scalars(
        select(Address)
        .where(Address.customer_id.in_(customer_ids))
        # The default first, then the newest: the first seen per customer wins.
        .order_by(Address.customer_id, Address.is_default.desc(), Address.id.desc())
    )
    for address in rows:
        found.setdefault(
            address.customer_id,
            PostalAddress(
                recipient=address.recipient,
                line1=address.line1,
                line2=address.line2,
                city=address.city,
                region=address.region,
                postal_code=address.postal_code,
                country_code=address.country_code,
                phone=address.phone or "",
            ),
        )
    return found


_PRODUCT_COLUMNS = (
    Product.id,
    Product.sku,
    Product.name,
    Product.spec,
    Product.barcode,
    Product.price_cents,
    Product.currency,
)


def _product(row) -> ProductMatch:
    return ProductMatch(
        id=row.id,
        sku=row.sku,
        name=row.name,
        spec=row.spec,
        barcode=row.barcode or "",
        price_cents=row.price_cents,
        currency=row.currency,
    )


def product_for_code(source, actor: Actor, code: str) -> ProductMatch | None:
    """The active product a scanned barcode or a typed SKU names exactly, if any."""
    require(actor, Permission.SELL_AT_COUNTER)
    code = code.strip()
    if not code:
        return None
    with reading(source) as session:
        return _exact_product(session, code)


def _exact_product(session: Session, code: str) -> ProductMatch | None:
    condition = Product.barcode == code if code.isdigit() else Product.sku == code.upper()
    row = session.execute(
        select(*_PRODUCT_COLUMNS).where(condition, Product.active.is_(True))
    ).first()
    if row is None and code.isdigit():  # an all-digit SKU
        row = session.execute(
            select(*_PRODUCT_COLUMNS).where(Product.sku == code, Product.active.is_(True))
        ).first()
    return _product(row) if row else None


def find_products(source, actor: Actor, text: str, limit: int = SEARCH_LIMIT) -> list[ProductMatch]:
    """Active products: an exact barcode or SKU, then SKUs starting with ``text``, then
    names containing it (the catalogue is thousands of rows, not millions)."""
    require(actor, Permission.SELL_AT_COUNTER)
    needle = search_text(text)
    if not needle:
        return []
    with reading(source) as session:
        found: dict[int, ProductMatch] = {}
        exact = _exact_product(session, needle)
        if exact is not None:
            found[exact.id] = exact
        sku = needle.upper()
        for condition in (
            Product.sku.between(sku, sku + "\uffff"),
            func.lower(Product.name).like(contains_pattern(needle), escape=LIKE_ESCAPE),
        ):
            if len(found) >= limit:
                break
            rows = session.execute(
                select(*_PRODUCT_COLUMNS)
                .where(condition, Product.active.is_(True))
                .order_by(Product.sku)
                .limit(limit)
            )
            for row in rows:
                found.setdefault(row.id, _product(row))
    return list(found.values())[:limit]


def list_price(source, actor: Actor, product_id: int) -> tuple[int, str]:
    """(price in minor units, currency) from the price list."""
    require(actor, Permission.SELL_AT_COUNTER)
    with reading(source) as session:
        row = session.execute(
            select(Product.price_cents, Product.currency).where(Product.id == product_id)
        ).first()
    if row is None:
        raise NotFound("product", product_id)
    return row.price_cents, row.currency


def store_stock(
    source, actor: Actor, store_code: str, product_ids: Iterable[int]
) -> dict[int, int]:
    """Units of each product the store has free now (on hand less reserved), from the
    warehouse whose code is the store's; empty when the store keeps no stock of its own."""
    require(actor, Permission.SELL_AT_COUNTER)
    with reading(source) as session:
        return _store_available(session, store_code, set(product_ids))


def _store_available(session: Session, store_code: str, product_ids: set[int]) -> dict[int, int]:
    if not product_ids or not store_code.strip():
        return {}
    store = session.scalar(select(Warehouse.id).where(Warehouse.code == store_code.strip().upper()))
    if store is None:
        return {}
    free = func.coalesce(func.sum(StockQuant.on_hand - StockQuant.reserved), 0)
    rows = session.execute(
        select(StockQuant.product_id, free)
        .where(StockQuant.warehouse_id == store, StockQuant.product_id.in_(sorted(product_ids)))
        .group_by(StockQuant.product_id)
    ).all()
    available = dict.fromkeys(product_ids, 0)
    available.update({product_id: int(units) for product_id, units in rows})
    return available


def catalogue_facts(
    session: Session, product_ids: Iterable[int], store_code: str | None
) -> dict[int, ProductFacts]:
    """The facts the draft's checks need about ``product_ids``; with ``store_code`` (a sale
    collected in the store) also what the store has free."""
    ids = sorted(set(product_ids))
    rows = session.execute(
        select(
            Product.id, Product.sku, Product.price_cents, Product.currency, Product.active
        ).where(Product.id.in_(ids))
    ).all()
    available = _store_available(session, store_code, set(ids)) if store_code else {}
    return {
        row.id: ProductFacts(
            id=row.id,
            sku=row.sku,
            price_cents=row.price_cents,
            currency=row.currency,
            active=bool(row.active),
            available=available.get(row.id),
        )
        for row in rows
    }
