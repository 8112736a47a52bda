"""The channel's later word at import: applied in the import's transaction where it is safe
(audited with old and new values), a conflict with its reason where it is not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main
from app.intake import import_file
from app.intake.bench import HEADER as ORDERS_HEADER
from app.intake.price_lists import import_price_list
from app.picking.check import check_stock
from app.picking.service import allocate
from app.review.service import review_orders
from db.models import (
    AuditEvent,
    IntakeConflict,
    Order,
    OrderLine,
    Payment,
    ReviewFinding,
    Shipment,
)
from db.models_changes import ChannelCancellation
from db.models_picking import Reservation
from tests import factories
from tests.app.changes.test_changes import _packed_with_label
from tests.app.formats.test_real_samples import samples_dir
from tests.app.picking.conftest import SUPERVISOR, floor_warehouse, item, put
from tests.app.review import builders as b
from tests.app.test_intake_unshipped import price_file, row, unshipped

ORDER_ID = "403-1111111-2222222"
ORDERS_COLUMNS = ORDERS_HEADER.split("\t")


@pytest.fixture
def lamp(db):
    with db.unit_of_work() as uow:
        factories.product(uow.session, "LAMP-1", price_cents=2500, currency="EUR")
        uow.commit()


def orders_report(tmp_path: Path, name: str = "orders.txt", **cells: str) -> Path:
    """The same order as Amazon's Orders report shows it: with money, without promise dates."""
    values = {
        "order-id": ORDER_ID,
        "order-item-id": "11111111111111",
        "purchase-date": "2026-11-20T10:00:00+00:00",
        "payments-date": "2026-11-20T10:05:00+00:00",
        "buyer-email": "abc123@marketplace.amazon.de",
        "buyer-name": "Anna Müller",
        "sku": "LAMP-1",
        "product-name": "Desk lamp",
        "quantity-purchased": "2",
        "currency": "EUR",
        "item-price": "49.90",
        "item-tax": "7.97",
        "shipping-price": "4.50",
        "shipping-tax": "0.72",
        "ship-service-level": "Standard",
        "recipient-name": "Anna Müller",
        "ship-address-1": "Hof 1",
        "ship-city": "Berlin",
        "ship-postal-code": "10115",
        "ship-country": "DE",
        "is-business-order": "false",
    } | {key.replace("_", "-"): value for key, value in cells.items()}
    path = tmp_path / name
    line = "\t".join(values.get(column, "") for column in ORDERS_COLUMNS)
    path.write_text(ORDERS_HEADER + "\n" + line + "\n", encoding="utf-8")
    return path


def the_order(db):
    with db.unit_of_work() as uow:
        s = uow.session
        order = s.scalars(select(Order).where(Order.channel_order_id == ORDER_ID)).one()
        lines = s.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).all()
        payments = s.scalars(select(Payment).where(Payment.order_id == order.id)).all()
        return order, list(lines), list(payments)


def channel_updates(db) -> list[dict]:
    with db.unit_of_work() as uow:
        return list(
            uow.session.scalars(
                select(AuditEvent.detail).where(AuditEvent.action == "channel_update")
            )
        )


def test_real_amounts_replace_the_price_list_estimate_and_the_payment(db, admin, lamp, tmp_path):
    import_price_list(
        db, SUPERVISOR, "DE", "EUR", price_file(tmp_path, "sku,price\nLAMP-1,24.90\n")
    )
    import_file(db, admin, unshipped(tmp_path, row()))
    summary = import_file(db, admin, orders_report(tmp_path))
    assert (summary.channel_updates, summary.conflicts) == (1, 0)
    order, [line], [payment] = the_order(db)
    assert (order.amounts_source, order.total_cents) == ("channel", 4990 + 450)  # VAT included
    assert (line.line_total_cents, line.unit_price_cents, line.tax_cents) == (4990, 2495, 797)
    assert (payment.amount_cents, payment.currency) == (5440, "EUR")
    [detail] = channel_updates(db)
    assert detail["changes"] == [
        {
            "field": "amounts",
            "old": {"source": "estimated", "currency": "EUR", "total": 4980},
            "new": {"currency": "EUR", "total": 5440},
        }
    ]
    # The Unshipped report again (no money, other columns): nothing to apply, no conflict.
    again = import_file(db, admin, unshipped(tmp_path, row()))
    assert (again.already_present, again.channel_updates, again.conflicts) == (1, 0, 0)
    assert the_order(db)[0].amounts_source == "channel"


