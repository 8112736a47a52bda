"""Approval reserves, allocation makes shipments, and every promise ends when it should."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.errors import PermissionDenied
from app.picking.check import check_stock
from app.picking.errors import RoutingLeavesCategoryEmpty
from app.picking.routing import add_routing_rule, remove_routing_rule
from app.picking.service import allocate
from app.review.model import ReviewSettings
from app.review.service import approve_order, cancel_order, review_orders
from db.models import Bin, Order, Shipment, ShipmentLine, StockQuant
from db.models_picking import Reservation
from tests.app.picking.conftest import SUPERVISOR, assert_invariants
from tests.app.review import builders as b

APPROVE_ONLY = ReviewSettings(allocate_approved=False)


def _order(db, lines, **fields) -> int:
    with db.unit_of_work() as uow:
        s = uow.session
        order = b.order(s, b.customer(s), [(p, q) for p, q in lines], **fields)
        uow.commit()
        return order.id


def _status(db, order_id) -> str:
    with db.unit_of_work() as uow:
        return uow.session.get(Order, order_id).status


def _reserved(db, product) -> int:
    with db.unit_of_work() as uow:
        return uow.session.scalar(
            select(func.sum(StockQuant.reserved)).where(StockQuant.product_id == product.id)
        )


def test_auto_review_approval_reserves_the_oldest_quants_and_never_over_promises(db, floor):
    kettle = floor["kettle"]
    first = _order(db, [(kettle, 4)])
    second = _order(db, [(kettle, 4)])
    summary = review_orders(db, SUPERVISOR, [first, second])
    assert (summary.approved, summary.stock_short) == (1, 1)
    assert _reserved(db, kettle) == 4
    with db.unit_of_work() as uow:
        rows = uow.session.execute(
            select(StockQuant.received_date, Reservation.quantity)
            .join(StockQuant, StockQuant.id == Reservation.quant_id)
            .order_by(StockQuant.received_date)
        ).all()
    assert [(d.day, q) for d, q in rows] == [(2, 3), (5, 1)]
    assert_invariants(db)


def test_the_desk_approve_verb_reserves_and_a_short_order_goes_to_stock_short(db, floor):
    kettle = floor["kettle"]
    taken = _order(db, [(kettle, 5)])
    review_orders(db, SUPERVISOR, [taken])
    late = _order(db, [(kettle, 2)])
    with db.unit_of_work() as uow:
        version = uow.session.get(Order, late).version
    result = approve_order(
        db.unit_of_work(),
        SUPERVISOR,
        late,
        expected_version=version,
        override_reason="customer is a VIP, send it anyway",
    )
    assert result.status == "stock_short"
    assert _reserved(db, kettle) == 5
    assert_invariants(db)


def test_allocation_makes_one_shipment_per_warehouse_and_splits_only_when_needed(db, floor):
    kettle, lamp = floor["kettle"], floor["lamp"]
    single = _order(db, [(kettle, 1)])
    split = _order(db, [(kettle, 1), (lamp, 1)])
    review_orders(db, SUPERVISOR, [single, split], settings=APPROVE_ONLY)
    summary = allocate(db, SUPERVISOR)
    assert summary.as_json() == {"allocated": 2, "split": 1, "stock_short": 0, "shipments": 3}
    assert _status(db, single) == _status(db, split) == "allocated"
    with db.unit_of_work() as uow:
        lines = uow.session.scalar(select(func.count()).select_from(ShipmentLine))
        linked = uow.session.scalar(
            select(func.count())
            .select_from(Reservation)
            .where(Reservation.shipment_line_id.is_not(None))
        )
    assert (lines, linked) == (3, 3)
    assert_invariants(db)


def test_an_approved_order_whose_stock_was_flagged_goes_back_to_stock_short_holding_nothing(
    db, floor
):
    kettle = floor["kettle"]
    order_id = _order(db, [(kettle, 5)])
    review_orders(db, SUPERVISOR, [order_id], settings=APPROVE_ONLY)
    with db.unit_of_work() as uow:
        uow.session.execute(
            Bin.__table__.update().where(Bin.code == "BER-01").values(needs_count=True)
        )
        uow.commit()
    summary = allocate(db, SUPERVISOR)
    assert (summary.allocated, summary.stock_short) == (0, 1)
    assert _status(db, order_id) == "stock_short"
    assert _reserved(db, kettle) == 0
    assert_invariants(db)


def test_cancelling_an_approved_order_releases_its_reservation(db, floor):
    kettle = floor["kettle"]
    order_id = _order(db, [(kettle, 2)])
    review_orders(db, SUPERVISOR, [order_id], settings=APPROVE_ONLY)
    with db.unit_of_work() as uow:
        version = uow.session.get(Order, order_id).version
    cancel_order(
        db.unit_of_work(), SUPERVISOR, order_id, expected_version=version,
        reason="customer changed their mind", message=None,
    )  # fmt: skip
    assert _reserved(db, kettle) == 0
    assert_invariants(db)


def test_cancelling_an_allocated_order_cancels_its_shipments_and_releases_everything(db, floor):
    from app.workflow import change_status

    kettle, lamp = floor["kettle"], floor["lamp"]
    order_id = _order(db, [(kettle, 1), (lamp, 1)])
    review_orders(db, SUPERVISOR, [order_id])
    allocate(db, SUPERVISOR)
    with db.unit_of_work() as uow:
        change_status(
            uow.session, SUPERVISOR, uow.session.get(Order, order_id), "cancelled", reason="fraud"
        )
        uow.commit()
    with db.unit_of_work() as uow:
        statuses = set(uow.session.scalars(select(Shipment.status)))
    assert statuses == {"cancelled"}
    assert _reserved(db, kettle) == _reserved(db, lamp) == 0
    assert_invariants(db)


def test_routing_rules_restrict_a_category_and_refuse_leaving_it_with_no_warehouse(db, floor):
    kettle = floor["kettle"]
    rule = add_routing_rule(db.unit_of_work(), SUPERVISOR, "category", "kitchen", "PAR")
    order_id = _order(db, [(kettle, 1)])
    review_orders(db, SUPERVISOR, [order_id])
    assert _status(db, order_id) == "stock_short"  # kitchen now ships from PAR only
    with pytest.raises(RoutingLeavesCategoryEmpty, match="kitchen"):
        remove_routing_rule(db.unit_of_work(), SUPERVISOR, rule.rule_id)
    assert_invariants(db)


def test_the_stock_check_names_a_quant_whose_reserved_count_drifted(db, floor):
    kettle = floor["kettle"]
    with db.unit_of_work() as uow:
        uow.session.execute(
            StockQuant.__table__.update()
            .where(StockQuant.product_id == kettle.id)
            .values(reserved=1)
        )
        uow.commit()
    with db.unit_of_work() as uow:
        violations = check_stock(uow.session)
    assert {v.rule for v in violations} == {"reserved_equals_reservations"}
    assert len(violations) == 2


def test_ship_by_today_lists_late_shipments_first_and_leaves_later_ones_out(db, floor):
    import datetime as dt

    from app.picking.queries import ship_by_today

    kettle = floor["kettle"]
    now = dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC)
    late = _order(db, [(kettle, 1)], ship_by_at=now - dt.timedelta(hours=3))
    today = _order(db, [(kettle, 1)], ship_by_at=now + dt.timedelta(hours=5))
    _order(db, [(kettle, 1)], ship_by_at=now + dt.timedelta(days=2))
    review_orders(db, SUPERVISOR, "all_received")
    allocate(db, SUPERVISOR)
    with db.unit_of_work() as uow:
        rows = ship_by_today(uow, floor["ber"], now)
    assert [(r.order, r.late) for r in rows] == [
        (f"SO-{late:06d}", True),
        (f"SO-{today:06d}", False),
    ]


def test_a_changed_line_gives_back_what_it_held(db, floor):
    from app.picking.reserve import release_order_line
    from db.models import OrderLine

    kettle = floor["kettle"]
    order_id = _order(db, [(kettle, 2)])
    review_orders(db, SUPERVISOR, [order_id])
    with db.unit_of_work() as uow:
        line_id = uow.session.scalar(select(OrderLine.id).where(OrderLine.order_id == order_id))
        assert release_order_line(uow.session, SUPERVISOR, line_id, "quantity changed") == 2
        uow.commit()
    assert _reserved(db, kettle) == 0


def test_auto_review_allocates_what_it_approves_as_the_system_for_a_reviewer_who_may_not(db, floor):
    from app.permissions import Role
    from db.models import AuditEvent
    from tests.conftest import make_actor

    reviewer = make_actor(Role.CUSTOMER_SERVICE, username="rita")
    kettle, lamp = floor["kettle"], floor["lamp"]
    single = _order(db, [(kettle, 1)])
    split = _order(db, [(kettle, 1), (lamp, 1)])
    short = _order(db, [(lamp, 9)])
    summary = review_orders(db, reviewer, [single, split, short])
    assert (summary.approved, summary.stock_short) == (2, 1)
    assert summary.allocation.as_json() == {
        "allocated": 2, "split": 1, "stock_short": 0, "shipments": 3,
    }  # fmt: skip
    assert [_status(db, i) for i in (single, split, short)] == [
        "allocated", "allocated", "stock_short",
    ]  # fmt: skip
    with pytest.raises(PermissionDenied):  # the reviewer's own role still may not allocate
        allocate(db, reviewer)
    with db.unit_of_work() as uow:
        events = uow.session.execute(
            select(AuditEvent.actor_id, AuditEvent.actor_name, AuditEvent.reason)
            .where(AuditEvent.entity_type == "order", AuditEvent.to_state == "allocated")
            .order_by(AuditEvent.entity_id)
        ).all()
    assert [(e.actor_id, e.actor_name) for e in events] == [
        (None, "system: allocation after auto-review (rita)")
    ] * 2
    assert all(e.reason.startswith("allocated to SH-") for e in events)
    assert_invariants(db)


def test_a_sale_collected_at_the_counter_is_not_allocated_to_a_shipment(db, floor):
    collected = _order(db, [(floor["kettle"], 1)], status="approved", requested_service="in_store")
    sent = _order(db, [(floor["kettle"], 1)], status="approved")
    summary = allocate(db, SUPERVISOR)
    assert summary.allocated == 1
    assert (_status(db, collected), _status(db, sent)) == ("approved", "allocated")
    with db.unit_of_work() as uow:
        assert (
            uow.session.scalar(
                select(func.count()).select_from(Shipment).where(Shipment.order_id == collected)
            )
            == 0
        )
