"""The stock verbs on a fresh SQLite file: what they write, what they refuse, what they keep."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from sqlalchemy import func, select

from app.errors import (
    BinInOtherWarehouse,
    ConcurrentUpdate,
    CountBelowReserved,
    InvalidInput,
    NotEnoughStock,
    PermissionDenied,
    StockChangedSinceCounted,
    StockWouldGoNegative,
    UnknownCode,
)
from app.permissions import Role
from app.stock import queries
from app.stock.incoming import add_incoming, cancel_incoming
from app.stock.service import (
    adjust_stock,
    book_count,
    identify,
    move_stock,
    preview_count,
    receive_stock,
)
from db.models import AuditEvent, Bin, IncomingStock, StockMove, StockQuant, utcnow
from tests import factories
from tests.conftest import make_actor

WAREHOUSE = make_actor(Role.WAREHOUSE, username="wh")
SUPERVISOR = make_actor(Role.SUPERVISOR, username="boss")
CLERK = make_actor(Role.CUSTOMER_SERVICE, username="cs")


@pytest.fixture
def floor(db):
    """One warehouse BER1 (receiving R-01, storage A-00..A-02, overflow O-01, pick face P-01),
    another MAN1 with its own A-00; a pen with a barcode."""
    with db.unit_of_work() as uow:
        s = uow.session
        ber = factories.warehouse(s, "BER1")
        man = factories.warehouse(s, "MAN1", bins=1)
        for code, kind, seq in (("R-01", "receiving", 100), ("O-01", "overflow", 200)):
            s.add(Bin(warehouse_id=ber.id, code=code, kind=kind, pick_sequence=seq))
        s.add(Bin(warehouse_id=ber.id, code="P-01", kind="pick_face", pick_sequence=300))
        man_bin = s.scalar(select(Bin).where(Bin.warehouse_id == man.id))
        man_bin.code = "M-01"
        pen = factories.product(s, "PEN-1", barcode="4006381333931", name="Fountain pen 钢笔")
        ink = factories.product(s, "INK-1", name="Ink")
        uow.commit()
        return {"ber": ber.id, "man": man.id, "pen": pen.id, "ink": ink.id}


def receive(db, qty=10, bin_code="R-01", product="PEN-1", **kw):
    with db.unit_of_work() as uow:
        return receive_stock(
            uow, WAREHOUSE, warehouse="BER1", product=product, quantity=qty, bin_code=bin_code, **kw
        )


def quants(db, product_id):
    with db.unit_of_work() as uow:
        return uow.session.execute(
            select(
                StockQuant.bin_id, StockQuant.on_hand, StockQuant.reserved, StockQuant.received_date
            )
            .where(StockQuant.product_id == product_id)
            .order_by(StockQuant.id)
        ).all()


def moves_agree(db, product_id):
    with db.unit_of_work() as uow:
        by_moves = {
            k: v for k, v in queries.on_hand_from_moves(uow.session, product_id).items() if v
        }
        by_quants = {k: v for k, v in queries.on_hand_by_bin(uow.session, product_id).items() if v}
    return by_moves == by_quants


def test_receiving_by_barcode_makes_a_quant_dated_today_a_move_and_an_audit_event(db, floor):
    result = receive(db, 12, product="4006381333931")
    assert (result.sku, result.quantity, result.bin_code, result.on_hand_in_bin) == (
        "PEN-1",
        12,
        "R-01",
        12,
    )
    [(bin_id, on_hand, reserved, day)] = quants(db, floor["pen"])
    assert (on_hand, reserved, day) == (12, 0, utcnow().date())
    with db.unit_of_work() as uow:
        move = uow.session.scalars(select(StockMove)).one()
        event = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "receive")).one()
    assert (move.kind, move.quantity, move.to_bin_id, move.from_bin_id) == (
        "receipt",
        12,
        bin_id,
        None,
    )
    assert event.entity_type == "stock" and event.actor_name == "wh"
    assert "Free receiving" in move.reason


def test_receipts_on_other_days_stay_separate_quants_for_fifo(db, floor):
    receive(db, 5, received_date=dt.date(2026, 9, 1))
    receive(db, 7, received_date=dt.date(2026, 10, 1))
    receive(db, 1, received_date=dt.date(2026, 10, 1))
    assert [(q.on_hand, q.received_date) for q in quants(db, floor["pen"])] == [
        (5, dt.date(2026, 9, 1)),
        (8, dt.date(2026, 10, 1)),
    ]


def test_receiving_against_the_expected_line_reduces_it_then_closes_it(db, floor):
    soon = utcnow().date() + dt.timedelta(days=3)
    with db.unit_of_work() as uow:
        line = add_incoming(
            uow,
            SUPERVISOR,
            product="PEN-1",
            quantity=20,
            expected_date=soon,
            warehouse="BER1",
            reference="PO-1",
        )
    first = receive(db, 8)
    assert (first.incoming_reference, first.incoming_left) == ("PO-1", 12)
    second = receive(db, 15)
    assert (second.incoming_left, second.surplus) == (0, 3)
    with db.unit_of_work() as uow:
        row = uow.session.get(IncomingStock, line.id)
        assert row.status == "received"
    third = receive(db, 1)
    assert third.incoming_id is None


def test_free_receiving_leaves_the_expected_line_alone(db, floor):
    soon = utcnow().date() + dt.timedelta(days=3)
    with db.unit_of_work() as uow:
        add_incoming(uow, SUPERVISOR, product="PEN-1", quantity=20, expected_date=soon)
    result = receive(db, 4, free_receiving=True)
    assert result.incoming_id is None
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(IncomingStock.quantity)) == 20


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"product": "NOPE"}, UnknownCode, "product"),
        ({"bin_code": "Z-99"}, UnknownCode, "bin"),
        ({"bin_code": "M-01"}, BinInOtherWarehouse, "bin"),
        ({"qty": 0}, InvalidInput, "quantity"),
        ({"qty": -4}, InvalidInput, "quantity"),
        ({"qty": 10_000_000}, InvalidInput, "quantity"),
    ],
)
def test_bad_receiving_input_names_the_field_and_changes_nothing(db, floor, fields, error, field):
    with pytest.raises(error) as caught:
        receive(db, **fields)
    assert caught.value.field == field
    assert quants(db, floor["pen"]) == []
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(StockMove)) == 0


def test_a_bin_of_another_warehouse_is_named_with_its_warehouse(db, floor):
    with pytest.raises(BinInOtherWarehouse) as caught:
        receive(db, bin_code="m-01")
    assert "MAN1" in caught.value.message and "BER1" in caught.value.message


def test_customer_service_may_not_receive_and_warehouse_staff_may_not_count(db, floor):
    with db.unit_of_work() as uow, pytest.raises(PermissionDenied):
        receive_stock(uow, CLERK, warehouse="BER1", product="PEN-1", quantity=1, bin_code="R-01")
    receive(db, 3)
    with db.unit_of_work() as uow, pytest.raises(PermissionDenied):
        book_count(
            uow,
            WAREHOUSE,
            warehouse="BER1",
            product="PEN-1",
            bin_code="R-01",
            counted=1,
            reason="cycle count",
        )


def test_putaway_moves_the_oldest_units_and_keeps_their_received_dates(db, floor):
    receive(db, 5, received_date=dt.date(2026, 9, 1))
    receive(db, 5, received_date=dt.date(2026, 10, 1))
    with db.unit_of_work() as uow:
        result = move_stock(
            uow,
            WAREHOUSE,
            warehouse="BER1",
            product="PEN-1",
            quantity=7,
            from_bin="R-01",
            to_bin="A-01",
        )
    assert (result.left_in_from_bin, result.now_in_to_bin) == (3, 7)
    with db.unit_of_work() as uow:
        shelf = uow.session.scalar(select(Bin.id).where(Bin.code == "A-01"))
        move = uow.session.scalars(select(StockMove).where(StockMove.kind == "move")).one()
    assert move.reason == "Putaway"
    assert sorted(
        (q.on_hand, q.received_date) for q in quants(db, floor["pen"]) if q.bin_id == shelf
    ) == [
        (2, dt.date(2026, 10, 1)),
        (5, dt.date(2026, 9, 1)),
    ]
    assert moves_agree(db, floor["pen"])


def test_a_move_never_takes_reserved_units(db, floor):
    receive(db, 5)
    with db.unit_of_work() as uow:
        quant = uow.session.scalars(select(StockQuant)).one()
        quant.reserved = 3
        uow.commit()
    with db.unit_of_work() as uow, pytest.raises(NotEnoughStock) as caught:
        move_stock(
            uow,
            WAREHOUSE,
            warehouse="BER1",
            product="PEN-1",
            quantity=3,
            from_bin="R-01",
            to_bin="A-01",
        )
    assert caught.value.free == 2
    assert [q.on_hand for q in quants(db, floor["pen"])] == [5]


def test_a_count_shows_the_difference_first_and_books_it_with_a_reason(db, floor):
    receive(db, 10, bin_code="A-01")
    with db.unit_of_work() as uow:
        preview = preview_count(
            uow.session, SUPERVISOR, warehouse="BER1", product="PEN-1", bin_code="A-01", counted=8
        )
    assert (preview.system, preview.counted, preview.difference) == (10, 8, -2)
    assert [q.on_hand for q in quants(db, floor["pen"])] == [10]  # a preview writes nothing
    with db.unit_of_work() as uow:
        result = book_count(
            uow,
            SUPERVISOR,
            warehouse="BER1",
            product="PEN-1",
            bin_code="A-01",
            counted=8,
            reason="Cycle count",
            expected_system=10,
        )
    assert result.difference == -2
    assert [q.on_hand for q in quants(db, floor["pen"])] == [8]
    assert moves_agree(db, floor["pen"])


def test_a_count_needs_a_reason(db, floor):
    receive(db, 10, bin_code="A-01")
    with db.unit_of_work() as uow, pytest.raises(InvalidInput) as caught:
        book_count(
            uow,
            SUPERVISOR,
            warehouse="BER1",
            product="PEN-1",
            bin_code="A-01",
            counted=8,
            reason="",
        )
    assert caught.value.field == "reason"


def test_a_count_below_what_is_reserved_is_refused_with_both_numbers(db, floor):
    receive(db, 10, bin_code="A-01")
    with db.unit_of_work() as uow:
        uow.session.scalars(select(StockQuant)).one().reserved = 6
        uow.commit()
    with db.unit_of_work() as uow, pytest.raises(CountBelowReserved) as caught:
        book_count(
            uow,
            SUPERVISOR,
            warehouse="BER1",
            product="PEN-1",
            bin_code="A-01",
            counted=4,
            reason="Cycle count",
        )
    assert (caught.value.counted, caught.value.reserved) == (4, 6)
    assert [q.on_hand for q in quants(db, floor["pen"])] == [10]


def test_a_count_of_stock_changed_at_another_desk_since_it_was_shown_is_refused(db, floor):
    receive(db, 10, bin_code="A-01")
    receive(db, 2, bin_code="A-01")
    with db.unit_of_work() as uow, pytest.raises(StockChangedSinceCounted):
        book_count(
            uow,
            SUPERVISOR,
            warehouse="BER1",
            product="PEN-1",
            bin_code="A-01",
            counted=11,
            reason="Cycle count",
            expected_system=10,
        )


def test_an_adjustment_that_would_make_stock_negative_is_refused(db, floor):
    receive(db, 2, bin_code="A-01")
    with db.unit_of_work() as uow, pytest.raises(StockWouldGoNegative):
        adjust_stock(
            uow,
            SUPERVISOR,
            warehouse="BER1",
            product="PEN-1",
            bin_code="A-01",
            change=-3,
            reason="Damaged",
        )
    with db.unit_of_work() as uow:
        result = adjust_stock(
            uow,
            SUPERVISOR,
            warehouse="BER1",
            product="PEN-1",
            bin_code="A-01",
            change=-2,
            reason="Damaged in handling",
        )
    assert result.after == 0
    assert moves_agree(db, floor["pen"])


def test_a_gain_found_in_an_empty_bin_is_booked_as_a_new_quant(db, floor):
    with db.unit_of_work() as uow:
        book_count(
            uow,
            SUPERVISOR,
            warehouse="BER1",
            product="INK-1",
            bin_code="A-02",
            counted=3,
            reason="Found on shelf",
        )
    assert [q.on_hand for q in quants(db, floor["ink"])] == [3]
    assert moves_agree(db, floor["ink"])


def test_incoming_stock_refuses_past_dates_and_unknown_warehouses(db, floor):
    with db.unit_of_work() as uow, pytest.raises(InvalidInput) as caught:
        add_incoming(uow, SUPERVISOR, product="PEN-1", quantity=5, expected_date="2020-01-01")
    assert caught.value.field == "expected date"
    with db.unit_of_work() as uow, pytest.raises(UnknownCode) as unknown:
        add_incoming(
            uow,
            SUPERVISOR,
            product="PEN-1",
            quantity=5,
            expected_date=utcnow().date(),
            warehouse="XX9",
        )
    assert unknown.value.field == "warehouse"


def test_a_cancelled_delivery_is_no_longer_received_against(db, floor):
    with db.unit_of_work() as uow:
        line = add_incoming(
            uow, SUPERVISOR, product="PEN-1", quantity=5, expected_date=utcnow().date()
        )
    with db.unit_of_work() as uow:
        cancel_incoming(uow, SUPERVISOR, line.id, "Supplier cancelled")
    assert receive(db, 1).incoming_id is None


def test_a_scan_is_identified_as_bin_product_quantity_or_said_unknown(db, floor):
    with db.unit_of_work() as uow:
        s = uow.session
        assert identify(s, floor["ber"], "r-01").kind == "bin"
        assert identify(s, floor["ber"], "4006381333931").product.sku == "PEN-1"
        assert identify(s, floor["ber"], "ink-1").product.sku == "INK-1"
        assert identify(s, floor["ber"], "24").number == 24
        other = identify(s, floor["ber"], "M-01")
        assert other.kind == "unknown" and "MAN1" in other.text
        unknown = identify(s, floor["ber"], "XYZ")
        assert unknown.kind == "unknown" and "BER1" in unknown.text


def test_a_failed_conditional_update_changes_nothing(db, floor):
    receive(db, 5, bin_code="A-01")
    from app.stock import service

    with db.unit_of_work() as uow:
        quant_id = uow.session.scalar(select(StockQuant.id))
        with pytest.raises(ConcurrentUpdate):
            service._change_quant(uow.session, quant_id, -6)


def test_desks_on_one_sqlite_file_receiving_and_moving_at_once_lose_no_unit(db_url, floor):
    import threading

    from app.database import open_database

    errors: list[BaseException] = []

    def desk(seed: int) -> None:
        import random

        rng = random.Random(seed)
        database = open_database(db_url)
        try:
            for _ in range(10):
                with database.unit_of_work() as uow:
                    if rng.random() < 0.5:
                        receive_stock(
                            uow, WAREHOUSE, warehouse="BER1", product="PEN-1",
                            quantity=rng.randint(1, 5), bin_code=rng.choice(("R-01", "A-01")),
                        )  # fmt: skip
                    else:
                        source, target = rng.sample(("R-01", "A-01", "A-02"), 2)
                        with contextlib.suppress(NotEnoughStock):
                            move_stock(
                                uow, WAREHOUSE, warehouse="BER1", product="PEN-1", quantity=1,
                                from_bin=source, to_bin=target,
                            )  # fmt: skip
        except BaseException as error:  # the test reports any failure
            errors.append(error)
        finally:
            database.dispose()

    threads = [threading.Thread(target=desk, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    from app.database import open_database as reopen

    database = reopen(db_url)
    try:
        assert moves_agree(database, floor["pen"])
    finally:
        database.dispose()
