"""Desk work on the demo: every state the import and review desks add, made by their services."""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections import defaultdict

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.database import Database, open_database
from app.demo import demo_reference_time, generate_demo
from app.demo import desk_work as demo_desk_work
from app.demo.desk_work import DESK_STATES, LEFT_FOR_REVIEW, DeskWorkSummary, stage_desk_work
from app.permissions import Role
from app.workflow import ORDER_TRANSITIONS
from db.models import (
    AuditEvent,
    BlockListEntry,
    ContactTask,
    Customer,
    CustomerMessage,
    ExceptionRecord,
    ImportBatch,
    IncomingStock,
    IntakeConflict,
    Order,
    Payment,
    Promotion,
    ReviewFinding,
)
from tests.conftest import make_actor

ORDERS = 1000
SEED = 3
ANYONE = make_actor(Role.SUPERVISOR)


def _stage(database: Database, seed: int = SEED, orders: int = ORDERS) -> DeskWorkSummary:
    result = generate_demo(database, orders=orders, seed=seed)
    return stage_desk_work(database, result, seed=seed)


@pytest.fixture
def staged(db: Database) -> tuple[Database, DeskWorkSummary]:
    return db, _stage(db)


def _all(database: Database, query) -> list:
    with database.unit_of_work() as uow:
        return [tuple(row) for row in uow.session.execute(query)]


# --------------------------------------------------------------------------- intake


def test_two_imports_leave_batches_present_orders_a_rejection_and_a_conflict(staged):
    database, summary = staged
    batches = _all(
        database,
        select(
            ImportBatch.status,
            ImportBatch.actor_name,
            ImportBatch.new_orders,
            ImportBatch.already_present,
            ImportBatch.conflicts,
            ImportBatch.not_for_warehouse,
            ImportBatch.rejected_orders,
            ImportBatch.rejected_rows,
        ).order_by(ImportBatch.id),
    )
    assert len(batches) == 2 and {b[:2] for b in batches} == {("done", "cs")}
    first, second = batches
    assert first[2] > 20 and first[5:] == (1, 1, 2)  # one AFN order; one order of two rows
    assert second[3] >= 5 and second[4] == 1 and second[2] >= 1
    conflicts = _all(
        database,
        select(IntakeConflict.order_id, IntakeConflict.resolved_at, Order.status).join(
            Order, Order.id == IntakeConflict.order_id
        ),
    )
    assert [(resolved, status) for _, resolved, status in conflicts] == [(None, "on_hold")]
    codes = _all(
        database, select(ReviewFinding.code).where(ReviewFinding.order_id == conflicts[0][0])
    )
    assert ("duplicate.channel_conflict",) in codes
    assert summary.import_batches == 2 and summary.intake_conflicts == 1


# --------------------------------------------------------------------------- review


def test_every_queue_has_work_and_the_newest_orders_wait_for_review(staged):
    database, summary = staged
    assert all(count > 0 for count in summary.queues.values()), summary.queues
    now = demo_reference_time()
    placed = _all(
        database,
        select(func.coalesce(Order.purchased_at, Order.received_at)).where(
            Order.status == "received"
        ),
    )
    assert placed and all(at >= now - LEFT_FOR_REVIEW for (at,) in placed)
    queues = {queue for (queue,) in _all(database, select(ReviewFinding.queue).distinct())}
    assert queues == {"needs_info", "stock_short", "payment_problem", "exception"}


def test_every_desk_state_is_made_and_none_is_missing(staged):
    _, summary = staged
    assert summary.missing == ()
    assert set(summary.states) == set(DESK_STATES)
    assert len(set(summary.states.values())) == len(DESK_STATES)  # one order shows one state


def test_contact_tasks_and_drafted_messages_include_a_chinese_one(staged):
    database, _ = staged
    tasks = set(_all(database, select(ContactTask.kind, ContactTask.state, ContactTask.answer)))
    assert {
        ("request_info", "open", None),
        ("unreachable", "open", None),
        ("payment_problem", "open", None),
        ("payment_problem", "done", "paid_again"),
        ("stock_short", "open", None),
        ("stock_short", "done", "wait"),
        ("stock_short", "done", "substitute"),
        ("stock_short", "done", "decline"),
    } <= tasks
    messages = _all(database, select(CustomerMessage.kind, CustomerMessage.language))
    assert ("request_info", "zh_CN") in messages
    kinds = {kind for kind, _ in messages}
    assert {"cancelled", "cancelled_stock", "cancelled_duplicate", "stock_short"} <= kinds


def test_exceptions_of_each_kind_are_handled_and_some_stay_open(staged):
    database, _ = staged
    records = set(
        _all(database, select(ExceptionRecord.kind, ExceptionRecord.state, ExceptionRecord.result))
    )
    assert {
        ("duplicate", "closed", "kept"),
        ("duplicate", "closed", "cancelled_duplicate"),
        ("duplicate", "open", None),
        ("malicious", "closed", "banned"),
        ("malicious", "open", None),  # the banned buyer's second account, caught
        ("unreachable", "held", None),
        ("account", "open", None),
    } <= records
    held = _all(
        database, select(ExceptionRecord.callback_at).where(ExceptionRecord.state == "held")
    )
    assert held and all(at > demo_reference_time() for (at,) in held)
    plans = _all(database, select(ExceptionRecord.plan).where(ExceptionRecord.kind == "account"))
    assert any(plan.startswith("Finance") for (plan,) in plans)


