"""Shipping confirmations: split shipments and quantities right, each line confirmed once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.errors import InvalidInput
from app.numbers import entity_number
from app.shipping.confirm_file import read_amazon_confirmation
from app.shipping.confirmations import export_confirmations
from app.shipping.service import hand_over
from db.models import OrderLine
from db.models_packing import PackScan
from db.models_shipping import ShipConfirmation, ShipConfirmationExport
from tests.app.shipping.builders import shipper, split_order

SINCE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def ship_all(db, actor, built) -> None:
    for shipment_id, parcels in zip(built.shipment_ids, built.parcel_ids, strict=True):
        for _ in parcels:
            hand_over(db.unit_of_work(), actor, entity_number("shipment", shipment_id))


@pytest.fixture
def shipped(db):
    with db.unit_of_work() as uow:
        built = split_order(uow.session, amazon_id="058-3563777-5518068")
        own = split_order(uow.session, carrier="own_fleet", parcels=(1, 1))
        partner = split_order(uow.session, channel="partner-shop", parcels=(1, 1))
        actor = shipper(uow.session)
        uow.commit()
    for order in (built, own, partner):
        ship_all(db, actor, order)
    return built, own, partner, actor


def test_a_split_order_confirms_each_shipments_quantities_under_its_own_tracking(db, shipped):
    built, _own, _partner, actor = shipped
    export = export_confirmations(db.unit_of_work(), actor, "amazon", SINCE)
    rows = [r for r in read_amazon_confirmation(export.content)
            if r["order-id"] == "058-3563777-5518068"]  # fmt: skip
    a_track, b_track = built.tracking[0][0], built.tracking[1][0]
    today = dt.datetime.now(dt.UTC).date().isoformat()
    kettle = rows[0]["order-item-id"]
    assert [(r["order-item-id"], r["quantity"], r["tracking-number"]) for r in rows] == [
        (kettle, "2", a_track),
        (rows[1]["order-item-id"], "1", a_track),
        (kettle, "1", b_track),
    ]
    assert {r["ship-date"] for r in rows} == {today}
    assert {(r["carrier-code"], r["carrier-name"], r["ship-method"]) for r in rows} == {
        ("UPS", "", "Standard")
    }


def test_a_carrier_amazon_has_no_code_for_is_other_with_its_name(db, shipped):
    _built, own, _partner, actor = shipped
    export = export_confirmations(db.unit_of_work(), actor, "amazon", SINCE)
    rows = [r for r in read_amazon_confirmation(export.content)
            if r["tracking-number"] in own.tracking[0] + own.tracking[1]]  # fmt: skip
    assert len(rows) == 3
    assert {(r["carrier-code"], r["carrier-name"]) for r in rows} == {("Other", "Own fleet")}


def test_the_header_is_amazons_and_the_file_is_tab_separated(db, shipped):
    *_, actor = shipped
    export = export_confirmations(db.unit_of_work(), actor, "amazon", SINCE)
    first = export.content.decode().splitlines()[0]
    assert first.split("\t") == [
        "order-id", "order-item-id", "quantity", "ship-date",
        "carrier-code", "carrier-name", "tracking-number", "ship-method",
    ]  # fmt: skip
    assert export.rows == 6  # two Amazon orders of three lines each; the partner's not here


def test_a_re_export_for_an_overlapping_period_confirms_nothing_twice(db, shipped):
    *_, actor = shipped
    first = export_confirmations(db.unit_of_work(), actor, "amazon", SINCE)
    again = export_confirmations(db.unit_of_work(), actor, "amazon", SINCE - dt.timedelta(days=3))
    assert (first.rows, again.rows, again.already_confirmed) == (6, 0, 6)
    assert read_amazon_confirmation(again.content) == []
    with db.unit_of_work() as uow:
        assert uow.session.query(ShipConfirmation).count() == 6


def test_a_shipment_shipped_after_an_export_is_in_the_next_one(db, shipped):
    *_, actor = shipped
    export_confirmations(db.unit_of_work(), actor, "amazon", SINCE)
    with db.unit_of_work() as uow:
        late = split_order(uow.session, parcels=(1, 1))
        uow.commit()
    ship_all(db, actor, late)
    nxt = export_confirmations(db.unit_of_work(), actor, "amazon", SINCE)
    assert nxt.rows == 3
    assert {r["tracking-number"] for r in read_amazon_confirmation(nxt.content)} == {
        late.tracking[0][0],
        late.tracking[1][0],
    }


def test_only_shipments_shipped_since_the_day_are_exported(db, shipped):
    *_, actor = shipped
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert export_confirmations(db.unit_of_work(), actor, "amazon", tomorrow).rows == 0


def test_a_partner_platform_gets_the_csv_confirmation(db, shipped):
    _b, _o, partner, actor = shipped
    export = export_confirmations(db.unit_of_work(), actor, "partner-shop", SINCE)
    text = export.content.decode("utf-8-sig").splitlines()
    assert export.file_format == "partner_csv"
    assert text[0].startswith("order_id,line_id,sku,quantity,ship_date,carrier,tracking_number")
    assert len(text) == 4
    assert partner.tracking[1][0] in text[3] and ",UPS," in text[3]


def test_a_since_without_a_time_zone_is_refused(db, shipped):
    *_, actor = shipped
    with pytest.raises(InvalidInput):
        export_confirmations(db.unit_of_work(), actor, "amazon", dt.datetime(2026, 1, 1))


def _scan_into(session, shipment_id: int, parcel_id: int, product_id: int, units: int) -> None:
    for _ in range(units):
        session.add(
            PackScan(
                shipment_id=shipment_id,
                parcel_id=parcel_id,
                product_id=product_id,
                actor_name="packer",
                kind="item",
                code="x",
            )
        )


def test_a_two_parcel_shipment_confirms_each_item_under_the_parcel_it_went_in(db):
    """Shipment A (2 kettles, 1 mug) in two parcels: a kettle in each, the mug in the
    second; the kettle line is split over both parcels' tracking numbers."""
    with db.unit_of_work() as uow:
        s = uow.session
        built = split_order(s, parcels=(2, 1), amazon_id="171-1111111-2222222")
        kettle, mug = (s.get(OrderLine, i).product_id for i in built.line_ids)
        (a1, a2), (b1,) = built.parcel_ids
        a, b = built.shipment_ids
        _scan_into(s, a, a1, kettle, 1)
        _scan_into(s, a, a2, kettle, 1)
        _scan_into(s, a, a2, mug, 1)
        _scan_into(s, b, b1, kettle, 1)
        actor = shipper(s)
        uow.commit()
    ship_all(db, actor, built)
    export = export_confirmations(db.unit_of_work(), actor, "amazon", SINCE)
    (t_a1, t_a2), (t_b1,) = built.tracking
    rows = [(r["order-item-id"][-1], r["quantity"], r["tracking-number"])
            for r in read_amazon_confirmation(export.content)]  # fmt: skip
    assert rows == [("1", "1", t_a1), ("1", "1", t_a2), ("2", "1", t_a2), ("1", "1", t_b1)]
    assert len({t_a1, t_a2, t_b1}) == 3
    with db.unit_of_work() as uow:
        stored = uow.session.execute(
            select(ShipConfirmation.parcel_id, ShipConfirmation.quantity).order_by(
                ShipConfirmation.id
            )
        ).all()
    assert [tuple(r) for r in stored] == [(a1, 1), (a2, 1), (a2, 1), (b1, 1)]
    again = export_confirmations(db.unit_of_work(), actor, "amazon", SINCE)
    assert (again.rows, again.already_confirmed) == (0, 4)


