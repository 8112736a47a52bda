"""A carrier-issued label file is imported per parcel with its tracking number."""

from __future__ import annotations

import pytest

from app.shipping.carrier_labels import LabelFileImport, import_carrier_label, label_format_of
from app.shipping.errors import CarrierLabelRefused, TrackingNumberRefused
from db.models_shipping import Parcel, ParcelLabel
from tests.app.shipping.builders import shipper, split_order, ups_number

ZPL = b"^XA^FO50,50^BCN,100,Y,N,N^FD1Z999AA10123456784^FS^XZ\n"


@pytest.fixture
def built(db):
    with db.unit_of_work() as uow:
        order = split_order(uow.session, parcels=(1, 1))
        actor = shipper(uow.session)
        uow.commit()
    return order, actor


def test_a_zpl_label_file_is_kept_in_the_parcels_history_with_its_tracking_number(
    db, built, tmp_path
):
    order, actor = built
    path = tmp_path / "ups-label.zpl"
    path.write_bytes(ZPL)
    number = ups_number(4242)
    parcel_id = order.parcel_ids[0][0]
    adapter = LabelFileImport(path, number)
    assert import_carrier_label(db.unit_of_work(), actor, parcel_id, adapter) == number
    with db.unit_of_work() as uow:
        assert uow.session.get(Parcel, parcel_id).tracking_number == number
        label = uow.session.query(ParcelLabel).one()
        assert (label.action, label.source, label.label_format) == ("import", "carrier", "zpl")
        assert label.content == ZPL and label.user_id == actor.user_id


def test_a_pdf_is_recognised_by_its_content_whatever_its_name():
    assert label_format_of("label.zpl", b"%PDF-1.4\n...") == "pdf"
    assert label_format_of("x", b"  ^XA^FDx^FS^XZ  ") == "zpl"


@pytest.mark.parametrize("content", [b"", b"<html>not a label</html>", b"^XA^FDunfinished"])
def test_a_file_that_is_not_a_label_is_refused(content):
    with pytest.raises(CarrierLabelRefused):
        label_format_of("label.bin", content)


def test_a_wrong_tracking_number_keeps_nothing(db, built, tmp_path):
    order, actor = built
    path = tmp_path / "label.zpl"
    path.write_bytes(ZPL)
    parcel_id = order.parcel_ids[0][0]
    with pytest.raises(TrackingNumberRefused):
        import_carrier_label(
            db.unit_of_work(), actor, parcel_id, LabelFileImport(path, "1Z999AA10123456785")
        )
    with db.unit_of_work() as uow:
        assert uow.session.query(ParcelLabel).count() == 0
        assert uow.session.get(Parcel, parcel_id).tracking_number == order.tracking[0][0]
