"""The packing station's verbs on a fresh SQLite: verify by scan, parcels, weight, package,
labels printed (or not) and recorded, the shipment packed through the workflow."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import PermissionDenied, PrintFailed
from app.numbers import entity_number, order_number
from app.packing import labelling as pl
from app.packing import service as ps
from app.packing.errors import (
    ExtraPackItem,
    InvalidWeight,
    OverrideNeedsReason,
    PackNothingToUndo,
    ParcelNotReady,
    ShipmentNotPackable,
    VerificationIncomplete,
    WrongPackItem,
)
from app.packing.model import Notice
from app.workflow import change_status
from db.models import AuditEvent, Order, Shipment
from db.models_packing import PackScan
from db.models_shipping import Parcel, ParcelLabel
from tests.app.labels.decoding import decoded_per_page, texts_per_page
from tests.app.packing.conftest import PACKER, SUPERVISOR


def _number(station) -> str:
    return entity_number("shipment", station.shipment_id)


def _verify_all(db, station) -> None:
    for code in (station.kettle, station.kettle, station.vase):
        ps.scan_item(db, PACKER, station.shipment_id, code)


def test_the_shipment_opens_by_its_number_its_order_or_its_tote(db, station):
    by_number = ps.open_shipment(db, PACKER, _number(station))
    by_order = ps.open_shipment(db, PACKER, order_number(station.order_id))
    assert by_number.shipment_id == by_order.shipment_id == station.shipment_id
    assert [(i.sku, i.wanted, i.scanned) for i in by_number.items] == [
        ("KETTLE-1", 2, 0),
        ("VASE-2", 1, 0),
    ]
    assert len(by_number.parcels) == 1 and by_number.current.status == "open"


def test_each_scan_counts_up_until_every_item_is_verified(db, station):
    ps.open_shipment(db, PACKER, _number(station))
    first = ps.scan_item(db, PACKER, station.shipment_id, station.kettle)
    assert first.message == "KETTLE-1: 1 of 2" and not first.state.verified
    ps.scan_item(db, PACKER, station.shipment_id, station.kettle)
    last = ps.scan_item(db, PACKER, station.shipment_id, "vase-2")  # SKU, any case
    assert last.state.verified and "every item verified" in last.message


def test_a_wrong_or_extra_item_is_refused_with_its_reason_and_recorded(db, station):
    ps.open_shipment(db, PACKER, _number(station))
    with pytest.raises(WrongPackItem, match="WRONG ITEM 123456: not in SH-"):
        ps.scan_item(db, PACKER, station.shipment_id, "123456")
    ps.scan_item(db, PACKER, station.shipment_id, station.vase)
    with pytest.raises(ExtraPackItem, match="EXTRA ITEM VASE-2: the shipment has only 1"):
        ps.scan_item(db, PACKER, station.shipment_id, station.vase)
    with db.unit_of_work() as uow:
        refused = uow.session.scalars(select(PackScan.code).where(PackScan.kind == "refused"))
        assert sorted(refused) == ["123456", "VASE-2"]
    assert ps.state(db, station.shipment_id).scanned == 1


def test_undo_takes_back_the_last_scan_only(db, station):
    ps.open_shipment(db, PACKER, _number(station))
    with pytest.raises(PackNothingToUndo):
        ps.undo_last_scan(db, PACKER, station.shipment_id)
    ps.scan_item(db, PACKER, station.shipment_id, station.kettle)
    ps.scan_item(db, PACKER, station.shipment_id, station.vase)
    after = ps.undo_last_scan(db, PACKER, station.shipment_id)
    assert [(i.sku, i.scanned) for i in after.state.items] == [("KETTLE-1", 1), ("VASE-2", 0)]


def test_items_go_into_several_parcels_and_each_gets_its_label(db, station):
    ps.open_shipment(db, PACKER, _number(station))
    ps.scan_item(db, PACKER, station.shipment_id, station.kettle)
    ps.scan_item(db, PACKER, station.shipment_id, station.kettle)
    with_second = ps.new_parcel(db, PACKER, station.shipment_id)
    assert [p.sequence for p in with_second.state.parcels] == [1, 2]
    with pytest.raises(ParcelNotReady, match="empty"):
        ps.new_parcel(db, PACKER, station.shipment_id)
    ps.scan_item(db, PACKER, station.shipment_id, station.vase)
    first, second = ps.state(db, station.shipment_id).parcels
    assert (first.units, second.units) == (2, 1)
    assert second.suggested_package == "FOAM-S"  # the vase is fragile
    ps.set_weight(db, PACKER, station.shipment_id, 3000, parcel_id=first.parcel_id)
    ps.set_weight(db, PACKER, station.shipment_id, 650)
    done = pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    assert done.state.status == "packed"
    labels = [data for title, data in station.printer.sent if not title.endswith("slip")]
    assert len(labels) == 2
    for index, pdf in enumerate(labels, start=1):
        decoded = {text for _format, text in decoded_per_page(pdf)[0]}
        assert _number(station) in decoded, index
    with db.unit_of_work() as uow:
        parcels = uow.session.scalars(select(Parcel).order_by(Parcel.sequence)).all()
        assert [(p.status, p.package_type) for p in parcels] == [
            ("labelled", "BOX-L"),
            ("labelled", "FOAM-S"),
        ]


def test_the_weight_is_checked_against_the_items(db, station):
    ps.open_shipment(db, PACKER, _number(station))
    _verify_all(db, station)
    with pytest.raises(InvalidWeight):
        ps.set_weight(db, PACKER, station.shipment_id, 0)
    with pytest.raises(InvalidWeight):
        ps.set_weight(db, PACKER, station.shipment_id, 500_000)
    close = ps.set_weight(db, PACKER, station.shipment_id, 3_450)  # 2×1200+400 + carton
    assert close.warning == ""
    off = ps.set_weight(db, PACKER, station.shipment_id, 1_000)
    assert "off the" in off.warning and "check the parcel" in off.warning
    assert off.state.parcels[0].weight_g == 1_000  # kept: a warning, not a refusal


def test_the_packer_may_choose_another_package_than_the_suggestion(db, station):
    ps.open_shipment(db, PACKER, _number(station))
    _verify_all(db, station)
    assert ps.state(db, station.shipment_id).parcels[0].suggested_package == "FOAM-M"
    chosen = ps.choose_package(db, PACKER, station.shipment_id, "box-l")
    assert chosen.state.parcels[0].package_type == "BOX-L"


def test_the_label_is_refused_until_every_item_is_verified(db, station):
    ps.open_shipment(db, PACKER, _number(station))
    ps.scan_item(db, PACKER, station.shipment_id, station.kettle)
    ps.set_weight(db, PACKER, station.shipment_id, 1_300)
    with pytest.raises(VerificationIncomplete, match="1 of 3 items scanned"):
        pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    with pytest.raises(PermissionDenied):
        pl.print_labels(db, PACKER, station.shipment_id, station.printers, override_reason="rush")
    with pytest.raises(OverrideNeedsReason):
        pl.print_labels(db, SUPERVISOR, station.shipment_id, station.printers, override_reason=" ")
    assert station.printer.sent == []


def test_a_supervisor_overrides_with_a_reason_that_is_recorded(db, station):
    ps.open_shipment(db, PACKER, _number(station))
    ps.scan_item(db, PACKER, station.shipment_id, station.kettle)
    ps.set_weight(db, PACKER, station.shipment_id, 3_500)
    done = pl.print_labels(
        db, SUPERVISOR, station.shipment_id, station.printers, override_reason="scanner broken"
    )
    assert done.state.status == "packed"
    with db.unit_of_work() as uow:
        event = uow.session.scalar(select(AuditEvent).where(AuditEvent.action == "pack_override"))
        assert event.reason == "scanner broken" and event.actor_name == SUPERVISOR.username


def test_a_failed_print_leaves_the_parcel_unlabelled_and_says_why(db, station):
    ps.open_shipment(db, PACKER, _number(station))
    _verify_all(db, station)
    ps.set_weight(db, PACKER, station.shipment_id, 3_450)
    station.printer.fail = True
    with pytest.raises(PrintFailed, match="switched off"):
        pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(Parcel.status)) == "open"
        assert uow.session.get(Shipment, station.shipment_id).status == "picked"
        failed = uow.session.scalar(select(ParcelLabel))
        assert (failed.outcome, failed.failure) == ("failed", "the printer is switched off.")
    station.printer.fail = False
    assert pl.print_labels(db, PACKER, station.shipment_id, station.printers).state.status == (
        "packed"
    )


def test_a_label_prints_once_and_a_reprint_is_an_explicit_recorded_action(db, station):
    ps.open_shipment(db, PACKER, _number(station))
    _verify_all(db, station)
    ps.set_weight(db, PACKER, station.shipment_id, 3_450)
    done = pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    with pytest.raises(ShipmentNotPackable, match="already packed"):
        pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    parcel_id = done.state.parcels[0].parcel_id
    again = pl.reprint_label(db, PACKER, parcel_id, station.printers, "label torn")
    assert again.state.parcels[0].labels == 2
    with db.unit_of_work() as uow:
        actions = uow.session.execute(
            select(ParcelLabel.action, ParcelLabel.reason).order_by(ParcelLabel.id)
        ).all()
    assert actions == [("print", None), ("reprint", "label torn")]


def test_the_packing_slip_prints_with_the_label(db, station):
    ps.open_shipment(db, PACKER, _number(station))
    _verify_all(db, station)
    ps.set_weight(db, PACKER, station.shipment_id, 3_450)
    pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    titles = [title for title, _data in station.printer.sent]
    assert titles == [f"{_number(station)}-1", f"{_number(station)}-slip"]
    slip = station.printer.sent[-1][1]
    assert _number(station) in {t for _f, t in decoded_per_page(slip)[0]}
    assert order_number(station.order_id) in texts_per_page(slip)[0]


def test_a_cancelled_orders_shipment_is_never_labelled(db, station):
    ps.open_shipment(db, PACKER, _number(station))
    _verify_all(db, station)
    ps.set_weight(db, PACKER, station.shipment_id, 3_450)
    with db.unit_of_work() as uow:
        order = uow.session.get(Order, station.order_id)
        change_status(uow.session, SUPERVISOR, order, "cancelled", reason="customer asked")
        uow.commit()
    with pytest.raises(ShipmentNotPackable, match="CANCELLED — put back"):
        pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    reopened = ps.open_shipment(db, PACKER, _number(station))
    assert reopened.notice is Notice.CANCELLED
    assert station.printer.sent == []


def test_a_shipped_shipment_says_so(db, station):
    with db.unit_of_work() as uow:
        uow.session.get(Shipment, station.shipment_id).status = "shipped"
        uow.commit()
    opened = ps.open_shipment(db, PACKER, _number(station))
    assert opened.notice is Notice.SHIPPED
    assert "ALREADY SHIPPED" in ps.notice_text(opened.notice)
    with pytest.raises(ShipmentNotPackable, match="ALREADY SHIPPED"):
        ps.scan_item(db, PACKER, station.shipment_id, station.kettle)


def test_labelling_the_last_parcel_packs_the_shipment_through_the_workflow(db, station):
    ps.open_shipment(db, PACKER, _number(station))
    _verify_all(db, station)
    ps.set_weight(db, PACKER, station.shipment_id, 3_450)
    pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    with db.unit_of_work() as uow:
        event = uow.session.scalar(
            select(AuditEvent).where(
                AuditEvent.entity_type == "shipment", AuditEvent.to_state == "packed"
            )
        )
        assert event.from_state == "picked" and event.actor_name == PACKER.username
        assert uow.session.get(Shipment, station.shipment_id).weight_g == 3_450


def test_the_label_needs_a_weight(db, station):
    ps.open_shipment(db, PACKER, _number(station))
    _verify_all(db, station)
    with pytest.raises(ParcelNotReady, match="weigh it first"):
        pl.print_labels(db, PACKER, station.shipment_id, station.printers)


def test_the_station_scan_field_routes_each_kind_of_code(db, station):
    opened = ps.station_scan(db, PACKER, None, order_number(station.order_id))
    sid = opened.state.shipment_id
    for code in (station.kettle, station.kettle, station.vase):
        ps.station_scan(db, PACKER, sid, code)
    ps.station_scan(db, PACKER, sid, "FOAM-M")
    weighed = ps.station_scan(db, PACKER, sid, "3.5 kg")
    assert weighed.state.parcels[0].weight_g == 3_500
    assert weighed.state.parcels[0].package_type == "FOAM-M"
    done = ps.station_scan(db, PACKER, sid, "PRINT", station.printers)
    assert done.state.status == "packed"
    with pytest.raises(ShipmentNotPackable, match="already packed"):
        ps.station_scan(db, PACKER, sid, station.kettle)


def test_a_business_orders_slip_carries_its_po_number_and_no_estimated_prices(db, station):
    with db.unit_of_work() as uow:
        order = uow.session.get(Order, station.order_id)
        order.purchase_order_number = "PO-77120"
        order.amounts_source = "estimated"
        uow.commit()
    ps.open_shipment(db, PACKER, _number(station))
    _verify_all(db, station)
    ps.set_weight(db, PACKER, station.shipment_id, 3_450)
    pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    text = texts_per_page(station.printer.sent[-1][1])[0]
    assert "PO-77120" in text
    assert "Total" not in text  # our estimate is not what the customer paid
