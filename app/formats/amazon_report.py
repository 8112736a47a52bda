"""Amazon Seller Central order reports (flat files): one row per order item.

Layouts read (all matched by header name, case-insensitively; unknown columns ignored,
optional ones may be absent): the Orders report ``GET_FLAT_FILE_ORDERS_DATA``, Unshipped
Orders ``GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING``, All Orders / archived orders
``GET_FLAT_FILE_ALL_ORDERS_DATA…`` and Amazon Fulfilled Shipments
``GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL``. Amazon delivers them tab-separated;
comma-separated copies (as some tools store them) are recognised from the header.

Rules that matter:
- ``item-price`` is the amount for the whole quantity, not a unit price; shipping,
  tax and promotion amounts are per item row and add up over the order's rows.
- Ids stay text: leading zeros, ``S01-`` multi-channel ids and odd shapes are kept as sent.
- Amazon-fulfilled (AFN) and cancelled orders are read and marked, so intake can leave
  them out of our warehouse; a cancelled item row of a live order is left out of it.
- An order whose rows disagree on order-level fields (buyer, address, dates, currency,
  status) is rejected whole: one of the rows belongs to another order or is corrupt.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.address import PostalAddress
from app.formats.common import (
    NO_CURRENCY,
    Buyer,
    IncomingLine,
    IncomingOrder,
    ReadItem,
    RowError,
    ShipToColumns,
    checked_amounts,
    clean_text,
    fit,
    implausible_time_note,
    normalise_email,
    parse_bool,
    parse_currency,
    parse_money,
    parse_quantity,
    parse_time,
    prices_include_tax,
    read_ship_to,
    reject_whole,
    requested_service,
    require_id,
)
from app.formats.delimited import Layout, Record, group_records, open_layout, scan_keys
from app.formats.stream import OrderStream, SourceOrder, rows_digest
from app.i18n import Sentence as S

FORMAT = "amazon-report"
DEFAULT_CHANNEL = "amazon"

ORDER_ID = ("order-id", "amazon-order-id")
REQUIRED = {
    "order-id": ORDER_ID,
    "sku": ("sku",),
    # Unshipped Orders: quantity-to-ship is what our warehouse ships (quantity-shipped
    # already left); older reports have only quantity-purchased. A fulfilled-shipments
    # report (Amazon's own warehouses) has nothing but quantity-shipped: the quantity of
    # that shipment, read only when no other quantity column is there.
    "quantity-purchased": (
        "quantity-to-ship",
        "quantity-purchased",
        "quantity",
        "quantity-shipped",
    ),
}
OPTIONAL = {
    "order-item-id": ("order-item-id", "amazon-order-item-id"),
    "purchase-date": ("purchase-date",),
    "payments-date": ("payments-date",),
    "buyer-email": ("buyer-email",),
    "buyer-name": ("buyer-name",),
    "buyer-phone-number": ("buyer-phone-number",),
    "product-name": ("product-name",),
    "currency": ("currency",),
    "item-price": ("item-price",),
    "item-tax": ("item-tax",),
    "shipping-price": ("shipping-price",),
    "shipping-tax": ("shipping-tax",),
    "gift-wrap-price": ("gift-wrap-price",),
    "gift-wrap-tax": ("gift-wrap-tax",),
    "item-promotion-discount": ("item-promotion-discount",),
    "ship-promotion-discount": ("ship-promotion-discount",),
    "ship-service-level": ("ship-service-level",),
    "recipient-name": ("recipient-name",),
    "ship-address-1": ("ship-address-1",),
    "ship-address-2": ("ship-address-2",),
    "ship-address-3": ("ship-address-3",),
    "ship-city": ("ship-city",),
    "ship-state": ("ship-state",),
    "ship-postal-code": ("ship-postal-code",),
    "ship-country": ("ship-country",),
    "ship-phone-number": ("ship-phone-number",),
    "order-status": ("order-status",),
    "item-status": ("item-status",),
    "fulfillment-channel": ("fulfillment-channel",),
    "sales-channel": ("sales-channel",),
    "latest-ship-date": ("latest-ship-date", "promise-date"),
    # Unshipped Orders; the newer columns are missing from older downloads.
    "is-business-order": ("is-business-order",),
    "purchase-order-number": ("purchase-order-number",),
    "is-buyer-requested-cancellation": ("is-buyer-requested-cancellation",),
    "verge-of-lateshipment": ("verge-of-lateshipment",),
    # Written per item when the buyer marked it a gift (with gift options enabled).
    "is-gift": ("is-gift",),
    "gift-message-text": ("gift-message-text", "gift-message"),
    # When the channel last updated the order (All Orders), or made the report (Unshipped).
    "last-updated-date": ("last-updated-date", "reporting-date"),
}
# Fields every row of one order must agree on.
ORDER_LEVEL = (
    "purchase-date",
    "payments-date",
    "buyer-email",
    "buyer-name",
    "buyer-phone-number",
    "currency",
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
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "is-business-order",
    "purchase-order-number",
)
# Flags an order has when any of its item rows says so (Amazon writes them per item).
ANY_ROW_FLAGS = ("is-buyer-requested-cancellation", "verge-of-lateshipment", "is-gift")
# Columns read once per order (from its first row) and once per item row.
ORDER_FIELDS = ORDER_LEVEL
LINE_FIELDS = (
    "order-item-id",
    "sku",
    "product-name",
    "quantity-purchased",
    "item-status",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "gift-wrap-price",
    "gift-wrap-tax",
    "item-promotion-discount",
    "ship-promotion-discount",
)
MONEY_FIELDS = (
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "gift-wrap-price",
    "gift-wrap-tax",
    "item-promotion-discount",
    "ship-promotion-discount",
)
AMAZON_FULFILLED = frozenset({"afn", "amazon"})
# Columns only the Amazon Fulfilled Shipments report has: every row in it is AFN.
FBA_SHIPMENT_COLUMNS = ("shipment-id", "fulfillment-center-id")
AMAZON_ORDER_ID = re.compile(r"^(\d{3}|S\d{2})-\d{7}-\d{7}$")
CANCELLED = frozenset({"cancelled", "canceled"})
NOT_PAID = frozenset({"pending", "pendingavailability"})


SHIP_TO_COLUMNS = ShipToColumns(
    recipient="recipient-name",
    line1="ship-address-1",
    line2="ship-address-2",
    line3="ship-address-3",
    city="ship-city",
    region="ship-state",
    postal_code="ship-postal-code",
    country_code="ship-country",
    phone="ship-phone-number",
)


@dataclass(frozen=True)
class Columns:
    """Positions of the known columns in this file (None: the column is absent)."""

    at: dict[str, int | None]
    order_level: tuple[tuple[str, int], ...]
    all_amazon_fulfilled: bool

    @classmethod
    def of(cls, layout: Layout) -> Columns:
        at = {name: layout.find(*aliases) for name, aliases in (REQUIRED | OPTIONAL).items()}
        order_level = tuple((name, at[name]) for name in ORDER_LEVEL if at[name] is not None)
        fba = all(layout.find(name) is not None for name in FBA_SHIPMENT_COLUMNS)
        return cls(at, order_level, fba)  # type: ignore[arg-type]


def open_report(path: Path | str, encoding: str | None = None) -> Layout:
    return open_layout(Path(path), key_names=ORDER_ID, required=REQUIRED, named=encoding)


def read(path: Path | str, channel: str | None = None, encoding: str | None = None) -> OrderStream:
    """Stream the orders of an order report; raises ``FormatError`` if it cannot be read.

    ``encoding``: the file's legacy code page, when it is not UTF-8 (see ``delimited``)."""
    layout = open_report(path, encoding)
    columns = Columns.of(layout)
    key_index = columns.at["order-id"]
    assert key_index is not None
    grouping = scan_keys(layout, key_index)
    reader = _ReportReader(columns, channel or DEFAULT_CHANNEL, dt.datetime.now(dt.UTC))

    def sources() -> Iterator[SourceOrder]:
        for order_id, records in group_records(layout, key_index, grouping):
            yield reader.source(order_id, records)

    return OrderStream(FORMAT, layout.header, grouping.total_rows, sources())