def test_the_supervisor_bans_the_burst_buyer_and_blocks_their_identifiers(staged):
    database, _ = staged
    entries = _all(
        database,
        select(BlockListEntry.kind, BlockListEntry.added_by_name, Customer.status).join(
            Customer, Customer.id == BlockListEntry.customer_id
        ),
    )
    assert {kind for kind, _, _ in entries} == {"customer", "email", "phone", "address"}
    assert {(by, status) for _, by, status in entries} == {("supervisor", "banned")}
    banned_orders = _all(
        database,
        select(Order.status)
        .join(ExceptionRecord, ExceptionRecord.order_id == Order.id)
        .where(ExceptionRecord.result == "banned"),
    )
    assert len(banned_orders) == 5 and set(banned_orders) == {("cancelled",)}


def test_a_resolved_payment_is_a_captured_card_payment(staged):
    database, summary = staged
    number = summary.states["payment_resolved"]
    payments = _all(
        database,
        select(Payment.method, Payment.status).where(Payment.order_id == int(number[3:])),
    )
    assert ("card", "captured") in payments


# --------------------------------------------------------------------------- data the rules read


def test_promotions_explain_some_demo_discounts(staged):
    database, summary = staged
    rows = _all(
        database,
        select(Promotion.sku, Promotion.category, Promotion.percent_off, Promotion.ends_at),
    )
    assert any(sku for sku, *_ in rows) and any(category for _, category, *_ in rows)
    assert any(percent is None for *_, percent, _ in rows)  # an amount off
    assert any(percent for *_, percent, _ in rows)
    assert any(ends is None for *_, ends in rows) and any(ends for *_, ends in rows)
    assert 0 < summary.explained_lines < summary.discounted_lines


def test_incoming_stock_dates_the_wait_for_the_sold_out_products(staged):
    database, summary = staged
    expected = _all(database, select(IncomingStock.expected_date, IncomingStock.status))
    assert expected and all(
        status == "expected" and day > demo_reference_time().date() for day, status in expected
    )
    waits = _all(database, select(ContactTask.wait_until).where(ContactTask.answer == "wait"))
    assert waits and {day for (day,) in waits} <= {day for day, _ in expected}
    assert summary.incoming_stock == len(expected)


# --------------------------------------------------------------------------- rules kept


def test_every_audited_order_transition_is_one_the_workflow_allows(staged):
    database, _ = staged
    current = dict(_all(database, select(Order.id, Order.status)))
    events = _all(
        database,
        select(AuditEvent.entity_id, AuditEvent.from_state, AuditEvent.to_state)
        .where(AuditEvent.entity_type == "order", AuditEvent.action == "status")
        .order_by(AuditEvent.id),
    )
    trail: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for order_id, before, after in events:
        assert (before, after) in ORDER_TRANSITIONS, (order_id, before, after)
        trail[order_id].append((before, after))
    for order_id, steps in trail.items():
        assert steps[0][0] == "received"
        assert all(a[1] == b[0] for a, b in itertools.pairwise(steps)), order_id
        assert steps[-1][1] == current[order_id]


def test_the_same_seed_gives_the_same_desk_work(staged, tmp_path):
    database, summary = staged
    again = open_database(f"sqlite:///{tmp_path / 'again.sqlite'}")
    try:
        assert _stage(again) == summary
        assert _snapshot(again) == _snapshot(database)
    finally:
        again.dispose()


def _snapshot(database: Database) -> dict[str, list]:
    """What the desk work made, without the times and ids the services stamp."""
    queries = {
        "orders": select(Order.id, Order.status, Order.total_cents),
        "exceptions": select(
            ExceptionRecord.order_id, ExceptionRecord.kind, ExceptionRecord.result
        ),
        "tasks": select(ContactTask.order_id, ContactTask.kind, ContactTask.answer),
        "messages": select(CustomerMessage.order_id, CustomerMessage.language),
        "promotions": select(Promotion.name, Promotion.starts_at, Promotion.ends_at),
        "incoming": select(IncomingStock.product_id, IncomingStock.expected_date),
        "blocked": select(BlockListEntry.kind, BlockListEntry.value_key),
    }
    return {name: sorted(_all(database, query), key=repr) for name, query in queries.items()}


def test_the_review_run_is_bounded_whatever_the_size_of_the_demo(db, monkeypatch):
    monkeypatch.setattr(demo_desk_work, "MAX_REVIEWED", 40)
    summary = _stage(db, orders=600)
    assert summary.reviewed == 40
    assert summary.queues["to_review"] > 40  # the rest is left for the desk


def test_a_demo_without_orders_is_staged_and_names_the_states_it_lacks(db):
    summary = _stage(db, orders=0)
    # Duplicates and frozen accounts come only from the demo's own orders.
    assert {"duplicate_kept", "exception_plan"} <= set(summary.missing)
    assert summary.import_batches == 2


# --------------------------------------------------------------------------- command line


def test_orderdesk_demo_reports_the_desk_work_in_json_and_text(capsys, db_url, tmp_path):
    assert main(["--db", db_url, "demo", "--orders", "400", "--seed", "2", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    work = printed["desk_work"]
    assert work["import_batches"] == 2 and work["queues"]["to_review"] > 0
    assert set(work) == {f.name for f in dataclasses.fields(DeskWorkSummary)}
    text_db = f"sqlite:///{tmp_path / 'text.sqlite'}"
    assert main(["--db", text_db, "demo", "--orders", "400", "--seed", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("Desk work: 2 imports") and "to review" in lines[1]
