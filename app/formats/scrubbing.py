"""Card numbers out of every order a reader produces, before anything stores it.

Every reader's orders pass through ``scrub_order`` (``OrderStream`` applies it to all of
them, whatever the format): a card number in free text is replaced by its last four
(``app.cards.scrub``) and the order carries a note saying where one was removed, for the
import summary and the audit event; the review desk raises a finding from the mask left
in the stored text, so a person contacts the customer. Identifiers (order id, line id,
SKU, buyer id) are the channel's keys and are never rewritten: one that is a card number
only gets the note (and review's finding).
"""

from __future__ import annotations

from dataclasses import replace

from app.address import PostalAddress
from app.cards import card_in_identifier, might_hold_card_number, scrub
from app.formats.common import (
    Buyer,
    IncomingLine,
    IncomingOrder,
    ReadItem,
    RejectedOrder,
)

# Free-text fields and where a person would say the number was found.
_BUYER_TEXT = (("name", "the buyer's name"), ("email", "the buyer's e-mail"))
_BUYER_TEXT += (("phone", "the buyer's phone number"),)
_SHIP_TEXT = (
    ("recipient", "the recipient's name"),
    ("line1", "the delivery address"),
    ("line2", "the delivery address"),
    ("line3", "the delivery address"),
    ("city", "the delivery address"),
    ("region", "the delivery address"),
    ("postal_code", "the delivery address"),
    ("phone", "the delivery phone number"),
)


def scrub_item(item: ReadItem) -> ReadItem:
    if isinstance(item, IncomingOrder):
        return scrub_order(item)
    if not any(might_hold_card_number(row.reason) for row in item.rows):
        return item
    # A reason may quote a value ("quantity '4111 …' is not a whole number"); the cells
    # stay as they are in the file, for the person fixing it.
    rows = tuple(replace(row, reason=scrub(row.reason)[0]) for row in item.rows)
    return RejectedOrder(item.order_id, rows)


def scrub_order(order: IncomingOrder) -> IncomingOrder:
    """The order with card numbers removed from its free text (the same object when none)."""
    identifiers = list(_identifiers(order))
    where = (
        [f"!{label}" for label, value in identifiers if card_in_identifier(value)]
        if card_in_identifier("\x1f".join(value or "" for _, value in identifiers))
        else []
    )
    if not might_hold_card_number(_free_text(order)):  # the usual order: one search
        return _with_notes(order, where) if where else order
    order = replace(
        order,
        buyer=_scrubbed(order.buyer, _BUYER_TEXT, where),
        ship_to=_scrubbed(order.ship_to, _SHIP_TEXT, where),
        lines=tuple(_scrubbed_line(line, where) for line in order.lines),
        purchase_order_number=_scrubbed_po(order.purchase_order_number, where),
    )
    return _with_notes(order, where)


def _scrubbed_po(number: str | None, where: list[str]) -> str | None:
    if not number:
        return number
    cleaned, count = scrub(number)
    if count:
        where.append("the purchase-order number")
    return cleaned


def _with_notes(order: IncomingOrder, where: list[str]) -> IncomingOrder:
    notes = [scrub(note)[0] for note in order.notes]  # a note may quote a value
    for place in dict.fromkeys(where):
        if place.startswith("!"):
            notes.append(f"{place[1:]} is a card number (kept: it is the channel's key)")
        else:
            notes.append(f"a card number was removed from {place}")
    return replace(order, notes=tuple(dict.fromkeys(notes)))


def _scrubbed(
    part: Buyer | PostalAddress, fields: tuple, where: list[str]
) -> Buyer | PostalAddress:
    changes = {}
    for name, label in fields:
        value = getattr(part, name)
        if value:
            cleaned, count = scrub(value)
            if count:
                changes[name] = cleaned
                where.append(label)
    return replace(part, **changes) if changes else part


def _scrubbed_line(line: IncomingLine, where: list[str]) -> IncomingLine:
    cleaned, count = scrub(line.product_name)
    if not count:
        return line
    where.append(f"the product name of item {line.sku}")
    return replace(line, product_name=cleaned)


def _identifiers(order: IncomingOrder):
    yield "the order id", order.channel_order_id
    yield "the buyer id", order.buyer.channel_buyer_id
    for line in order.lines:
        yield "an item's SKU", line.sku
        yield "an item's line id", line.channel_line_id


def _free_text(order: IncomingOrder) -> str:
    buyer, ship = order.buyer, order.ship_to
    parts = [
        buyer.name,
        buyer.email or "",
        buyer.phone or "",
        ship.recipient,
        ship.line1,
        ship.line2,
        ship.line3,
        ship.city,
        ship.region,
        ship.postal_code,
        ship.phone or "",
    ]
    parts += [line.product_name for line in order.lines]
    parts.append(order.purchase_order_number or "")
    parts += order.notes  # a reader's note may quote a value (an odd ship country)
    return "\x1f".join(parts)  # a unit separator: never part of a run of digits
