"""Price lists per marketplace: what a supervisor keeps, and what intake reads to price a
report without amounts (see ``matching``). Verbs take the database and the actor; reads
take a session (the import's batch) or the database (CLI, screens).

A price list file is a CSV with the columns ``sku`` and ``price`` (a plain decimal in the
list's currency). Importing it replaces the whole list in one transaction: a bad row (an
unknown SKU, an unreadable price) names its row, and nothing is written.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.bulk.insert import bulk_insert
from app.database import Database
from app.errors import InvalidInput
from app.formats.common import parse_currency
from app.formats.delimited import choose_encoding, iter_lines, read_head
from app.i18n import N_
from app.i18n import Sentence as S
from app.intake.matching import PriceListFacts
from app.money import parse_amount
from app.permissions import Actor, Permission, require
from db.models import Product, utcnow
from db.models_intake import ChannelMarketplace, PriceList, PriceListPrice

# Who keeps price lists: those who may sell off the list price (supervisors).
KEEP_PRICE_LISTS = Permission.OVERRIDE_PRICES
_MARKETPLACE = re.compile(r"^[A-Z]{2,8}$")


@dataclass(frozen=True)
class PriceListImported:
    marketplace: str
    currency: str
    prices: int


@dataclass(frozen=True)
class PriceRow:
    sku: str
    name: str
    unit_price_cents: int


@dataclass(frozen=True)
class PriceListView:
    marketplace: str
    currency: str
    updated_by: str
    prices: tuple[PriceRow, ...]


def marketplace_code(text: str) -> str:
    code = text.strip().upper()
    if not _MARKETPLACE.match(code):
        raise InvalidInput("marketplace", text, N_("a marketplace code such as UK, DE or US"))
    return code


# --------------------------------------------------------------------------- verbs


def import_price_list(
    database: Database, actor: Actor, marketplace: str, currency: str, path: Path | str
) -> PriceListImported:
    """Replace ``marketplace``'s price list with the prices in the CSV at ``path``."""
    require(actor, KEEP_PRICE_LISTS)
    marketplace = marketplace_code(marketplace)
    currency = _currency(currency)
    prices = read_price_file(Path(path), currency)
    with database.unit_of_work() as uow:
        session = uow.session
        known = {
            sku: product_id
            for sku, product_id in session.execute(
                select(Product.sku, Product.id).where(Product.sku.in_(prices))
            )
        }
        for sku, (row, _cents) in prices.items():
            if sku not in known:
                raise InvalidInput(_row_field(row, "sku"), sku, N_("a SKU of the catalogue"))
        price_list = session.scalar(select(PriceList).where(PriceList.marketplace == marketplace))
        if price_list is None:
            price_list = PriceList(marketplace=marketplace, currency=currency)
            session.add(price_list)
        price_list.currency = currency
        price_list.updated_at = utcnow()
        price_list.updated_by = actor.username
        uow.flush()
        session.execute(delete(PriceListPrice).where(PriceListPrice.price_list_id == price_list.id))
        bulk_insert(
            session,
            PriceListPrice.__table__,  # type: ignore[arg-type]
            [
                {"product_id": known[sku], "unit_price_cents": cents}
                for sku, (_row, cents) in prices.items()
            ],
            same={"price_list_id": price_list.id},
        )
        record_event(
            session,
            actor,
            entity_type="price_list",
            entity_id=price_list.id,
            action="price_list_imported",
            detail={"marketplace": marketplace, "currency": currency, "prices": len(prices)},
        )
        uow.commit()
    return PriceListImported(marketplace, currency, len(prices))


def set_channel_marketplace(
    database: Database, actor: Actor, channel: str, marketplace: str
) -> None:
    """The marketplace an account (a channel name such as ``amazon-uk``) sells on."""
    require(actor, KEEP_PRICE_LISTS)
    channel = channel.strip()
    if not 0 < len(channel) <= 40:
        raise InvalidInput("channel", channel, S("a name of 1 to {n} characters", n=40))
    marketplace = marketplace_code(marketplace)
    with database.unit_of_work() as uow:
        row = uow.session.get(ChannelMarketplace, channel)
        before = row.marketplace if row else None
        if row is None:
            uow.session.add(ChannelMarketplace(channel=channel, marketplace=marketplace))
        else:
            row.marketplace = marketplace
        record_event(
            uow.session,
            actor,
            entity_type="channel",
            entity_id=0,
            action="marketplace_set",
            from_state=before,
            to_state=marketplace,
            detail={"channel": channel},
        )
        uow.commit()


