"""After sales on a fresh SQLite: a reship goes through allocation, picking, packing and
hand-over like any shipment; a return is booked with the fee the policy allows, received,
inspected back to stock or written off, and the refund follows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.cases.model import Source
from app.cases.service import CaseAction, CaseDraft, act, open_case
from app.demo.after_sales import send_through_warehouse
from app.permissions import Role
from app.returns.errors import (
    NotShippedYet,
    ReturnFeeTooHigh,
    ReturnTooMany,
    ReturnVerbNotAllowed,
)
from app.returns.queries import list_returns
from app.returns.service import book_return, cancel_return, inspect_return, receive_return
from app.shipping.confirmations import pending_confirmations
from db.models import AuditEvent, Order, Shipment, StockMove, StockQuant
from db.models_picking import Reservation
from db.models_refunds import Refund
from db.models_returns import Reship
from tests.app.picking.conftest import assert_invariants, floor_warehouse, item, put
from tests.app.review import builders as b
from tests.conftest import make_actor
from tests.factories import card_payment
from tests.factories import shipment as make_shipment

AGENT = make_actor(Role.CUSTOMER_SERVICE, username="agent")
HANDS = make_actor(Role.WAREHOUSE, username="hands")
BOSS = make_actor(Role.SUPERVISOR, username="boss")


@pytest.fixture
def delivered(db):
    """SO with 2 kettles (€20 each), paid by card, delivered from BER; 5 kettles in stock."""
    with db.unit_of_work() as uow:
        s = uow.session
        wh = floor_warehouse(s, "BER")
        kettle = item(s, name="Kettle", sku="KETTLE-1", barcode="4006381333931")
        kettle.weight_g, kettle.price_cents = 1200, 2000
        put(s, kettle, wh, 0, 5)
        order = b.order(s, b.customer(s), [(kettle, 2)], status="delivered")
        card_payment(s, order)
        shipment = make_shipment(s, order, wh, status="delivered")
        uow.commit()
        return {"order": order.id, "shipment": shipment.id, "warehouse": wh.id,
                "kettle": kettle.id, "line": order.lines[0].id}  # fmt: skip


def _reship_case(db, delivered) -> int:
    draft = CaseDraft(subject="Arrived broken", source=Source.PHONE, order_id=delivered["order"],
                      shipment_id=delivered["shipment"])  # fmt: skip
    case_id = open_case(db, AGENT, draft)
    act(db, AGENT, case_id, "resolve", CaseAction(resolution="reship", text="New kettles"))
    return case_id


def test_a_reship_resolution_makes_a_new_shipment_with_its_stock_reserved(db, delivered):
    case_id = _reship_case(db, delivered)
    with db.unit_of_work() as uow:
        s = uow.session
        reship = s.scalar(select(Reship).where(Reship.case_id == case_id))
        new = s.get(Shipment, reship.shipment_id)
        reserved = s.scalar(
            select(func.sum(Reservation.quantity)).where(
                Reservation.order_id == delivered["order"], Reservation.state == "open"
            )
        )
    assert reship.replaces_shipment_id == delivered["shipment"]
    assert (new.status, new.warehouse_id, reserved) == ("pending", delivered["warehouse"], 2)
    assert_invariants(db)


def test_the_reship_goes_through_pick_pack_and_hand_over_to_shipped(db, delivered):
    case_id = _reship_case(db, delivered)
    with db.unit_of_work() as uow:
        query = select(Reship.shipment_id).where(Reship.case_id == case_id)
        shipment_id = uow.session.scalar(query)
    assert send_through_warehouse(db, BOSS, HANDS, shipment_id) == "shipped"
    with db.unit_of_work() as uow:
        s = uow.session
        moves = [
            e.to_state
            for e in s.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity_type == "shipment", AuditEvent.entity_id == shipment_id)
                .order_by(AuditEvent.id)
            )
            if e.action in ("status", "reship")
        ]
        on_hand = s.scalar(select(func.sum(StockQuant.on_hand)))
        order = s.get(Order, delivered["order"])
        charged = s.scalar(select(func.count()).select_from(Refund))
        long_ago = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        to_confirm, _confirmed = pending_confirmations(s, order.channel, long_ago)
    assert moves == ["pending", "picking", "picked", "packed", "shipped"]
    assert to_confirm == []  # the channel heard of these lines once; a reship is not news
    assert on_hand == 3  # two kettles left the shelf
    assert order.status == "delivered" and charged == 0  # no charge, the order stays as it was
    assert_invariants(db)


def test_a_reship_without_an_order_is_refused_and_the_case_stays_open(db):
    case_id = open_case(db, AGENT, CaseDraft(subject="General question", source=Source.CHAT))
    with pytest.raises(Exception) as caught:
        act(db, AGENT, case_id, "resolve", CaseAction(resolution="reship"))
    assert "reship needs an order" in str(caught.value)


def test_a_return_for_our_fault_carries_no_fee_and_a_changed_mind_at_most_fifteen_percent(
    db, delivered
):
    with pytest.raises(ReturnFeeTooHigh):
        book_return(db, AGENT, delivered["order"], "damaged", fee_cents=100)
    with pytest.raises(ReturnFeeTooHigh):
        book_return(db, AGENT, delivered["order"], "changed_mind", fee_cents=601)
    return_id = book_return(db, AGENT, delivered["order"], "changed_mind", fee_cents=600)
    (row,) = list_returns_of(db, delivered["order"])
    assert (row.id, row.goods_cents, row.fee_cents, row.status) == (return_id, 4000, 600, "booked")


def list_returns_of(db, order_id):
    with db.unit_of_work() as uow:
        return list_returns(uow.session, order_id=order_id)


def test_no_more_comes_back_than_was_shipped(db, delivered):
    book_return(db, AGENT, delivered["order"], "defective", lines={delivered["line"]: 1})
    with pytest.raises(ReturnTooMany) as caught:
        book_return(db, AGENT, delivered["order"], "defective", lines={delivered["line"]: 2})
    assert "1 shipped and not yet returned" in caught.value.message


def test_an_order_still_in_the_warehouse_is_not_returned(db):
    with db.unit_of_work() as uow:
        s = uow.session
        order = b.order(s, b.customer(s), [(item(s), 1)], status="allocated")
        make_shipment(s, order, floor_warehouse(s, "PAR"), status="picked")
        uow.commit()
        order_id = order.id
    with pytest.raises(NotShippedYet):
        book_return(db, AGENT, order_id, "changed_mind")


def test_inspection_puts_resellable_units_back_writes_off_damaged_ones_and_asks_the_refund(
    db, delivered
):
    return_id = book_return(db, AGENT, delivered["order"], "changed_mind", fee_cents=400)
    with pytest.raises(ReturnVerbNotAllowed):
        inspect_return(db, HANDS, return_id)  # not back yet
    receive_return(db, HANDS, return_id)
    refund_id = inspect_return(db, HANDS, return_id, damaged={delivered["line"]: 1})
    with db.unit_of_work() as uow:
        s = uow.session
        order = s.get(Order, delivered["order"])
        moves = sorted(
            (m.kind, m.quantity, m.to_bin_id is not None)
            for m in s.scalars(select(StockMove).where(StockMove.kind.in_(("return", "write_off"))))
        )
        on_hand = s.scalar(select(func.sum(StockQuant.on_hand)))
        refund = s.get(Refund, refund_id)
    assert order.status == "returned"  # everything shipped came back
    assert moves == [("return", 1, True), ("write_off", 1, False)]
    assert on_hand == 6
    assert (refund.status, refund.amount_cents) == ("requested", 3600)  # €40 less the €4 fee
    (row,) = list_returns_of(db, delivered["order"])
    assert row.status == "inspected" and row.lines[0].resellable == 1
    assert_invariants(db)


def test_only_a_booked_return_is_cancelled_and_the_warehouse_may_not_book(db, delivered):
    return_id = book_return(db, AGENT, delivered["order"], "wrong_item")
    receive_return(db, HANDS, return_id)
    with pytest.raises(ReturnVerbNotAllowed):
        cancel_return(db, AGENT, return_id)
    with pytest.raises(Exception) as caught:
        book_return(db, HANDS, delivered["order"], "wrong_item")
    assert type(caught.value).__name__ == "PermissionDenied"
