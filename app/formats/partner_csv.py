"""Our partner-platform order template: CSV, one row per order line.

The columns, their rules and an example are in ``docs/partner-csv-template.md``; the
sample file is ``resources/samples/partner_orders_template.csv``. In short: comma-separated
(tab-separated is read too), UTF-8 with or without BOM (Windows-1252 is read too), a header
row with the column names below in any order and any case, quotes as Excel writes them.
Rows of one order share ``order_id`` and must agree on the order's fields.

The channel is ``partner:<name>``: ``<name>`` comes from the row's ``channel`` column or,
when that is empty or absent, from the channel given for the whole file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from app.formats.common import (
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
    read_ship_to,
    reject_whole,
    require_id,
)
from app.formats.delimited import Layout, Record, group_records, open_layout, scan_keys
from app.formats.stream import OrderStream, SourceOrder, rows_digest
from app.i18n import Sentence as S

FORMAT = "csv"
CHANNEL_PREFIX = "partner:"

REQUIRED = ("order_id", "order_date", "currency", "sku", "quantity", "line_total")
OPTIONAL = (
    "channel",
    "status",
    "line_id",
    "product_name",
    "item_tax",
    "shipping",
    "shipping_tax",
    "discount",
    "prices_include_tax",
    "paid",
    "paid_at",
    "ship_by",
    "service",
    "buyer_id",
    "buyer_name",
    "buyer_email",
    "buyer_phone",
    "ship_name",
    "ship_address_1",
    "ship_address_2",
    "ship_address_3",
    "ship_city",
    "ship_region",
    "ship_postal_code",
    "ship_country",
    "ship_phone",
)
LINE_FIELDS = frozenset(
    {"line_id", "sku", "product_name", "quantity", "line_total", "item_tax", "shipping"}
    | {"shipping_tax", "discount"}
)
ORDER_FIELDS = tuple(name for name in REQUIRED + OPTIONAL if name not in LINE_FIELDS)
SERVICES = frozenset({"standard", "expedited", "express"})
STATUSES = frozenset({"", "open", "cancelled"})
_CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,30}$")


SHIP_TO_COLUMNS = ShipToColumns(
    recipient="ship_name",
    line1="ship_address_1",
    line2="ship_address_2",
    line3="ship_address_3",
    city="ship_city",
    region="ship_region",
    postal_code="ship_postal_code",
    country_code="ship_country",
    phone="ship_phone",
)


def channel_for(name: str) -> str:
    """``Kaufland`` → ``partner:kaufland``; refuses names that cannot be a channel."""
    cleaned = name.strip().lower().removeprefix(CHANNEL_PREFIX)
    if not _CHANNEL_NAME.match(cleaned):
        raise RowError(
            S("channel {name!r} is not a partner name (letters, digits, . _ -)", name=name)
        )
    return CHANNEL_PREFIX + cleaned


def open_template(path: Path | str, encoding: str | None = None) -> Layout:
    return open_layout(
        Path(path),
        key_names=("order_id",),
        required={name: (name,) for name in REQUIRED},
        delimiters=(",", "\t"),
        named=encoding,
    )


def read(path: Path | str, channel: str | None = None, encoding: str | None = None) -> OrderStream:
    layout = open_template(path, encoding)
    key_index = layout.columns["order_id"]
    grouping = scan_keys(layout, key_index)
    reader = _TemplateReader(layout, channel, dt.datetime.now(dt.UTC))

    def sources() -> Iterator[SourceOrder]:
        for order_id, records in group_records(layout, key_index, grouping):
            yield reader.source(order_id, records)

    return OrderStream(FORMAT, layout.header, grouping.total_rows, sources())


@dataclass
class _TemplateReader:
    layout: Layout
    file_channel: str | None
    now: dt.datetime

    def cell(self, record: Record, name: str) -> str:
        index = self.layout.columns.get(name)
        # A row with too few fields (rejected when parsed) may lack the column.
        return (
            record.cells[index].strip() if index is not None and index < len(record.cells) else ""
        )

    def source(self, order_id: str | None, records: list[Record]) -> SourceOrder:
        order_id = clean_text(order_id) if order_id else None
        try:
            channel = channel_for(self.cell(records[0], "channel") or self.file_channel or "")
        except RowError:
            channel = None  # parsing will reject the order and say why
        digest = rows_digest(FORMAT, channel or "", [record.cells for record in records])
        return SourceOrder(
            channel, order_id, digest, len(records), lambda: self.order(order_id, records)
        )

    def order(self, order_id: str | None, records: list[Record]) -> ReadItem:
        raw = [(record.row, tuple(record.cells)) for record in records]
        for record in records:
            if not record.width_ok:
                return reject_whole(order_id, raw, record.row, f"row {record.problem}")
        if order_id is None:
            return reject_whole(None, raw, records[0].row, "order_id is empty")
        order_id = clean_text(order_id)
        current = records[0].row
        try:
            require_id(order_id, "channel_order_id", "order_id")
            self.check_siblings_agree(records)
            notes: list[str] = [record.note for record in records if record.note]
            order = self.header(order_id, records[0], notes)
            lines = []
            for record in records:
                current = record.row
                lines.append(self.line(record, order.currency, notes))
            current = records[0].row
            return checked_amounts(_with(order, lines, records, notes))
        except RowError as error:
            return reject_whole(order_id, raw, current, error.reason)

    def check_siblings_agree(self, records: list[Record]) -> None:
        if len(records) == 1:
            return
        first = records[0]
        for name in ORDER_FIELDS:
            index = self.layout.columns.get(name)
            if index is None:
                continue
            expected = first.cells[index].strip()
            for record in records[1:]:
                found = record.cells[index].strip()
                if found != expected:
                    raise RowError(
                        S(
                            "{name} {found!r} differs from {expected!r} on row {row} of the "
                            "same order",
                            name=name,
                            found=found,
                            expected=expected,
                            row=first.row,
                        )
                    )

    def header(self, order_id: str, record: Record, notes: list[str]) -> IncomingOrder:
        cell = lambda name: self.cell(record, name)  # noqa: E731
        channel_name = cell("channel") or self.file_channel
        if not channel_name:
            raise RowError(S("no channel: fill the channel column or give one for the file"))
        currency = parse_currency(cell("currency"))
        purchased_at = parse_time(cell("order_date"), "order_date")
        if purchased_at is None:
            raise RowError(S("order_date is empty"))
        note = implausible_time_note(purchased_at, "order_date", self.now)
        if note:
            notes.append(note)
        status = cell("status").lower()
        if status not in STATUSES:
            raise RowError(S("status {status!r} is not open or cancelled", status=cell("status")))
        service = cell("service").lower() or "standard"
        if service not in SERVICES:
            raise RowError(
                S(
                    "service {service!r} is not standard, expedited or express",
                    service=cell("service"),
                )
            )
        is_paid = parse_bool(cell("paid"), "paid")
        paid_at = parse_time(cell("paid_at"), "paid_at")
        buyer_id = cell("buyer_id")
        channel = channel_for(channel_name)
        return IncomingOrder(
            channel=channel,
            channel_order_id=order_id,
            currency=currency,
            lines=(),
            buyer=Buyer(
                name=fit(cell("buyer_name"), "name", notes, "buyer_name"),
                email=normalise_email(cell("buyer_email")),
                phone=fit(cell("buyer_phone"), "phone", notes, "buyer_phone") or None,
                channel_buyer_id=fit(f"{channel}:{buyer_id}", "channel_buyer_id", notes, "buyer_id")
                if buyer_id
                else None,
            ),
            ship_to=read_ship_to(cell, SHIP_TO_COLUMNS, notes),
            purchased_at=purchased_at,
            ship_by_at=parse_time(cell("ship_by"), "ship_by"),
            paid_at=(paid_at or purchased_at) if is_paid else None,
            is_paid=is_paid,
            requested_service=service,
            tax_included=parse_bool(cell("prices_include_tax"), "prices_include_tax"),
            cancelled=status == "cancelled",
        )

    def line(self, record: Record, currency: str, notes: list[str]) -> IncomingLine:
        cell = lambda name: self.cell(record, name)  # noqa: E731
        line_total_text = cell("line_total")
        if not line_total_text:
            raise RowError(S("line_total is empty"))
        line_id = cell("line_id")
        if line_id:
            require_id(line_id, "channel_line_id", "line_id")
        return IncomingLine(
            row=record.row,
            sku=require_id(cell("sku"), "sku", "sku"),
            product_name=fit(cell("product_name"), "product_name", notes, "product_name"),
            quantity=parse_quantity(cell("quantity")),
            line_total_minor=parse_money(line_total_text, currency, "line_total"),
            tax_minor=parse_money(cell("item_tax"), currency, "item_tax"),
            shipping_minor=parse_money(cell("shipping"), currency, "shipping"),
            shipping_tax_minor=parse_money(cell("shipping_tax"), currency, "shipping_tax"),
            discount_minor=abs(parse_money(cell("discount"), currency, "discount")),
            channel_line_id=line_id or None,
        )


def _with(
    order: IncomingOrder, lines: list[IncomingLine], records: list[Record], notes: list[str]
) -> IncomingOrder:
    """The order read from its first row, completed with its lines and where they were."""
    return replace(
        order,
        lines=tuple(lines),
        rows=tuple(record.row for record in records),
        notes=tuple(dict.fromkeys(notes)),
    )
