"""Amazon Selling Partner API (Orders v0) JSON: getOrders with getOrderItems.

What is accepted (``docs/amazon-json.md`` says the same for people):

1. **One file with both** — a getOrders response (``{"payload": {"Orders": [...]}}`` or
   ``{"Orders": [...]}``) whose order objects carry their items inline under
   ``"OrderItems"`` (the ``OrderItems`` array of that order's getOrderItems response).
   This file is streamed order by order, so its size does not matter.
2. **An orders file and its item files, in one folder** — pass the folder. Every
   ``*.json`` in it is sorted out by content: getOrders pages, getOrder, getOrderItems
   (NextToken pages of one order are joined), getOrderAddress and getOrderBuyerInfo, each
   as the API returned it. getOrders pages are streamed; the other responses are small and
   are held while the orders stream.
3. **Any other JSON document that holds such responses** (a test mock map, an API model
   with examples, a list of responses) — read whole (up to ``MAX_WHOLE_DOCUMENT_BYTES``)
   and searched for the responses above.

An order without any items is rejected (a warehouse cannot act on it: fetch its
getOrderItems). Items whose order is not in the input are reported too. The same
AmazonOrderId read twice with the same content counts once; with different content
every copy is rejected. For JSON, ``row`` in a rejection is the order's position among
the orders read (1 = first); 0 when there is none.

Type drift is expected and tolerated: ``"IsGift": "false"``, ``"NumberOfItems": "1"``,
amounts as strings or numbers, absurd dates (kept, with a note for review).
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.address import PostalAddress
from app.formats.common import (
    NO_CURRENCY,
    Buyer,
    IncomingLine,
    IncomingOrder,
    ReadItem,
    RejectedOrder,
    RejectedRow,
    RowError,
    UnknownFormat,
    UnreadableFile,
    checked_amounts,
    clean_text,
    country_code,
    fit,
    implausible_time_note,
    normalise_email,
    parse_bool,
    parse_currency,
    parse_money,
    parse_quantity,
    parse_time,
    prices_include_tax,
    requested_service,
    require_id,
)
from app.formats.delimited import read_head, refuse_binary
from app.formats.stream import OrderStream, parsed
from app.i18n import Sentence as S

FORMAT = "amazon-json"
DEFAULT_CHANNEL = "amazon"
MAX_WHOLE_DOCUMENT_BYTES = 64 * 1024 * 1024
CHUNK_CHARS = 1024 * 1024
CANCELLED = frozenset({"canceled", "cancelled"})
NOT_PAID = frozenset({"pending", "pendingavailability", "canceled", "cancelled"})

# Marketplace → the currency its orders are in; a mismatch is passed to review as a note.
MARKETPLACE_CURRENCY = {
    "ATVPDKIKX0DER": "USD",
    "A2EUQ1WTGCTBG2": "CAD",
    "A1AM78C64UM0Y8": "MXN",
    "A2Q3Y263D00KWC": "BRL",
    "A1F83G8C2ARO7P": "GBP",
    "A1PA6795UKMFR9": "EUR",
    "A13V1IB3VIYZZH": "EUR",
    "APJ6JRA9NG5V4": "EUR",
    "A1RKKUPIHCS9HS": "EUR",
    "A1805IZSGTT6HS": "EUR",
    "AMEN7PMS3EDWL": "EUR",
    "A1C3SOZRARQ6R3": "PLN",
    "A2NODRKZP88ZB9": "SEK",
    "A21TJRUUN4KGV": "INR",
    "A1VC38T7YXB528": "JPY",
    "A39IBJ37TRP1C6": "AUD",
    "A19VAU5U5O7RUS": "SGD",
    "A2VIGQ35RCS4UG": "AED",
    "A33AVAJ2PDY3EV": "TRY",
}

# Amounts are kept as text so "11.01" and 11.01 read the same and no float rounds a price.
_DECODER = json.JSONDecoder(parse_float=str)


# --------------------------------------------------------------------------- collecting


@dataclass
class _Collected:
    """Responses found in the input, by AmazonOrderId (all small but the orders)."""

    orders: list[dict] = field(default_factory=list)
    items: dict[str, dict[str, dict]] = field(default_factory=dict)  # order → item id → item
    addresses: dict[str, dict] = field(default_factory=dict)
    buyers: dict[str, dict] = field(default_factory=dict)
    streamed_files: list[Path] = field(default_factory=list)

    def add(self, obj: dict) -> bool:
        """File one response object; False when it is none of the known kinds."""
        order_id = obj.get("AmazonOrderId")
        if not isinstance(order_id, str | int) or isinstance(order_id, bool):
            return False
        order_id = str(order_id)
        items = obj.get("OrderItems")
        if isinstance(items, list):
            for position, item in enumerate(items):
                # getOrderItemsBuyerInfo has OrderItems too, without SKU or quantity.
                if isinstance(item, dict) and ("SellerSKU" in item or "QuantityOrdered" in item):
                    key = str(item.get("OrderItemId") or f"#{position}")
                    self.items.setdefault(order_id, {})[key] = item
            if "PurchaseDate" not in obj and "OrderStatus" not in obj:
                return True
        if "PurchaseDate" in obj or "OrderStatus" in obj:
            self.orders.append(obj)
        elif isinstance(obj.get("ShippingAddress"), dict):
            self.addresses[order_id] = obj["ShippingAddress"]
        elif "BuyerEmail" in obj or "BuyerName" in obj:
            self.buyers[order_id] = obj
        else:
            return False
        return True

    def walk(self, node: Any) -> None:
        if isinstance(node, dict):
            if self.add(node):
                return
            for value in node.values():
                self.walk(value)
        elif isinstance(node, list):
            for value in node:
                self.walk(value)


# --------------------------------------------------------------------------- streaming


class _JsonText:
    """Incremental text of a JSON file, for decoding one value at a time."""

    def __init__(self, path: Path) -> None:
        self._handle = path.open("rb")
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.buffer = ""
        self.pos = 0
        self.eof = False

    def close(self) -> None:
        self._handle.close()

    def _more(self) -> bool:
        if self.eof:
            return False
        raw = self._handle.read(CHUNK_CHARS)
        self.eof = not raw
        if self.pos > CHUNK_CHARS:
            self.buffer, self.pos = self.buffer[self.pos :], 0
        self.buffer += self._decoder.decode(raw, final=self.eof)
        return True

    def peek(self) -> str:
        """Next non-blank character ('' at the end of the file)."""
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._more():
                return ""

    def take(self, char: str) -> bool:
        if self.peek() == char:
            self.pos += 1
            return True
        return False

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError:
                if self._more():
                    continue
                raise
            if end == len(self.buffer) and not self.eof and isinstance(value, int | str):
                self._more()  # a number may continue in the next chunk
                continue
            self.pos = end
            return value


def _open_orders_array(text: _JsonText) -> bool:
    """Move to the first element of payload.Orders (or Orders); False if not that shape."""
    if not text.take("{"):
        return False
    while True:
        if text.peek() != '"':
            return False
        key = text.value()
        if not text.take(":"):
            return False
        if key == "Orders":
            return text.take("[")
        if key == "payload":
            return text.peek() == "{" and _open_orders_array(text)
        text.value()  # a sibling such as NextToken: small, skipped
        if not text.take(","):
            return False


def _stream_orders(path: Path) -> Iterator[dict]:
    text = _JsonText(path)
    try:
        if not _open_orders_array(text):
            return
        if text.take("]"):
            return
        while True:
            value = text.value()
            if isinstance(value, dict):
                yield value
            if text.take(","):
                continue
            if text.take("]"):
                return
            raise json.JSONDecodeError("expected , or ]", text.buffer, text.pos)
    finally:
        text.close()


def _is_streamable(path: Path) -> bool:
    text = _JsonText(path)
    try:
        return _open_orders_array(text)
    except json.JSONDecodeError:
        return False
    finally:
        text.close()


# --------------------------------------------------------------------------- reading


def json_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".json" and p.is_file())
        if not files:
            raise UnreadableFile(str(path), S("the folder holds no .json files"))
        return files
    return [path]


def read(path: Path | str, channel: str | None = None, encoding: str | None = None) -> OrderStream:
    """Stream the orders in a JSON file or a folder of JSON files (see the module text).

    JSON is UTF-8 by definition (RFC 8259): ``encoding`` is accepted and not used."""
    path = Path(path)
    collected = _Collected()
    for file in json_files(path):
        _collect(file, collected, single=not path.is_dir())
    reader = _OrderReader(channel or DEFAULT_CHANNEL, collected, dt.datetime.now(dt.UTC))
    # A streamed getOrders file is not counted up front (that would mean reading it
    # twice): progress then shows a busy bar rather than a percentage.
    total = 0 if collected.streamed_files else len(collected.orders)
    return OrderStream(FORMAT, (), total, (parsed(item) for item in reader.items()))


def _too_deep(file: Path) -> UnreadableFile:
    # Python's JSON decoder recurses once per level: a hostile file nested thousands of
    # levels deep would end in a RecursionError. No SP-API response is more than ~6 deep.
    return UnreadableFile(str(file), "it is nested too deeply to be an SP-API response")


def _collect(file: Path, collected: _Collected, *, single: bool) -> None:
    try:
        _collect_file(file, collected, single=single)
    except RecursionError as error:
        raise _too_deep(file) from error


def _collect_file(file: Path, collected: _Collected, *, single: bool) -> None:
    head = read_head(file)
    refuse_binary(file, head)
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        raise UnknownFormat(str(file), S("it is not JSON"))
    if _is_streamable(file):
        collected.streamed_files.append(file)
        return
    size = file.stat().st_size
    if size > MAX_WHOLE_DOCUMENT_BYTES:
        raise UnreadableFile(
            str(file),
            S(
                "it is {size} MB and not a plain getOrders response; only those are read piece "
                "by piece",
                size=size // 2**20,
            ),
        )
    try:
        document = _DECODER.decode(file.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UnreadableFile(str(file), S("it is not valid JSON ({error})", error=error)) from error
    collected.walk(document)
    if single and not (collected.orders or collected.items):
        raise UnknownFormat(
            str(file),
            S(
                "it holds no SP-API getOrders, getOrder or getOrderItems response (an address "
                "or buyer-info response is read with its order, from a folder)"
            ),
        )


class _OrderReader:
    def __init__(self, channel: str, collected: _Collected, now: dt.datetime) -> None:
        self.channel = channel
        self.collected = collected
        self.now = now
        self.position = 0
        self.used_items: set[str] = set()

    def items(self) -> Iterator[ReadItem]:
        seen: dict[str, tuple[int, str]] = {}
        for item in self._whole_document_orders():
            if isinstance(item, IncomingOrder):
                seen[item.channel_order_id] = (item.rows[0], item.fingerprint)
            elif item.order_id is not None:
                seen[item.order_id] = (item.rows[0].row if item.rows else 0, "")
            yield item
        for file in self.collected.streamed_files:
            try:
                for obj in _stream_orders(file):
                    yield from self._streamed(obj, seen)
            except RecursionError:
                raise _too_deep(file) from None
            except json.JSONDecodeError as error:
                self.position += 1
                reason = f"{file.name} is cut off or not valid JSON here ({error.msg})"
                yield RejectedOrder(None, (RejectedRow(self.position, None, reason),))
        yield from self._orphan_items()

    def _whole_document_orders(self) -> Iterator[ReadItem]:
        versions: dict[str, list[tuple[int, ReadItem]]] = {}
        for obj in self.collected.orders:
            self.position += 1
            order_id = str(obj.get("AmazonOrderId"))
            versions.setdefault(order_id, []).append((self.position, self.parse(obj)))
        for order_id, copies in versions.items():
            yield _one_version(order_id, copies)

    def _streamed(self, obj: dict, seen: dict[str, tuple[int, str]]) -> Iterator[ReadItem]:
        self.position += 1
        item = self.parse(obj)
        order_id = str(obj.get("AmazonOrderId"))
        if isinstance(item, IncomingOrder):
            if order_id in seen:
                first, fingerprint = seen[order_id]
                if fingerprint == item.fingerprint:
                    return
                reason = f"read again with different content (first at order {first})"
                yield RejectedOrder(order_id, (RejectedRow(self.position, order_id, reason),))
                return
            seen[order_id] = (self.position, item.fingerprint)
        yield item

    def _orphan_items(self) -> Iterator[ReadItem]:
        for order_id in self.collected.items:
            if order_id not in self.used_items:
                reason = "order items for an order that is not in the input (no getOrders/getOrder)"
                yield RejectedOrder(order_id, (RejectedRow(0, order_id, reason),))

    # ------------------------------------------------------------------ one order

    def parse(self, obj: dict) -> ReadItem:
        raw_id = obj.get("AmazonOrderId")
        order_id = clean_text(str(raw_id)) if raw_id is not None else None
        try:
            if not order_id:
                raise RowError(S("AmazonOrderId is missing"))
            require_id(order_id, "channel_order_id", "AmazonOrderId")
            return checked_amounts(self.build(order_id, obj))
        except RowError as error:
            return RejectedOrder(order_id, (RejectedRow(self.position, order_id, error.reason),))

    def build(self, order_id: str, obj: dict) -> IncomingOrder:
        notes: list[str] = []
        status = _text(obj.get("OrderStatus")).lower()
        cancelled = status in CANCELLED
        items = self.items_of(order_id, obj)
        currency = self.currency(obj, items)
        marketplace = _text(obj.get("MarketplaceId"))
        expected = MARKETPLACE_CURRENCY.get(marketplace)
        if expected and currency not in (expected, NO_CURRENCY):
            notes.append(
                f"currency {currency} does not match marketplace {marketplace} ({expected})"
            )
        lines = [
            line
            for position, item in enumerate(items, start=1)
            if (line := self.line(item, position, currency, cancelled, notes)) is not None
        ]
        fulfilled_by_channel = _text(obj.get("FulfillmentChannel")).upper() == "AFN"
        if not lines and not (cancelled or fulfilled_by_channel):
            raise RowError(
                S("the order has no items; import it together with its getOrderItems response")
            )
        purchased_at = parse_time(_text(obj.get("PurchaseDate")), "PurchaseDate")
        ship_by_at = parse_time(_text(obj.get("LatestShipDate")), "LatestShipDate")
        for value, label in ((purchased_at, "PurchaseDate"), (ship_by_at, "LatestShipDate")):
            note = implausible_time_note(value, label, self.now)
            if note:
                notes.append(note)
        total = obj.get("OrderTotal")
        channel_total = (
            parse_money(_amount_text(total), currency, "OrderTotal")
            if isinstance(total, dict) and _amount_text(total)
            else None
        )
        service = _text(obj.get("ShipmentServiceLevelCategory")) or _text(
            obj.get("ShipServiceLevel")
        )
        return IncomingOrder(
            channel=self.channel,
            channel_order_id=order_id,
            currency=currency,
            lines=tuple(lines),
            buyer=self.buyer(order_id, obj, notes),
            ship_to=self.ship_to(order_id, obj, notes),
            purchased_at=purchased_at,
            ship_by_at=ship_by_at,
            is_paid=status not in NOT_PAID,
            requested_service=requested_service(service),
            tax_included=prices_include_tax(currency),
            channel_total_minor=channel_total,
            fulfilled_by_channel=fulfilled_by_channel,
            cancelled=cancelled or (not lines and not fulfilled_by_channel),
            **self.business_and_requests(obj, items, notes),
            channel_updated_at=_updated_at(obj, notes),
            rows=(self.position,),
            notes=tuple(dict.fromkeys(notes)),
        )

    def business_and_requests(self, obj: dict, items: list[dict], notes: list[str]) -> dict:
        """What the order report's is-business-order, purchase-order-number and
        is-buyer-requested-cancellation columns say, from SP-API's fields."""
        buyer_info = obj.get("BuyerInfo") if isinstance(obj.get("BuyerInfo"), dict) else {}
        number = clean_text(
            _text(obj.get("PurchaseOrderNumber") or buyer_info.get("PurchaseOrderNumber"))
        )
        requests = [item.get("BuyerRequestedCancel") for item in items]
        return {
            "is_business_order": parse_bool(obj.get("IsBusinessOrder"), "IsBusinessOrder"),
            "purchase_order_number": fit(
                number, "purchase_order_number", notes, "PurchaseOrderNumber"
            )
            or None,
            "buyer_requested_cancellation": any(
                parse_bool(request.get("IsBuyerRequestedCancel"), "IsBuyerRequestedCancel")
                for request in requests
                if isinstance(request, dict)
            ),
            **_gift(items, notes),
        }

    def items_of(self, order_id: str, obj: dict) -> list[dict]:
        inline = obj.get("OrderItems")
        if isinstance(inline, list) and inline:
            return [item for item in inline if isinstance(item, dict)]
        found = self.collected.items.get(order_id)
        if found:
            self.used_items.add(order_id)
            return list(found.values())
        return []

    def currency(self, obj: dict, items: list[dict]) -> str:
        candidates = [obj.get("OrderTotal")] + [item.get("ItemPrice") for item in items]
        for money in candidates:
            if isinstance(money, dict) and money.get("CurrencyCode"):
                return parse_currency(_text(money["CurrencyCode"]), "CurrencyCode")
        return NO_CURRENCY

    def line(
        self, item: dict, position: int, currency: str, cancelled: bool, notes: list[str]
    ) -> IncomingLine | None:
        quantity_value = item.get("QuantityOrdered")
        if cancelled and _text(quantity_value) in ("0", ""):
            return None
        sku = require_id(
            clean_text(_text(item.get("SellerSKU"))), "sku", f"item {position} SellerSKU"
        )
        quantity = parse_quantity(_text(quantity_value), f"item {position} QuantityOrdered")
        item_id = clean_text(_text(item.get("OrderItemId")))
        if item_id:
            require_id(item_id, "channel_line_id", "OrderItemId")

        def money(name: str) -> int:
            value = item.get(name)
            if not isinstance(value, dict):
                return 0
            code = _text(value.get("CurrencyCode")).upper()
            if code and code != currency:
                raise RowError(
                    S(
                        "item {position} {name} is in {code}, the order in {currency}",
                        position=position,
                        name=name,
                        code=code,
                        currency=currency,
                    )
                )
            return parse_money(_amount_text(value), currency, f"item {position} {name}")

        return IncomingLine(
            row=position,
            sku=sku,
            product_name=fit(clean_text(_text(item.get("Title"))), "product_name", notes, "Title"),
            quantity=quantity,
            line_total_minor=money("ItemPrice"),
            tax_minor=money("ItemTax"),
            shipping_minor=money("ShippingPrice"),
            shipping_tax_minor=money("ShippingTax"),
            discount_minor=abs(money("PromotionDiscount")) + abs(money("ShippingDiscount")),
            channel_line_id=item_id or None,
        )

    def buyer(self, order_id: str, obj: dict, notes: list[str]) -> Buyer:
        info = obj.get("BuyerInfo") if isinstance(obj.get("BuyerInfo"), dict) else {}
        extra = self.collected.buyers.get(order_id, {})
        email_text = clean_text(_text(info.get("BuyerEmail") or extra.get("BuyerEmail")))
        name = clean_text(_text(info.get("BuyerName") or extra.get("BuyerName")))
        return Buyer(
            name=fit(name, "name", notes, "BuyerName"),
            email=normalise_email(email_text),
            phone=None,
            channel_buyer_id=fit(f"{self.channel}:{email_text}", "channel_buyer_id", notes, "buyer")
            if email_text
            else None,
        )

    def ship_to(self, order_id: str, obj: dict, notes: list[str]) -> PostalAddress:
        address = obj.get("ShippingAddress")
        if not isinstance(address, dict):
            address = self.collected.addresses.get(order_id, {})

        def part(key: str, kind: str) -> str:
            return fit(clean_text(_text(address.get(key))), kind, notes, key)

        phone = part("Phone", "phone")
        return PostalAddress(
            recipient=part("Name", "name"),
            line1=part("AddressLine1", "line"),
            line2=part("AddressLine2", "line"),
            line3=part("AddressLine3", "line"),
            city=part("City", "city"),
            region=part("StateOrRegion", "region") or part("County", "region"),
            postal_code=part("PostalCode", "postal_code"),
            country_code=country_code(_text(address.get("CountryCode")), notes),
            phone=phone,
        )