def test_a_pending_order_arriving_paid_gets_its_payment(db, admin, lamp, tmp_path):
    import_file(db, admin, orders_report(tmp_path, "pending.txt", payments_date=""))
    order, _lines, payments = the_order(db)
    review_orders(db, SUPERVISOR, [order.id])
    assert payments == [] and the_order(db)[0].status == "payment_problem"
    summary = import_file(db, admin, orders_report(tmp_path, "paid.txt"))
    assert (summary.channel_updates, summary.conflicts) == (1, 0)
    assert the_order(db)[0].status == "received"  # to be reviewed again, now paid
    _order, _lines, [payment] = the_order(db)
    assert (payment.status, payment.amount_cents) == ("captured", 5440)
    assert payment.method == "marketplace"
    assert channel_updates(db)[0]["changes"] == [{"field": "paid", "old": False, "new": True}]


def test_a_price_changed_after_payment_stays_a_conflict_with_its_reason(db, admin, lamp, tmp_path):
    import_file(db, admin, orders_report(tmp_path, "first.txt"))
    summary = import_file(db, admin, orders_report(tmp_path, "later.txt", item_price="39.90"))
    assert (summary.channel_updates, summary.conflicts) == (0, 1)
    assert the_order(db)[0].total_cents == 5440
    with db.unit_of_work() as uow:
        conflict = uow.session.scalars(select(IntakeConflict)).one()
    [reason] = conflict.incoming["channel_conflicts"]
    assert reason == {
        "reason": "price_changed_after_payment",
        "field": "total",
        "old": {"currency": "EUR", "total": 5440},
        "new": {"currency": "EUR", "total": 4440},
    }
    # The review desk shows the person why it was not applied.
    review_orders(db, SUPERVISOR, [conflict.order_id])
    with db.unit_of_work() as uow:
        messages = uow.session.scalars(
            select(ReviewFinding.message).where(ReviewFinding.code == "duplicate.channel_conflict")
        ).all()
    assert any("not applied: the price changed after payment" in m for m in messages)


# --------------------------------------------------------------------------- the warehouse


@pytest.fixture
def allocated(db) -> int:
    """An Amazon order reviewed and allocated: its stock is held, its shipment waits."""
    with db.unit_of_work() as uow:
        s = uow.session
        wh = floor_warehouse(s, "BER")
        kettle = item(s, name="Lamp", sku="LAMP-1", barcode="4006381333931")
        put(s, kettle, wh, 0, 5)
        order = b.order(
            s,
            b.customer(s),
            [(kettle, 2)],
            channel="amazon",
            channel_order_id=ORDER_ID,
            line1="Hof 1",
            ship_name="Anna Müller",
        )
        uow.commit()
        order_id = order.id
    review_orders(db, SUPERVISOR, [order_id])
    allocate(db, SUPERVISOR)
    return order_id


def warehouse(db, order_id: int):
    with db.unit_of_work() as uow:
        s = uow.session
        status = s.get(Order, order_id).status
        shipments = s.scalars(select(Shipment.status).where(Shipment.order_id == order_id)).all()
        held = s.scalars(select(Reservation.quantity).where(Reservation.order_id == order_id)).all()
        return status, list(shipments), sum(held), check_stock(s)


