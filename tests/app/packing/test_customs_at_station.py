"""A cross-border parcel at the packing station: its customs declaration prints beside its
label; a product without HS code or origin stops the label print by name."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.numbers import entity_number
from app.packing import labelling as pl
from app.packing import service as ps
from app.packing.printers import StationPrinters
from app.shipping.errors import CustomsFactsMissing
from db.models import Order, Product
from db.models_shipping import Parcel
from tests.app.labels.decoding import decoded_per_page, page_sizes_mm, texts_per_page
from tests.app.packing.conftest import PACKER, RecordingPrinter


def _bound_for(db, station, country: str, *, facts: bool) -> None:
    with db.unit_of_work() as uow:
        s = uow.session
        s.get(Order, station.order_id).ship_country = country
        if facts:
            for product in s.scalars(select(Product)):
                product.hs_code, product.origin_country = "851671", "CN"
        uow.commit()


def _packed_ready(db, station) -> None:
    ps.open_shipment(db, PACKER, entity_number("shipment", station.shipment_id))
    for code in (station.kettle, station.kettle, station.vase):
        ps.scan_item(db, PACKER, station.shipment_id, code)
    ps.set_weight(db, PACKER, station.shipment_id, 3_450)


def test_a_cross_border_parcel_gets_its_cn22_printed_beside_the_label(db, station):
    _bound_for(db, station, "CH", facts=True)
    _packed_ready(db, station)
    done = pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    assert done.state.status == "packed"
    titles = [title for title, _data in station.printer.sent]
    number = entity_number("shipment", station.shipment_id)
    assert f"{number}-1-CN22" in titles
    cn22 = dict(station.printer.sent)[f"{number}-1-CN22"]
    assert page_sizes_mm(cn22) == [(101.6, 152.4)]
    assert decoded_per_page(cn22) == [[("Code128", number)]]  # no tracking number yet
    text = texts_per_page(cn22)[0]
    assert "851671" in text and "CN 22" in text


def test_a_cn22_with_only_a_zpl_label_printer_and_no_slip_printer_is_said_in_amber(db, station):
    _bound_for(db, station, "CH", facts=True)
    _packed_ready(db, station)
    zpl = RecordingPrinter(label_format="zpl")
    done = pl.print_labels(db, PACKER, station.shipment_id, StationPrinters(zpl))
    assert done.state.status == "packed"
    assert "CN22 customs declaration" in done.warning and "orderdesk label" in done.warning


def test_a_parcel_inside_the_customs_union_prints_no_declaration(db, station):
    _bound_for(db, station, "FR", facts=False)
    _packed_ready(db, station)
    pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    assert not [t for t, _d in station.printer.sent if "CN2" in t]


def test_missing_hs_codes_stop_the_label_print_and_leave_the_parcel_open(db, station):
    _bound_for(db, station, "CH", facts=False)
    _packed_ready(db, station)
    with pytest.raises(CustomsFactsMissing, match="KETTLE-1, VASE-2"):
        pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    assert station.printer.sent == []
    with db.unit_of_work() as uow:
        assert uow.session.scalars(select(Parcel.status)).all() == ["open"]