def _gift(items: list[dict], notes: list[str]) -> dict:
    """An item's IsGift and its buyer's GiftMessageText (each message once)."""
    messages = []
    for item in items:
        info = item.get("BuyerInfo") if isinstance(item.get("BuyerInfo"), dict) else {}
        text = clean_text(_text(info.get("GiftMessageText") or item.get("GiftMessageText")))
        if text:
            messages.append(text)
    message = fit("\n".join(dict.fromkeys(messages)), "gift_message", notes, "GiftMessageText")
    return {
        "is_gift": any(parse_bool(item.get("IsGift"), "IsGift") for item in items) or bool(message),
        "gift_message": message,
    }


def _one_version(order_id: str, copies: list[tuple[int, ReadItem]]) -> ReadItem:
    """The same order read several times: one if all agree, else every copy is rejected."""
    orders = [item for _, item in copies if isinstance(item, IncomingOrder)]
    rejected = [item for _, item in copies if isinstance(item, RejectedOrder)]
    if rejected:
        return rejected[0]
    if len({order.fingerprint for order in orders}) == 1:
        return orders[0]
    positions = ", ".join(str(position) for position, _ in copies)
    reason = f"read {len(copies)} times with different content (orders {positions})"
    return RejectedOrder(
        order_id, tuple(RejectedRow(position, order_id, reason) for position, _ in copies)
    )


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _amount_text(money: dict) -> str:
    return _text(money.get("Amount")).strip()


def _updated_at(obj: dict, notes: list[str]) -> dt.datetime | None:
    """SP-API's LastUpdateDate; one that cannot be read is noted, not refused."""
    try:
        return parse_time(_text(obj.get("LastUpdateDate")), "LastUpdateDate")
    except RowError:
        notes.append(f"LastUpdateDate {_text(obj.get('LastUpdateDate'))!r} is not a time")
        return None