# Which order facts each column carries (the names of ``app.intake.channel_updates``):
# a fact whose columns a layout lacks is not compared when an order is read again.
FACT_COLUMNS = {
    "ship_to.name": ("recipient-name",),
    "ship_to.line1": ("ship-address-1",),
    "ship_to.line2": ("ship-address-2",),
    "ship_to.line3": ("ship-address-3",),
    "ship_to.city": ("ship-city",),
    "ship_to.region": ("ship-state",),
    "ship_to.postal_code": ("ship-postal-code",),
    "ship_to.country_code": ("ship-country",),
    "ship_to.phone": ("ship-phone-number",),
    "paid": ("payments-date", "order-status"),
    "purchased_at": ("purchase-date",),
    "ship_by": ("latest-ship-date",),
    "service": ("ship-service-level",),
    "business": ("is-business-order",),
    "purchase_order_number": ("purchase-order-number",),
    "buyer_cancellation": ("is-buyer-requested-cancellation",),
    "late": ("verge-of-lateshipment",),
    "amounts.gift_wrap": ("gift-wrap-price",),
    "amounts.discount": ("item-promotion-discount", "ship-promotion-discount"),
}


def known_facts(header: Sequence[str]) -> frozenset[str]:
    """The order facts a report with this header carries (see ``FACT_COLUMNS``)."""
    names = {name.strip().lower() for name in header}
    aliases = REQUIRED | OPTIONAL
    return frozenset(
        fact
        for fact, columns in FACT_COLUMNS.items()
        if any(alias in names for column in columns for alias in aliases[column])
    )


