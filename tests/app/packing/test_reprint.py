"""A reprint at the station is explicit (a reason is asked and recorded) and brings the
parcel's customs declaration with its label when the parcel crosses a customs border."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import PrintFailed
from app.numbers import entity_number
from app.packing import labelling as pl
from app.packing.errors import ReprintNeedsReason
from app.packing.printers import StationPrinters
from app.packing.reprint import reprint_label
from db.models import AuditEvent
from db.models_shipping import ParcelLabel
from tests.app.packing.conftest import PACKER, RecordingPrinter
from tests.app.packing.test_customs_at_station import _bound_for, _packed_ready


def _labelled(db, station, country: str) -> int:
    _bound_for(db, station, country, facts=True)
    _packed_ready(db, station)
    done = pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    station.printer.sent.clear()
    return done.state.parcels[0].parcel_id


def test_a_reprint_of_a_cross_border_parcel_reprints_its_cn22_too(db, station):
    parcel_id = _labelled(db, station, "CH")
    done = reprint_label(db, PACKER, parcel_id, station.printers, "label torn")
    number = entity_number("shipment", station.shipment_id)
    assert [title for title, _d in station.printer.sent] == [f"{number}-1", f"{number}-1-CN22"]
    assert done.message == f"{number} parcel 1: label and CN22 customs declaration reprinted."
    with db.unit_of_work() as uow:
        event = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "customs_reprinted")
        ).one()
        assert (event.reason, event.detail["form"]) == ("label torn", "CN22")


def test_a_reprint_inside_the_customs_union_prints_the_label_alone(db, station):
    parcel_id = _labelled(db, station, "FR")
    done = reprint_label(db, PACKER, parcel_id, station.printers, "smudged")
    number = entity_number("shipment", station.shipment_id)
    assert [title for title, _d in station.printer.sent] == [f"{number}-1"]
    assert done.message == f"{number} parcel 1: label reprinted."


def test_a_reprint_without_a_reason_is_refused_and_prints_nothing(db, station):
    parcel_id = _labelled(db, station, "FR")
    with pytest.raises(ReprintNeedsReason, match="needs a reason"):
        reprint_label(db, PACKER, parcel_id, station.printers, "  ")
    assert station.printer.sent == []
    with db.unit_of_work() as uow:
        assert uow.session.scalars(select(ParcelLabel.action)).all() == ["print"]


def test_a_cn22_that_cannot_print_is_said_and_the_label_reprint_stands(db, station):
    parcel_id = _labelled(db, station, "CH")
    zpl = RecordingPrinter(label_format="zpl")
    done = reprint_label(db, PACKER, parcel_id, StationPrinters(zpl), "lost")
    assert done.message.endswith("label reprinted.")
    assert "CN22 customs declaration" in done.warning


def test_a_failed_reprint_is_recorded_with_its_reason(db, station):
    parcel_id = _labelled(db, station, "CH")
    off = StationPrinters(RecordingPrinter(name="zebra-1", fail=True))
    with pytest.raises(PrintFailed):
        reprint_label(db, PACKER, parcel_id, off, "torn")
    with db.unit_of_work() as uow:
        rows = uow.session.execute(
            select(ParcelLabel.action, ParcelLabel.outcome, ParcelLabel.reason).order_by(
                ParcelLabel.id
            )
        ).all()
    assert rows == [("print", "printed", None), ("reprint", "failed", "torn")]
