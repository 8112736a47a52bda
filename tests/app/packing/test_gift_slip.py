"""The packing slip of a gift order carries the buyer's message and no prices; an order
that is no gift shows its prices."""

from __future__ import annotations

from app.numbers import entity_number
from app.packing import labelling as pl
from app.packing import service as ps
from db.models import Order
from tests.app.labels.decoding import decoded_per_page, texts_per_page
from tests.app.packing.conftest import PACKER

MESSAGE = "Happy birthday, Mei! 生日快樂 — love, Grandma"


def _print_slip(db, station, *, gift: bool) -> bytes:
    with db.unit_of_work() as uow:
        order = uow.session.get(Order, station.order_id)
        order.is_gift, order.gift_message = gift, MESSAGE if gift else ""
        uow.commit()
    ps.open_shipment(db, PACKER, entity_number("shipment", station.shipment_id))
    for code in (station.kettle, station.kettle, station.vase):
        ps.scan_item(db, PACKER, station.shipment_id, code)
    ps.set_weight(db, PACKER, station.shipment_id, 3_450)
    pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    [slip] = [data for title, data in station.printer.sent if title.endswith("slip")]
    return slip


def test_a_gift_orders_slip_has_the_message_and_no_prices(db, station):
    slip = _print_slip(db, station, gift=True)
    text = " ".join(texts_per_page(slip))
    assert "生日快樂" in text and "Grandma" in text
    assert "Unit price" not in text and "EUR" not in text
    number = entity_number("shipment", station.shipment_id)
    assert all(("Code128", number) in codes for codes in decoded_per_page(slip))


def test_an_order_that_is_no_gift_shows_its_prices_on_the_slip(db, station):
    text = " ".join(texts_per_page(_print_slip(db, station, gift=False)))
    assert "Unit price" in text and "EUR" in text and "Grandma" not in text