class _ReportReader:
    def __init__(self, columns: Columns, channel: str, now: dt.datetime) -> None:
        self.columns = columns
        self.channel = channel
        self.now = now
        self.order_cells = _Picker(columns, ORDER_FIELDS)
        self.line_cells = _Picker(columns, LINE_FIELDS)
        self.money_present = tuple(name for name in MONEY_FIELDS if columns.at[name] is not None)

    def source(self, order_id: str | None, records: list[Record]) -> SourceOrder:
        order_id = order_id.strip() if order_id else None
        digest = rows_digest(FORMAT, self.channel, [record.cells for record in records])
        return SourceOrder(
            self.channel, order_id, digest, len(records), lambda: self.order(order_id, records)
        )

    def order(self, order_id: str | None, records: list[Record]) -> ReadItem:
        raw = [(record.row, tuple(record.cells)) for record in records]
        for record in records:
            if not record.width_ok:
                return reject_whole(order_id, raw, record.row, f"row {record.problem}")
        if order_id is None:
            return reject_whole(None, raw, records[0].row, "order-id is empty")
        try:
            try:
                require_id(clean_text(order_id), "channel_order_id", "order-id")
            except RowError as error:
                raise _BadRow(records[0].row, error.reason) from error
            self.check_siblings_agree(records)
            order = self.build(clean_text(order_id), records)
            try:
                return checked_amounts(order)
            except RowError as error:
                raise _BadRow(records[0].row, error.reason) from error
        except _BadRow as bad:
            return reject_whole(order_id, raw, bad.row, bad.reason)

    def check_siblings_agree(self, records: list[Record]) -> None:
        if len(records) == 1:
            return
        first = records[0]
        for name, index in self.columns.order_level:
            expected = first.cells[index].strip()
            for record in records[1:]:
                found = record.cells[index].strip()
                if found != expected:
                    raise _BadRow(
                        record.row,
                        f"{name} {found!r} differs from {expected!r} on row {first.row} "
                        "of the same order",
                    )

    def build(self, order_id: str, records: list[Record]) -> IncomingOrder:
        first = records[0]
        notes: list[str] = []
        if self.channel == DEFAULT_CHANNEL and not AMAZON_ORDER_ID.match(order_id):
            notes.append(f"order id {order_id!r} is not in Amazon's 123-1234567-1234567 form")
        try:
            header = self.order_fields(first, notes)
        except RowError as error:
            raise _BadRow(first.row, error.reason) from error
        lines: list[IncomingLine] = []
        for record in records:
            try:
                line = self.line(record, header.currency, header.cancelled, notes)
            except RowError as error:
                raise _BadRow(record.row, error.reason) from error
            if line is not None:
                lines.append(line)
        notes.extend(record.note for record in records if record.note)
        cancelled = header.cancelled or not lines
        if not lines:
            notes.append("every item of the order is cancelled")
        return IncomingOrder(
            channel=self.channel,
            channel_order_id=order_id,
            currency=header.currency,
            lines=tuple(lines),
            buyer=header.buyer,
            ship_to=header.ship_to,
            purchased_at=header.purchased_at,
            ship_by_at=self.ship_by(records),
            paid_at=header.paid_at,
            is_paid=header.is_paid,
            requested_service=requested_service(header.service),
            tax_included=prices_include_tax(header.currency),
            fulfilled_by_channel=header.afn,
            cancelled=cancelled,
            is_business_order=header.business,
            purchase_order_number=header.purchase_order_number,
            buyer_requested_cancellation=self.any_row_says(
                records, "is-buyer-requested-cancellation"
            ),
            verge_of_late_shipment=self.any_row_says(records, "verge-of-lateshipment"),
            is_gift=self.any_row_says(records, "is-gift"),
            gift_message=self.gift_message(records, notes),
            channel_updated_at=self.updated_at(records, notes),
            rows=tuple(record.row for record in records),
            notes=tuple(dict.fromkeys(notes)),
        )

    def order_fields(self, record: Record, notes: list[str]) -> _OrderFields:
        cell = self.order_cells.values(record).__getitem__
        currency = self.currency(cell, self.line_cells.values(record).__getitem__)
        purchased_at = parse_time(cell("purchase-date"), "purchase-date")
        paid_at = parse_time(cell("payments-date"), "payments-date")
        note = implausible_time_note(purchased_at, "purchase-date", self.now)
        if note:
            notes.append(note)
        status = cell("order-status").lower()
        if self.columns.at["payments-date"] is not None:
            is_paid = paid_at is not None
        else:
            is_paid = self.columns.at["order-status"] is not None and status not in NOT_PAID
        email = cell("buyer-email")
        buyer = Buyer(
            name=fit(cell("buyer-name"), "name", notes, "buyer-name"),
            email=normalise_email(email),
            phone=fit(cell("buyer-phone-number"), "phone", notes, "buyer-phone-number") or None,
            channel_buyer_id=fit(f"{self.channel}:{email}", "channel_buyer_id", notes, "buyer")
            if email
            else None,
        )
        ship_to = read_ship_to(cell, SHIP_TO_COLUMNS, notes)
        return _OrderFields(
            currency=currency,
            purchased_at=purchased_at,
            paid_at=paid_at if is_paid else None,
            is_paid=is_paid,
            buyer=buyer,
            ship_to=ship_to,
            service=cell("ship-service-level"),
            afn=self.columns.all_amazon_fulfilled
            or cell("fulfillment-channel").lower() in AMAZON_FULFILLED,
            cancelled=status in CANCELLED,
            business=parse_bool(cell("is-business-order"), "is-business-order"),
            purchase_order_number=fit(
                cell("purchase-order-number"),
                "purchase_order_number",
                notes,
                "purchase-order-number",
            )
            or None,
        )

    def currency(self, cell: Callable[[str], str], line_cell: Callable[[str], str]) -> str:
        text = cell("currency")
        if text:
            return parse_currency(text)
        if any(line_cell(name) for name in MONEY_FIELDS):
            raise RowError(S("the row has amounts but no currency"))
        return NO_CURRENCY  # the report carries no money (e.g. Unshipped Orders)

    def line(
        self, record: Record, currency: str, order_cancelled: bool, notes: list[str]
    ) -> IncomingLine | None:
        cell = self.line_cells.values(record).__getitem__
        item_cancelled = cell("item-status").lower() in CANCELLED
        quantity_text = cell("quantity-purchased")
        item_id = cell("order-item-id")
        if item_cancelled and not order_cancelled:
            notes.append(f"item {item_id or cell('sku')} cancelled by the channel; left out")
        if (order_cancelled or item_cancelled) and quantity_text in ("0", ""):
            return None  # Amazon reports a cancelled item with quantity 0
        sku = require_id(cell("sku"), "sku", "sku")
        quantity = parse_quantity(quantity_text, "quantity")
        if item_id:
            require_id(item_id, "channel_line_id", "order-item-id")
        money = dict.fromkeys(MONEY_FIELDS, 0)
        for name in self.money_present:
            money[name] = parse_money(cell(name), currency, name)
        if item_cancelled and not order_cancelled:
            return None
        return IncomingLine(
            row=record.row,
            sku=sku,
            product_name=fit(cell("product-name"), "product_name", notes, "product-name"),
            quantity=quantity,
            line_total_minor=money["item-price"],
            tax_minor=money["item-tax"] + money["gift-wrap-tax"],
            shipping_minor=money["shipping-price"],
            shipping_tax_minor=money["shipping-tax"],
            # Amazon writes promotions as negative amounts; some tools drop the sign.
            discount_minor=abs(money["item-promotion-discount"])
            + abs(money["ship-promotion-discount"]),
            gift_wrap_minor=money["gift-wrap-price"],
            channel_line_id=item_id or None,
        )

    def updated_at(self, records: Sequence[Record], notes: list[str]) -> dt.datetime | None:
        """The latest last-updated-date (reporting-date) of the order's rows. A time that
        cannot be read is noted, not refused: the order is fine, only its age unknown."""
        index = self.columns.at["last-updated-date"]
        if index is None:
            return None
        times = []
        for record in records:
            try:
                times.append(parse_time(record.cells[index], "last-updated-date"))
            except RowError:
                notes.append(f"last-updated-date {record.cells[index]!r} is not a time")
        return max((t for t in times if t is not None), default=None)

    def any_row_says(self, records: Sequence[Record], name: str) -> bool:
        index = self.columns.at[name]
        if index is None:
            return False
        for record in records:
            try:
                if parse_bool(record.cells[index], name):
                    return True
            except RowError as error:
                raise _BadRow(record.row, error.reason) from error
        return False

    def gift_message(self, records: Sequence[Record], notes: list[str]) -> str:
        """The buyer's gift messages of the order's items, each once, in row order."""
        index = self.columns.at["gift-message-text"]
        if index is None:
            return ""
        messages = dict.fromkeys(r.cells[index].strip() for r in records if r.cells[index].strip())
        return fit("\n".join(messages), "gift_message", notes, "gift-message-text")

    def ship_by(self, records: Sequence[Record]) -> dt.datetime | None:
        """The earliest deadline any item row gives (promise dates may differ by item)."""
        if self.columns.at["latest-ship-date"] is None:
            return None
        deadlines = []
        for record in records:
            try:
                text = record.cells[self.columns.at["latest-ship-date"]].strip()
                value = parse_time(text, "latest-ship-date")
            except RowError as error:
                raise _BadRow(record.row, error.reason) from error
            if value is not None:
                deadlines.append(value)
        return min(deadlines) if deadlines else None