def _row_field(row: int, column: str) -> str:
    return S("row {row}: {column}", row=row, column=column)


def _currency(text: str) -> str:
    from app.formats.common import RowError

    try:
        return parse_currency(text)
    except RowError:
        raise InvalidInput("currency", text, N_("a three-letter ISO 4217 code")) from None


# --------------------------------------------------------------------------- the file


def _checked_lines(path: Path) -> Iterator[str]:
    """The file's lines; an over-long or undecodable line (flagged by ``iter_lines``, never
    held whole) stops the import with its row number before ``csv`` sees it."""
    for row_no, line in enumerate(iter_lines(path, choose_encoding(read_head(path))), start=1):
        problem = getattr(line, "problem", None)
        if problem:
            raise InvalidInput(S("row {row}", row=row_no), "…", N_("a line of a SKU and a price"))
        yield line


def read_price_file(path: Path, currency: str) -> dict[str, tuple[int, int]]:
    """SKU → (row, unit price in minor units), from a ``sku,price`` CSV; names a bad row."""
    rows = csv.reader(_checked_lines(path))
    header = [name.strip().lower() for name in next(rows, [])]
    if "sku" not in header or "price" not in header:
        raise InvalidInput("header", ",".join(header), N_("the columns sku and price"))
    at_sku, at_price = header.index("sku"), header.index("price")
    prices: dict[str, tuple[int, int]] = {}
    for row_no, cells in enumerate(rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            # "24,90" is two cells: a decimal comma read as a price of 24 would be wrong.
            raise InvalidInput(
                S("row {row}", row=row_no),
                ",".join(cells),
                S("{n} cells, as the header has", n=len(header)),
            )
        sku, price = cells[at_sku].strip(), cells[at_price].strip()
        if not sku:
            raise InvalidInput(_row_field(row_no, "sku"), sku, N_("a SKU of the catalogue"))
        cents = parse_amount(price, currency, _row_field(row_no, "price"))
        if cents < 0:
            raise InvalidInput(_row_field(row_no, "price"), price, N_("a price of 0 or more"))
        if sku in prices:
            raise InvalidInput(
                _row_field(row_no, "sku"), sku, N_("each SKU once (it is also on an earlier row)")
            )
        prices[sku] = (row_no, cents)
    return prices


# --------------------------------------------------------------------------- reads


def channel_marketplaces(session: Session) -> dict[str, str]:
    query = select(ChannelMarketplace.channel, ChannelMarketplace.marketplace)
    return {channel: marketplace for channel, marketplace in session.execute(query)}


def price_list_facts(
    session: Session, marketplaces: Iterable[str]
) -> dict[str, PriceListFacts | None]:
    """The price lists of ``marketplaces`` (None for a marketplace that has none)."""
    wanted = sorted(set(marketplaces))
    found: dict[str, PriceListFacts | None] = dict.fromkeys(wanted)
    lists = session.execute(
        select(PriceList.id, PriceList.marketplace, PriceList.currency).where(
            PriceList.marketplace.in_(wanted)
        )
    ).all()
    for list_id, marketplace, currency in lists:
        query = (
            select(Product.sku, PriceListPrice.unit_price_cents)
            .join(Product, Product.id == PriceListPrice.product_id)
            .where(PriceListPrice.price_list_id == list_id)
        )
        prices = {sku: cents for sku, cents in session.execute(query)}
        found[marketplace] = PriceListFacts(marketplace, currency, prices)
    return found


def show_price_list(database: Database, marketplace: str) -> PriceListView | None:
    marketplace = marketplace_code(marketplace)
    with database.unit_of_work() as uow:
        session = uow.session
        head = session.execute(
            select(PriceList.id, PriceList.currency, PriceList.updated_by).where(
                PriceList.marketplace == marketplace
            )
        ).first()
        if head is None:
            return None
        rows = session.execute(
            select(Product.sku, Product.name, PriceListPrice.unit_price_cents)
            .join(Product, Product.id == PriceListPrice.product_id)
            .where(PriceListPrice.price_list_id == head.id)
            .order_by(Product.sku)
        )
        prices = tuple(PriceRow(sku, name, cents) for sku, name, cents in rows)
    return PriceListView(marketplace, head.currency, head.updated_by, prices)
