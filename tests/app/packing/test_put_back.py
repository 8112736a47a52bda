"""A cancelled order's picked items put back at the station: the units return to a bin with
a stock move and an audit event, once; the stock check stays clean throughout."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.changes.service import cancel_order
from app.errors import NotFound, PermissionDenied
from app.packing import service as ps
from app.packing.errors import NothingToPutBack, ShipmentNotPackable
from app.packing.model import Notice
from app.packing.put_back import put_back
from app.permissions import Role
from app.picking.check import check_stock
from app.picking.service import allocate, hand_over
from app.review.service import review_orders
from db.models import AuditEvent, Bin, Shipment, StockMove, StockQuant
from db.models_picking import Reservation
from tests.app.picking.conftest import SUPERVISOR, floor_warehouse, item, put
from tests.app.review import builders as b
from tests.conftest import make_actor

PACKER = make_actor(Role.WAREHOUSE, username="packer")


def _picked_then_cancelled(db) -> int:
    """2 of 5 kettles picked from bin BER-00 for an order that is then cancelled."""
    with db.unit_of_work() as uow:
        s = uow.session
        wh = floor_warehouse(s, "BER")
        kettle = item(s, name="Kettle", sku="KETTLE-1", barcode="4006381333931")
        put(s, kettle, wh, 0, 5)
        order = b.order(s, b.customer(s), [(kettle, 2)])
        uow.commit()
        order_id = order.id
    review_orders(db, SUPERVISOR, [order_id])
    allocate(db, SUPERVISOR)
    with db.unit_of_work() as uow:
        hand_over(uow.session, SUPERVISOR, Reservation.order_id == order_id, "picked")
        shipment = uow.session.scalar(select(Shipment).where(Shipment.order_id == order_id))
        shipment.status = "picked"
        uow.commit()
        shipment_id = shipment.id
    cancel_order(db, SUPERVISOR, order_id, "customer_request")
    return shipment_id


def _on_hand(db) -> dict[str, int]:
    with db.unit_of_work() as uow:
        return dict(
            uow.session.execute(
                select(Bin.code, func.sum(StockQuant.on_hand))
                .join(Bin, Bin.id == StockQuant.bin_id)
                .group_by(Bin.code)
            ).all()
        )


def test_put_back_returns_the_units_to_their_bin_with_a_stock_move_and_audit(db):
    shipment_id = _picked_then_cancelled(db)
    assert _on_hand(db) == {"BER-00": 3}  # two left in the tote
    with db.unit_of_work() as uow:
        assert check_stock(uow.session) == []
    state = ps.state(db, shipment_id)
    assert state.notice is Notice.CANCELLED
    assert ps.verb_state("put_back", state.status, PACKER).enabled
    result = put_back(db, PACKER, shipment_id)
    assert [(x.sku, x.bin_code, x.quantity) for x in result.lines] == [("KETTLE-1", "BER-00", 2)]
    assert _on_hand(db) == {"BER-00": 5}
    with db.unit_of_work() as uow:
        s = uow.session
        move = s.scalars(select(StockMove).where(StockMove.kind == "put_back")).one()
        assert (move.quantity, move.from_bin_id, move.to_bin_id is not None) == (2, None, True)
        assert s.scalar(
            select(AuditEvent.action).where(
                AuditEvent.entity_type == "shipment", AuditEvent.entity_id == shipment_id,
                AuditEvent.action == "put_back",
            )
        ) == "put_back"  # fmt: skip
        assert check_stock(s) == []
    with pytest.raises(NothingToPutBack):
        put_back(db, PACKER, shipment_id)
    assert _on_hand(db) == {"BER-00": 5}


def test_the_units_go_to_the_bin_scanned_when_one_is(db):
    shipment_id = _picked_then_cancelled(db)
    with pytest.raises(NotFound):
        put_back(db, PACKER, shipment_id, bin_code="NOWHERE")
    result = put_back(db, PACKER, shipment_id, bin_code="ber-02")
    assert [(x.bin_code, x.quantity) for x in result.lines] == [("BER-02", 2)]
    assert _on_hand(db) == {"BER-00": 3, "BER-02": 2}
    with db.unit_of_work() as uow:
        assert check_stock(uow.session) == []


def test_only_a_cancelled_shipment_is_put_back_and_only_by_warehouse_staff(db):
    shipment_id = _picked_then_cancelled(db)
    with pytest.raises(PermissionDenied):
        put_back(db, make_actor(Role.CUSTOMER_SERVICE), shipment_id)
    with db.unit_of_work() as uow:
        uow.session.get(Shipment, shipment_id).status = "picked"  # as if never cancelled
        uow.commit()
    with pytest.raises(ShipmentNotPackable):
        put_back(db, PACKER, shipment_id)


def test_orderdesk_packing_put_back_from_the_command_line(db, db_url, capsys, staff_login):
    import json

    from app.cli import main

    shipment_id = _picked_then_cancelled(db)
    number = f"SH-{shipment_id:06d}"
    assert main(["packing", "put-back", number, "--bin", "BER-01", "--json", "--db", db_url]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "shipment": number,
        "units": 2,
        "lines": [{"sku": "KETTLE-1", "bin": "BER-01", "quantity": 2}],
    }
    assert main(["packing", "put-back", number, "--db", db_url]) != 0
    assert "nothing to put back" in capsys.readouterr().err
    assert _on_hand(db) == {"BER-00": 3, "BER-01": 2}
