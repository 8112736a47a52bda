"""Auto review on a fresh SQLite file: outcomes, stored findings, audit, batches, bulk reads."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, func, select

from app.errors import PermissionDenied
from app.permissions import Role
from app.review.model import ReviewSettings
from app.review.service import ALL_RECEIVED, review_orders
from db.models import AuditEvent, ExceptionRecord, IntakeConflict, Order, ReviewFinding
from tests.app.review import builders as b
from tests.conftest import make_actor

REVIEWER = make_actor(Role.CUSTOMER_SERVICE, username="rita")


def _status(db, order_id: int) -> str:
    with db.unit_of_work() as uow:
        return uow.session.get(Order, order_id).status


def _findings(db, order_id: int) -> list[tuple[str, str, str]]:
    with db.unit_of_work() as uow:
        rows = uow.session.scalars(select(ReviewFinding).where(ReviewFinding.order_id == order_id))
        return sorted((r.code, r.severity, r.field) for r in rows)


def _make(db, build) -> int:
    with db.unit_of_work() as uow:
        order = build(uow.session)
        uow.commit()
        return order.id


def test_a_good_order_is_approved_and_the_move_is_audited(db):
    order_id = _make(db, lambda s: b.order(s, b.customer(s), [(b.product(s), 2)]))
    summary = review_orders(db, REVIEWER, ALL_RECEIVED)
    assert (summary.reviewed, summary.approved) == (1, 1)
    assert _findings(db, order_id) == []
    with db.unit_of_work() as uow:
        approval, allocation = uow.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "order", AuditEvent.entity_id == order_id)
            .order_by(AuditEvent.id)
        ).all()
        order = uow.session.get(Order, order_id)
    assert (approval.actor_name, approval.from_state, approval.to_state) == (
        "rita",
        "received",
        "approved",
    )
    assert order.reviewed_at is not None and order.approved_at is not None
    # Then the system allocates it, on its own authority (rita's role may not allocate).
    assert order.status == "allocated" and summary.allocation.allocated == 1
    assert (allocation.actor_id, allocation.actor_name, allocation.to_state) == (
        None,
        "system: allocation after auto-review (rita)",
        "allocated",
    )


def test_review_leaves_approved_orders_unallocated_when_told_to(db):
    order_id = _make(db, lambda s: b.order(s, b.customer(s), [(b.product(s), 2)]))
    summary = review_orders(
        db, REVIEWER, ALL_RECEIVED, settings=ReviewSettings(allocate_approved=False)
    )
    assert (summary.approved, summary.allocation.allocated) == (1, 0)
    assert _status(db, order_id) == "approved"


def test_each_problem_sends_its_order_to_its_queue_with_the_finding_stored(db):
    def build(s):
        good = b.product(s)
        return {
            "no_phone": b.order(s, b.customer(s, phone=None), [(good, 1)]),
            "short": b.order(s, b.customer(s), [(b.product(s, stock=1), 3)]),
            "unpaid": b.order(s, b.customer(s), [(good, 1)], paid=False),
            "banned": b.order(s, b.customer(s, status="banned"), [(good, 1)]),
        }

    with db.unit_of_work() as uow:
        orders = {k: o.id for k, o in build(uow.session).items()}
        uow.commit()
    summary = review_orders(db, REVIEWER, ALL_RECEIVED)
    assert (summary.needs_info, summary.stock_short, summary.payment_problem) == (1, 1, 1)
    assert summary.exception == 1
    assert _status(db, orders["no_phone"]) == "needs_info"
    assert ("phone.missing", "block", "ship_to.phone") in _findings(db, orders["no_phone"])
    assert _status(db, orders["short"]) == "stock_short"
    assert _status(db, orders["unpaid"]) == "payment_problem"
    assert _status(db, orders["banned"]) == "on_hold"
    with db.unit_of_work() as uow:
        record = uow.session.scalars(select(ExceptionRecord)).one()
    assert (record.order_id, record.kind, record.state) == (orders["banned"], "account", "open")
    assert "customer.banned" in record.how_found


def test_two_identical_orders_within_the_window_both_wait_as_duplicates(db):
    def build(s):
        cust, prod = b.customer(s), b.product(s)
        first = b.order(s, cust, [(prod, 1)], line1="Invalidenstraße 5")
        second = b.order(
            s,
            cust,
            [(prod, 1)],
            line1="Invalidenstraße 5",
            purchased_at=b.NOW - dt.timedelta(minutes=5),
        )
        return first, second

    with db.unit_of_work() as uow:
        first, second = build(uow.session)
        uow.commit()
    summary = review_orders(db, REVIEWER, [first.id, second.id])
    assert summary.exception == 2
    with db.unit_of_work() as uow:
        records = uow.session.scalars(select(ExceptionRecord).order_by(ExceptionRecord.order_id))
        assert [(r.kind, r.related_order_ids) for r in records] == [
            ("duplicate", [second.id]),
            ("duplicate", [first.id]),
        ]


def test_an_open_intake_conflict_sends_the_order_to_the_exception_queue(db):
    order_id = _make(db, lambda s: b.order(s, b.customer(s), [(b.product(s), 1)]))
    with db.unit_of_work() as uow:
        uow.session.add(
            IntakeConflict(
                order_id=order_id,
                incoming_fingerprint="f" * 32,
                incoming={"total_minor": 1, "lines": [{"sku": "X", "quantity": 2}]},
            )
        )
        uow.commit()
    review_orders(db, REVIEWER, ALL_RECEIVED)
    assert _status(db, order_id) == "on_hold"
    [finding] = [f for f in _findings(db, order_id) if f[0].startswith("duplicate")]
    assert finding == ("duplicate.channel_conflict", "block", "order.channel_order_id")


def test_the_last_units_go_to_the_first_order_and_approved_orders_keep_theirs(db):
    with db.unit_of_work() as uow:
        s = uow.session
        prod = b.product(s, stock=5)
        b.order(s, b.customer(s), [(prod, 2)], status="approved")  # 2 promised already
        first = b.order(s, b.customer(s), [(prod, 2)], purchased_at=b.NOW - dt.timedelta(hours=2))
        second = b.order(s, b.customer(s), [(prod, 2)], purchased_at=b.NOW - dt.timedelta(hours=1))
        uow.commit()
    review_orders(db, REVIEWER, ALL_RECEIVED, batch_size=1)
    assert (_status(db, first.id), _status(db, second.id)) == ("allocated", "stock_short")


def test_everything_to_a_person_leaves_clean_orders_to_review_once(db):
    order_id = _make(db, lambda s: b.order(s, b.customer(s), [(b.product(s), 1)]))
    summary = review_orders(
        db, REVIEWER, ALL_RECEIVED, settings=ReviewSettings(everything_to_person=True)
    )
    assert (summary.reviewed, summary.to_review, summary.approved) == (1, 1, 0)
    with db.unit_of_work() as uow:
        order = uow.session.get(Order, order_id)
        actions = list(uow.session.scalars(select(AuditEvent.action)))
    assert order.status == "received" and order.reviewed_at is not None
    assert actions == ["review"]


def test_batches_report_progress_and_cancel_keeps_what_is_done(db):
    with db.unit_of_work() as uow:
        prod = b.product(uow.session, stock=100)
        ids = [b.order(uow.session, b.customer(uow.session), [(prod, 1)]).id for _ in range(5)]
        uow.commit()
    seen: list[tuple[int, int]] = []
    summary = review_orders(
        db,
        REVIEWER,
        ALL_RECEIVED,
        batch_size=2,
        progress=lambda done, total: seen.append((done, total)),
        cancel=lambda: len(seen) >= 2,
    )
    assert seen == [(2, 5), (4, 5)]
    assert summary.stopped and summary.reviewed == 4
    assert [_status(db, i) for i in ids] == ["allocated"] * 4 + ["received"]
    assert summary.allocation.allocated == 4  # the batches done were allocated too


def test_an_order_in_a_queue_named_explicitly_is_reviewed_again(db):
    order_id = _make(db, lambda s: b.order(s, b.customer(s, phone=None), [(b.product(s), 1)]))
    review_orders(db, REVIEWER, ALL_RECEIVED)
    with db.unit_of_work() as uow:
        uow.session.get(Order, order_id).ship_phone = "+4930901820"
        uow.commit()
    summary = review_orders(db, REVIEWER, [order_id])
    assert summary.approved == 1
    with db.unit_of_work() as uow:
        moves = list(
            uow.session.execute(
                select(AuditEvent.from_state, AuditEvent.to_state).order_by(AuditEvent.id)
            )
        )
    # One move, one event: a re-review no longer hops through "received".
    assert moves == [
        ("received", "needs_info"),
        ("needs_info", "approved"),
        ("approved", "allocated"),  # the system's allocation that follows
    ]
    assert _findings(db, order_id) == []


def test_orders_not_awaiting_review_are_skipped(db):
    order_id = _make(
        db, lambda s: b.order(s, b.customer(s), [(b.product(s), 1)], status="approved")
    )
    summary = review_orders(db, REVIEWER, [order_id, 999_999])
    assert (summary.reviewed, summary.skipped) == (0, 2)


def test_a_warehouse_role_may_not_review(db):
    with pytest.raises(PermissionDenied):
        review_orders(db, make_actor(Role.WAREHOUSE), ALL_RECEIVED)


def test_a_batch_costs_the_same_number_of_reads_whatever_its_size(db):
    def build(count: int) -> None:
        with db.unit_of_work() as uow:
            s = uow.session
            products = [b.product(s, stock=500) for _ in range(3)]
            for i in range(count):
                cust = b.customer(s)
                b.address(s, cust)
                b.order(s, cust, [(products[i % 3], 1), (products[(i + 1) % 3], 2)])
            uow.commit()

    def selects_for_one_run() -> int:
        statements: list[str] = []

        def count(conn, cursor, statement, *args) -> None:
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            review_orders(db, REVIEWER, ALL_RECEIVED)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    build(5)
    few = selects_for_one_run()
    build(60)
    many = selects_for_one_run()
    assert many == few  # the allocation that follows the approvals included
    with db.unit_of_work() as uow:
        allocated = uow.session.scalar(
            select(func.count()).select_from(Order).where(Order.status == "allocated")
        )
    assert allocated == 65


def test_an_order_changed_at_a_desk_during_its_batch_is_reviewed_again_not_overwritten(
    db, monkeypatch
):
    import app.review.auto as service

    with db.unit_of_work() as uow:
        s = uow.session
        prod = b.product(s, stock=10)
        ids = [b.order(s, b.customer(s), [(prod, 1)]).id for _ in range(3)]
        uow.commit()
    real_review_batch = service.review_batch
    calls = []

    def desk_cancels_one_meanwhile(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # another desk cancels an order after the batch read it
            with db.unit_of_work() as desk:
                order = desk.session.get(Order, ids[1])
                order.status = "cancelled"
                desk.commit()
        return real_review_batch(*args, **kwargs)

    monkeypatch.setattr(service, "review_batch", desk_cancels_one_meanwhile)
    summary = review_orders(db, REVIEWER, ALL_RECEIVED)
    assert len(calls) == 2  # the batch was read again after losing the race
    assert (summary.approved, summary.skipped) == (2, 1)
    assert [_status(db, i) for i in ids] == ["allocated", "cancelled", "allocated"]
    with db.unit_of_work() as uow:
        moves = uow.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_id == ids[1])
        )
    assert moves == 0


def test_a_dear_first_order_from_a_new_account_to_a_new_address_waits_as_an_exception(db):
    with db.unit_of_work() as uow:
        s = uow.session
        newcomer = b.customer(s, created_at=b.NOW - dt.timedelta(days=1))
        b.address(s, newcomer, line1="Home 1")
        television = b.product(s, price=90_000, category="electronics")
        far_away = b.order(s, newcomer, [(television, 1)], line1="Parcel Shop 7")
        home = b.order(s, newcomer, [(television, 1)], line1="Home 1", ship_postal_code="80331")
        uow.commit()
    review_orders(db, REVIEWER, [far_away.id, home.id])
    assert (_status(db, far_away.id), _status(db, home.id)) == ("on_hold", "allocated")
    assert ("malicious.new_account_high_value", "block", "ship_to") in _findings(db, far_away.id)


def test_an_exception_cleared_on_review_again_is_released_and_the_order_goes_on(db):
    from db.models import Customer

    order_id = _make(db, lambda s: b.order(s, b.customer(s, status="frozen"), [(b.product(s), 1)]))
    review_orders(db, REVIEWER, [order_id])
    with db.unit_of_work() as uow:
        customer_id = uow.session.get(Order, order_id).customer_id
        uow.session.get(Customer, customer_id).status = "active"  # finance thawed it
        uow.commit()
    review_orders(db, REVIEWER, [order_id])
    assert _status(db, order_id) == "allocated"
    with db.unit_of_work() as uow:
        record = uow.session.scalars(select(ExceptionRecord)).one()
    assert (record.state, record.result, record.version) == ("closed", "released", 2)