class _Picker:
    """Takes the named columns out of a row in one go (the hot path of a big import)."""

    def __init__(self, columns: Columns, names: Sequence[str]) -> None:
        present = [(name, columns.at[name]) for name in names if columns.at[name] is not None]
        self.names = tuple(name for name, _ in present)
        indexes = [index for _, index in present]
        self.pick = (
            (lambda cells: (cells[indexes[0]],))
            if len(indexes) == 1
            else (operator.itemgetter(*indexes))
        )
        self.blank = dict.fromkeys(names, "")

    def values(self, record: Record) -> dict[str, str]:
        """The named columns, stripped; "" for the ones this file lacks."""
        values = self.blank.copy()
        if self.names:
            values.update(zip(self.names, map(str.strip, self.pick(record.cells)), strict=True))
        return values


@dataclass(slots=True)  # not frozen: built once per order in the hot path, never shared
class _OrderFields:
    currency: str
    purchased_at: dt.datetime | None
    paid_at: dt.datetime | None
    is_paid: bool
    buyer: Buyer
    ship_to: PostalAddress
    service: str
    afn: bool
    cancelled: bool
    business: bool
    purchase_order_number: str | None


class _BadRow(Exception):
    def __init__(self, row: int, reason: str) -> None:
        super().__init__(reason)
        self.row = row
        self.reason = reason