def test_a_two_parcel_shipment_packed_without_scans_confirms_in_its_first_parcel(db):
    with db.unit_of_work() as uow:
        built = split_order(uow.session, parcels=(2, 1), amazon_id="171-3333333-4444444")
        actor = shipper(uow.session)
        uow.commit()
    ship_all(db, actor, built)
    export = export_confirmations(db.unit_of_work(), actor, "amazon", SINCE)
    tracking = [r["tracking-number"] for r in read_amazon_confirmation(export.content)]
    assert tracking == [built.tracking[0][0], built.tracking[0][0], built.tracking[1][0]]


def test_a_desk_that_loses_the_race_reads_again_and_confirms_nothing_twice(db, monkeypatch):
    """The other desk's confirmations land between our read and our insert (SQLite: the
    key refuses our rows); we read again and write only what is left."""
    import app.shipping.confirmations as confirmations

    with db.unit_of_work() as uow:
        built = split_order(uow.session, parcels=(1, 1), amazon_id="171-5555555-6666666")
        actor = shipper(uow.session)
        uow.commit()
    ship_all(db, actor, built)
    real = confirmations.pending_confirmations
    calls = []

    def read_then_other_desk_exports(session, channel, since):
        found = real(session, channel, since)
        if not calls:
            calls.append("first")
            other = export_confirmations(db.unit_of_work(), actor, channel, since)
            calls.append(other.rows)
        return found

    monkeypatch.setattr(confirmations, "pending_confirmations", read_then_other_desk_exports)
    ours = export_confirmations(db.unit_of_work(), actor, "amazon", SINCE)
    assert calls == ["first", 3]
    assert (ours.rows, ours.already_confirmed) == (0, 3)
    with db.unit_of_work() as uow:
        assert uow.session.query(ShipConfirmation).count() == 3


def test_a_desk_that_keeps_losing_gets_a_named_error(db, monkeypatch):
    import app.shipping.confirmations as confirmations
    from app.shipping.errors import ConfirmationExportBusy

    with db.unit_of_work() as uow:
        built = split_order(uow.session, parcels=(1, 1), amazon_id="171-7777777-8888888")
        actor = shipper(uow.session)
        uow.commit()
    ship_all(db, actor, built)
    real = confirmations.pending_confirmations

    def always_stale(session, channel, since):
        found = real(session, channel, since)
        with db.unit_of_work() as other:  # another desk confirms the same line meanwhile
            _row, line_id, parcel_id = found[0][0]
            export = ShipConfirmationExport(channel=channel, file_format="amazon_tsv", since=since)
            other.session.add(export)
            other.session.flush()
            other.session.add(
                ShipConfirmation(export_id=export.id, shipment_line_id=line_id,
                                 parcel_id=parcel_id, quantity=1, tracking_number="x")
            )  # fmt: skip
            other.commit()
        return found

    monkeypatch.setattr(confirmations, "pending_confirmations", always_stale)
    with pytest.raises(ConfirmationExportBusy, match="Another desk"):
        export_confirmations(db.unit_of_work(), actor, "amazon", SINCE)