def test_an_imported_buyer_cancellation_stops_the_warehouse(db, admin, allocated, tmp_path):
    assert warehouse(db, allocated)[:3] == ("allocated", ["pending"], 2)
    path = unshipped(tmp_path, row(is_buyer_requested_cancellation="true"))
    summary = import_file(db, admin, path)
    assert (summary.channel_cancellations, summary.conflicts) == (1, 0)
    assert warehouse(db, allocated) == ("cancelled", ["cancelled"], 0, [])
    with db.unit_of_work() as uow:
        told = uow.session.scalars(select(ChannelCancellation.reason_code)).all()
        moves = uow.session.execute(
            select(AuditEvent.action, AuditEvent.to_state, AuditEvent.reason).where(
                AuditEvent.entity_type == "order", AuditEvent.entity_id == allocated
            )
        ).all()
    assert told == ["BuyerCanceled"]  # Amazon wants the seller to confirm the buyer's request
    assert ("status", "cancelled", "buyer_requested") in moves
    assert ("channel_update", "cancelled", "") in moves


def test_a_new_address_once_packed_stays_a_conflict(db, admin, allocated, tmp_path):
    _packed_with_label(db, allocated)
    summary = import_file(db, admin, unshipped(tmp_path, row(ship_address_1="Ring 9")))
    assert summary.conflicts == 1
    # What is safe is applied all the same (the report's promise date), the address not.
    assert all(c["field"] != "ship_to" for d in channel_updates(db) for c in d["changes"])
    with db.unit_of_work() as uow:
        assert uow.session.get(Order, allocated).ship_line1 == "Hof 1"
        conflict = uow.session.scalars(select(IntakeConflict)).one()
    reasons = {c["reason"] for c in conflict.incoming["channel_conflicts"]}
    assert "already_packed" in reasons


# --------------------------------------------------------------------------- command line


@pytest.mark.usefixtures("staff_login")
def test_two_reports_imported_in_sequence_on_the_command_line(db_url, capsys, tmp_path, db, lamp):
    first = unshipped(tmp_path, row())
    assert main(["import", str(first), "--db", db_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["new_orders"] == 1
    later = orders_report(tmp_path, ship_postal_code="10117")
    assert main(["import", str(later), "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "1 order updated with what the channel sent." in out
    assert main(["import", str(later), "--db", db_url, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["already_present"], summary["channel_updates"]) == (1, 0)
    order, _lines, _payments = the_order(db)
    assert (order.ship_postal_code, order.amounts_source) == ("10117", "channel")


# --------------------------------------------------------------------------- real samples

SAMPLES = samples_dir()
REPORTS = SAMPLES / "order-reports" if SAMPLES else Path("/nonexistent")


@pytest.mark.skipif(not REPORTS.is_dir(), reason="the public Amazon samples are not here")
def test_a_real_order_report_then_the_real_unshipped_layout_is_no_conflict(db, admin, tmp_path):
    """yomajo's Orders report (34 columns), then the same order as the Unshipped Orders
    report's real header (airbyte) lays it out: no prices, no buyer name, no ship phone."""
    orders = (REPORTS / "yomajo__sample_amzn_export.txt").read_text(encoding="utf-8")
    assert import_file(db, admin, REPORTS / "yomajo__sample_amzn_export.txt").new_orders == 1
    header, first, *_ = orders.splitlines()
    cells = dict(zip(header.lower().split("\t"), first.split("\t"), strict=True))
    unshipped_header = (
        (REPORTS / "airbyte__GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING.csv")
        .read_text(encoding="utf-8")
        .splitlines()[0]
    )
    cells |= {"quantity-to-ship": cells["quantity-purchased"], "quantity-shipped": "0"}
    row = "\t".join(cells.get(column, "") for column in unshipped_header.split("\t"))
    path = tmp_path / "unshipped.txt"
    path.write_text(unshipped_header + "\n" + row + "\n", encoding="utf-8")
    summary = import_file(db, admin, path)
    assert (summary.already_present, summary.channel_updates, summary.conflicts) == (1, 0, 0)
