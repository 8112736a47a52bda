"""Order intake on a fresh SQLite file: exactly once, all or nothing, nothing overwritten."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.errors import PermissionDenied
from app.formats.common import FormatError
from app.intake import import_file
from app.permissions import Role
from db.models import (
    Address,
    AuditEvent,
    Customer,
    ImportBatch,
    IntakeConflict,
    Order,
    OrderImport,
    OrderLine,
    Payment,
)
from tests import factories
from tests.conftest import make_actor

FIXTURES = Path(__file__).parent / "formats" / "fixtures"
REPORT = (FIXTURES / "amazon_orders_report.txt").read_text(encoding="utf-8").splitlines()
HEADER, ROWS = REPORT[0], REPORT[1:]
COLUMNS = HEADER.split("\t")


def report(tmp_path: Path, *rows: str, name: str = "orders.txt") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def with_cell(row: str, column: str, value: str) -> str:
    cells = row.split("\t")
    cells[COLUMNS.index(column)] = value
    return "\t".join(cells)


def count(db, model) -> int:
    with db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def orders_by_channel_id(db) -> dict[str, Order]:
    with db.unit_of_work() as uow:
        rows = uow.session.scalars(select(Order)).all()
        for order in rows:
            order.lines  # noqa: B018 - load while the session is open
        return {order.channel_order_id: order for order in rows}


# --------------------------------------------------------------------------- exactly once


def test_import_lands_received_orders_with_lines_payments_and_audit(db, admin, tmp_path):
    with db.unit_of_work() as uow:
        mug = factories.product(uow.session, sku="MUG-BLUE-350")
        uow.commit()
    summary = import_file(db, admin, report(tmp_path, *ROWS))
    assert (summary.new_orders, summary.rejected_orders) == (3, 0)
    orders = orders_by_channel_id(db)
    order = orders["203-1234567-7654321"]
    assert order.channel == "amazon" and order.status == "received"
    assert order.purchased_at == dt.datetime(2026, 11, 20, 8, 15, tzinfo=dt.UTC)
    assert order.received_at.tzinfo is not None
    assert order.total_cents == 2580 + 890 + 245 and order.currency == "GBP"
    assert [(line.sku, line.product_id) for line in order.lines] == [
        ("MUG-BLUE-350", mug.id),
        ("TEA-SENCHA-100", None),  # unknown SKU: kept, flagged later by review
    ]
    assert order.lines[0].quantity == 2 and order.lines[0].line_total_cents == 2580
    assert summary.unknown_skus == 3
    with db.unit_of_work() as uow:
        payment = uow.session.scalars(select(Payment).where(Payment.order_id == order.id)).one()
        event = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.entity_id == order.id)
        ).one()
    assert (payment.method, payment.amount_cents, payment.currency) == ("marketplace", 3715, "GBP")
    assert (event.action, event.to_state, event.actor_name) == (
        "imported",
        "received",
        "admin-tester",
    )
    assert event.detail["file"] == "orders.txt" and event.detail["rows"] == [2, 3]


def test_importing_the_same_file_twice_creates_nothing_the_second_time(db, admin, tmp_path):
    path = report(tmp_path, *ROWS)
    import_file(db, admin, path)
    before = [count(db, model) for model in (Order, OrderLine, Payment, Customer, AuditEvent)]
    again = import_file(db, admin, path)
    assert (again.new_orders, again.already_present, again.conflicts) == (0, 3, 0)
    assert [
        count(db, model) for model in (Order, OrderLine, Payment, Customer, AuditEvent)
    ] == before


def test_overlapping_file_creates_only_the_new_orders(db, admin, tmp_path):
    import_file(db, admin, report(tmp_path, ROWS[0], ROWS[1], name="monday.txt"))
    summary = import_file(db, admin, report(tmp_path, *ROWS, name="tuesday.txt"))
    assert (summary.new_orders, summary.already_present) == (2, 1)
    assert count(db, Order) == 3


def test_same_order_from_another_layout_is_already_present(db, admin, tmp_path):
    import_file(db, admin, report(tmp_path, ROWS[2]))
    # Same content, other column order: the raw rows differ, the fingerprint does not.
    columns = COLUMNS[::-1]
    cells = ROWS[2].split("\t")[::-1]
    other = tmp_path / "reversed.txt"
    other.write_text("\t".join(columns) + "\n" + "\t".join(cells) + "\n", encoding="utf-8")
    summary = import_file(db, admin, other)
    assert (summary.new_orders, summary.already_present, summary.conflicts) == (0, 1, 0)


def test_changed_items_are_recorded_as_a_conflict_not_overwritten(db, admin, tmp_path):
    import_file(db, admin, report(tmp_path, ROWS[2], name="first.txt"))
    changed = report(tmp_path, with_cell(ROWS[2], "quantity-purchased", "2"), name="later.txt")
    summary = import_file(db, admin, changed)
    assert (summary.new_orders, summary.already_present, summary.conflicts) == (0, 0, 1)
    order = orders_by_channel_id(db)["205-7654321-1234567"]
    assert order.lines[0].quantity == 1  # what was stored stays
    with db.unit_of_work() as uow:
        conflict = uow.session.scalars(select(IntakeConflict)).one()
        events = uow.session.execute(
            select(AuditEvent.action, AuditEvent.detail).where(AuditEvent.entity_id == order.id)
        ).all()
    assert conflict.order_id == order.id and conflict.resolved_at is None
    assert conflict.incoming["lines"][0]["quantity"] == 2
    assert [c["reason"] for c in conflict.incoming["channel_conflicts"]] == ["items_changed"]
    assert conflict.stored_fingerprint != conflict.incoming_fingerprint
    assert [action for action, _ in events] == ["imported", "import_conflict"]
    assert events[1][1]["reasons"] == ["items_changed"]
    again = import_file(db, admin, changed)  # the same change again: one record, not two
    assert again.conflicts == 1 and count(db, IntakeConflict) == 1


def test_a_changed_ship_to_before_picking_is_applied_and_audited(db, admin, tmp_path):
    import_file(db, admin, report(tmp_path, ROWS[2], name="first.txt"))
    changed = report(tmp_path, with_cell(ROWS[2], "ship-postal-code", "E2 7AA"), name="later.txt")
    summary = import_file(db, admin, changed)
    assert (summary.conflicts, summary.channel_updates) == (0, 1)
    order = orders_by_channel_id(db)["205-7654321-1234567"]
    assert order.ship_postal_code == "E2 7AA" and order.version == 2
    with db.unit_of_work() as uow:
        detail = uow.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "channel_update")
        ).one()
    assert detail["changes"] == [
        {"field": "ship_to", "old": {"postal_code": "E1 6AN"}, "new": {"postal_code": "E2 7AA"}}
    ]
    again = import_file(db, admin, changed)  # what was applied is what we have now
    assert (again.already_present, again.channel_updates, again.conflicts) == (1, 0, 0)


def test_channel_now_reporting_cancelled_cancels_the_order(db, admin, tmp_path):
    all_orders = (FIXTURES / "amazon_all_orders_cp1252.txt").read_bytes().decode("cp1252")
    header, *rows = all_orders.splitlines()
    path = tmp_path / "all.txt"
    path.write_text("\n".join([header, rows[0]]) + "\n", encoding="utf-8")
    assert import_file(db, admin, path).new_orders == 1
    cells = rows[0].split("\t")
    cells[4] = "Cancelled"
    path.write_text("\n".join([header, "\t".join(cells)]) + "\n", encoding="utf-8")
    summary = import_file(db, admin, path)
    assert (summary.conflicts, summary.channel_cancellations) == (0, 1)
    (order,) = orders_by_channel_id(db).values()
    assert order.status == "cancelled"


def test_amazon_fulfilled_and_cancelled_orders_are_counted_not_stored(db, admin):
    summary = import_file(db, admin, FIXTURES / "amazon_all_orders_cp1252.txt")
    assert (summary.new_orders, summary.not_for_warehouse) == (2, 2)
    orders = orders_by_channel_id(db)
    assert set(orders) == {"402-0000001-0000001", "402-0000004-0000004"}
    assert [line.sku for line in orders["402-0000004-0000004"].lines] == ["BOWL"]


# --------------------------------------------------------------------------- all or nothing


def test_order_with_one_bad_row_is_rejected_whole_while_others_import(db, admin, tmp_path):
    bad = with_cell(ROWS[1], "quantity-purchased", "abc")
    summary = import_file(db, admin, report(tmp_path, ROWS[0], bad, ROWS[2], ROWS[3]))
    assert (summary.new_orders, summary.rejected_orders, summary.rejected_row_count) == (2, 1, 2)
    assert {(r.row, r.order_id) for r in summary.rejected_rows} == {
        (2, "203-1234567-7654321"),
        (3, "203-1234567-7654321"),
    }
    assert "203-1234567-7654321" not in orders_by_channel_id(db)
    assert count(db, OrderLine) == 2


def test_a_killed_import_leaves_whole_orders_and_a_rerun_finishes_the_job(db, admin, tmp_path):
    path = report(tmp_path, *ROWS)
    calls = []

    def crash_after_first_batch(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 1:
            raise KeyboardInterrupt  # the process is stopped between two batches

    with pytest.raises(KeyboardInterrupt):
        import_file(db, admin, path, progress=crash_after_first_batch, batch_orders=1)
    orders = orders_by_channel_id(db)
    assert list(orders) == ["203-1234567-7654321"]
    assert len(orders["203-1234567-7654321"].lines) == 2  # never half an order
    with db.unit_of_work() as uow:
        batch = uow.session.scalars(select(ImportBatch)).one()
    assert (batch.status, batch.new_orders) == ("failed", 1)
    summary = import_file(db, admin, path, batch_orders=1)
    assert (summary.new_orders, summary.already_present) == (2, 1)
    assert count(db, Order) == 3 and count(db, OrderLine) == 4


def test_failure_inside_a_batch_rolls_back_that_batch_only(db, admin, tmp_path, monkeypatch):
    import app.intake.writer as intake

    real = intake.line_row
    seen: list[int] = []

    def failing_line_row(order_id, line_no, line, *rest):
        seen.append(order_id)
        if line.sku == "KETTLE-STEEL-1L":
            raise RuntimeError("disk full")
        return real(order_id, line_no, line, *rest)

    monkeypatch.setattr(intake, "line_row", failing_line_row)
    with pytest.raises(RuntimeError):
        import_file(db, admin, report(tmp_path, *ROWS), batch_orders=1)
    assert list(orders_by_channel_id(db)) == ["203-1234567-7654321"]
    with db.unit_of_work() as uow:
        batch = uow.session.scalars(select(ImportBatch)).one()
    assert (batch.status, batch.new_orders, batch.units_done) == ("failed", 1, 2)
    assert count(db, OrderImport) == 1 and count(db, AuditEvent) == 1


def test_cancel_stops_between_batches_and_says_so(db, admin, tmp_path):
    summary = import_file(db, admin, report(tmp_path, *ROWS), cancel=lambda: True, batch_orders=2)
    assert summary.cancelled and summary.new_orders == 2
    with db.unit_of_work() as uow:
        batch = uow.session.scalars(select(ImportBatch)).one()
    assert (batch.status, batch.new_orders, batch.units_done) == ("cancelled", 2, 3)


def test_progress_counts_rows_against_the_total(db, admin, tmp_path):
    seen: list[tuple[int, int]] = []
    import_file(
        db, admin, report(tmp_path, *ROWS), progress=lambda *p: seen.append(p), batch_orders=1
    )
    assert seen[-1] == (4, 4) and [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_unreadable_file_changes_nothing(db, admin, tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("")
    with pytest.raises(FormatError):
        import_file(db, admin, path)
    assert count(db, ImportBatch) == 0


# --------------------------------------------------------------------------- who and whom


def test_a_warehouse_only_actor_may_not_import(db, tmp_path):
    with pytest.raises(PermissionDenied):
        import_file(db, make_actor(Role.WAREHOUSE), report(tmp_path, *ROWS))
    assert count(db, Order) == 0


def test_customer_service_may_import(db, tmp_path):
    assert import_file(db, make_actor(Role.CUSTOMER_SERVICE), report(tmp_path, ROWS[2])).new_orders


def test_existing_customer_is_matched_by_email_not_duplicated(db, admin, tmp_path):
    with db.unit_of_work() as uow:
        known = factories.customer(uow.session, "Anna S.", email="ABC123@marketplace.amazon.co.uk")
        uow.commit()
    summary = import_file(db, admin, report(tmp_path, ROWS[0], ROWS[1]))
    assert summary.new_customers == 0
    assert orders_by_channel_id(db)["203-1234567-7654321"].customer_id == known.id


def test_repeat_buyer_in_one_file_and_across_files_is_one_customer(db, admin, tmp_path):
    second = with_cell(ROWS[2], "order-id", "205-0000000-0000001")
    second = with_cell(second, "order-item-id", "1")
    import_file(db, admin, report(tmp_path, ROWS[2], second, name="a.txt"))
    third = with_cell(ROWS[2], "order-id", "205-0000000-0000002")
    import_file(db, admin, report(tmp_path, third, name="b.txt"))
    orders = orders_by_channel_id(db)
    assert len({order.customer_id for order in orders.values()}) == 1
    assert count(db, Customer) == 1 and count(db, Address) == 1


def test_shared_phone_does_not_merge_buyers_with_different_emails(db, admin, tmp_path):
    other = with_cell(ROWS[2], "order-id", "205-0000000-0000009")
    other = with_cell(other, "buyer-email", "someone@marketplace.amazon.co.uk")
    for row in (ROWS[2], other):
        row = with_cell(row, "buyer-phone-number", "+44 20 7946 0999")
        import_file(db, admin, report(tmp_path, row, name=f"{row[:3]}{id(row)}.txt"))
    assert count(db, Customer) == 2


def test_phone_only_buyers_are_matched_by_phone(db, admin, tmp_path):
    header = "order_id,channel,order_date,currency,sku,quantity,line_total,buyer_name,buyer_phone"
    path = tmp_path / "shop.csv"
    path.write_text(
        header
        + "\nP-1,otto,2026-11-20,EUR,A-1,1,5.00,Jan,+49 (30) 123-4567"
        + "\nP-2,otto,2026-11-21,EUR,A-1,1,5.00,Jan,+4930 1234567\n",
        encoding="utf-8",
    )
    summary = import_file(db, admin, path)
    assert summary.new_orders == 2 and count(db, Customer) == 1
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(Customer.phone)) == "+49301234567"


def test_json_and_partner_csv_import_through_the_same_service(db, admin):
    spapi = import_file(db, admin, FIXTURES / "spapi_orders_with_items.json")
    assert (spapi.new_orders, spapi.not_for_warehouse, spapi.rejected_orders) == (2, 1, 1)
    assert [r.row for r in spapi.rejected_rows] == [4]
    order = orders_by_channel_id(db)["113-0000001-0000001"]
    assert order.ship_by_at == dt.datetime(2026, 11, 23, 7, 59, 59, tzinfo=dt.UTC)
    pending = orders_by_channel_id(db)["113-0000002-0000002"]
    with db.unit_of_work() as uow:
        paid = set(uow.session.scalars(select(Payment.order_id)))
    assert order.id in paid and pending.id not in paid  # Pending: not paid yet
    sample = Path(__file__).resolve().parents[2] / "resources" / "samples"
    partner = import_file(db, admin, sample / "partner_orders_template.csv")
    assert partner.new_orders == 3
    assert {o.channel for o in orders_by_channel_id(db).values()} >= {"partner:kaufland"}
    assert import_file(db, admin, FIXTURES / "spapi_orders_with_items.json").already_present == 2


def test_two_imports_of_one_file_at_once_on_sqlite_make_each_order_once(db, admin, tmp_path):
    import threading

    from app.database import open_database

    rows = [
        with_cell(with_cell(ROWS[2], "order-id", f"205-{n:07d}-0000001"), "order-item-id", "1")
        for n in range(60)
    ]
    path = report(tmp_path, *rows)
    start = threading.Barrier(2)
    results, errors = [], []

    def desk() -> None:
        database = open_database(str(db.url))
        try:
            start.wait()
            results.append(import_file(database, admin, path, batch_orders=5))
        except BaseException as error:  # reported on the test's thread
            errors.append(error)
        finally:
            database.dispose()

    threads = [threading.Thread(target=desk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.new_orders for r in results) == 60
    assert sum(r.already_present for r in results) == 60
    assert count(db, Order) == 60


def test_values_shared_by_a_whole_batch_are_stored_exactly_even_with_quotes(db, tmp_path):
    # The actor's name is written into the batch's INSERT once, not bound per row.
    actor = make_actor(Role.ADMIN, username="o'brien'); --")
    summary = import_file(db, actor, report(tmp_path, *ROWS))
    with db.unit_of_work() as uow:
        events = uow.session.scalars(select(AuditEvent)).all()
        orders = uow.session.scalars(select(Order)).all()
        payments = uow.session.scalars(select(Payment)).all()
    assert len(events) == summary.new_orders == 3
    assert {(e.actor_name, e.action, e.to_state, e.reason) for e in events} == {
        ("o'brien'); --", "imported", "received", "")
    }
    assert {(o.status, o.priority, o.version) for o in orders} == {("received", 0, 1)}
    assert len({o.received_at for o in orders} | {e.at for e in events}) == 1
    assert {(p.method, p.status) for p in payments} == {("marketplace", "captured")}
