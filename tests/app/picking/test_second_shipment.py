"""The rest of a short pick that ships in two: the second shipment reserves its stock
(own warehouse first, else one other), waits off the lists while none is free, and is
picked like any other — with the stock invariants after each step."""

from __future__ import annotations

from sqlalchemy import select

from app.picking import lists as pl
from app.picking.model import PickingSettings, ShortPickChoice, Step
from app.picking.service import allocate
from db.models import Bin, Shipment, ShipmentLine, StockQuant, Warehouse
from db.models_picking import Reservation
from tests.app.picking.conftest import SUPERVISOR, assert_invariants, put
from tests.app.picking.test_lists import PICKER, _allocated, _lists, _walk

SHIP_PARTIAL = PickingSettings(short_pick_default=ShortPickChoice.SHIP_PARTIAL)


def _short_pick_and_finish(db, floor) -> int:
    """Four kettles wanted, three picked at BER-01, BER-00 found empty: marked short and
    the list finished shipping what was picked. Returns the order id."""
    kettle = floor["kettle"]
    [order_id] = _allocated(db, [(kettle, 4)])
    [list_id] = _lists(db, floor["ber"], single=True)
    pl.claim_list(db, PICKER, list_id)
    for code in ("TBER0", "BER-01", kettle.sku, kettle.sku, kettle.sku, "BER-00"):
        pl.scan(db, PICKER, list_id, code)
    pl.short_pick(db, PICKER, list_id)
    pl.finish_list(db, PICKER, list_id, settings=SHIP_PARTIAL)
    assert_invariants(db)
    return order_id


def _second(db, order_id):
    """(status, warehouse id, [(bin code, units reserved)]) of the order's second shipment."""
    with db.unit_of_work() as uow:
        s = uow.session
        first, second = s.scalars(
            select(Shipment).where(Shipment.order_id == order_id).order_by(Shipment.id)
        ).all()
        held = s.execute(
            select(Bin.code, Reservation.quantity)
            .join(StockQuant, StockQuant.id == Reservation.quant_id)
            .join(Bin, Bin.id == StockQuant.bin_id)
            .join(ShipmentLine, ShipmentLine.id == Reservation.shipment_line_id)
            .where(ShipmentLine.shipment_id == second.id, Reservation.state == "open")
        ).all()
        assert first.status == "picked"
        return second.status, second.warehouse_id, [tuple(r) for r in held]


def _put_later(db, floor, warehouse: str, bin_index: int, units: int) -> None:
    with db.unit_of_work() as uow:
        wh = uow.session.get(Warehouse, floor[warehouse])
        put(uow.session, floor["kettle"], wh, bin_index, units, day=9)
        uow.commit()


def test_the_rest_of_a_short_pick_reserves_another_bin_and_is_picked_as_a_second_shipment(
    db, floor
):
    [order_id] = _allocated(db, [(floor["kettle"], 4)])
    _put_later(db, floor, "ber", 2, 5)  # after allocation: the first walk does not use it
    # The short pick of the first list (built from the allocation above).
    [list_id] = _lists(db, floor["ber"], single=True)
    pl.claim_list(db, PICKER, list_id)
    for code in ("TBER0", "BER-01", *[floor["kettle"].sku] * 3, "BER-00"):
        pl.scan(db, PICKER, list_id, code)
    pl.short_pick(db, PICKER, list_id)
    pl.finish_list(db, PICKER, list_id, settings=SHIP_PARTIAL)
    assert_invariants(db)

    assert _second(db, order_id) == ("pending", floor["ber"], [("BER-02", 1)])
    [second_list] = _lists(db, floor["ber"], single=True)
    pl.claim_list(db, PICKER, second_list)
    _walk(db, second_list)
    pl.finish_list(db, PICKER, second_list)
    assert _second(db, order_id)[0] == "picked"
    assert_invariants(db)


def test_a_second_shipment_with_no_stock_waits_off_the_lists_until_allocation_finds_it_some(
    db, floor
):
    order_id = _short_pick_and_finish(db, floor)
    assert _second(db, order_id) == ("pending", floor["ber"], [])
    assert _lists(db, floor["ber"], single=True) == []  # nothing to pick: no empty list

    _put_later(db, floor, "ber", 3, 2)
    allocate(db, SUPERVISOR)
    assert _second(db, order_id) == ("pending", floor["ber"], [("BER-03", 1)])
    assert_invariants(db)
    assert len(_lists(db, floor["ber"], single=True)) == 1


def test_a_second_shipment_moves_to_another_warehouse_when_only_that_one_can_fill_it(db, floor):
    _put_later(db, floor, "par", 1, 1)  # PAR is no one's first choice for a German order
    order_id = _short_pick_and_finish(db, floor)
    assert _second(db, order_id) == ("pending", floor["par"], [("PAR-01", 1)])
    assert_invariants(db)
    assert _lists(db, floor["ber"], single=True) == []
    assert len(_lists(db, floor["par"], single=True)) == 1


def test_a_rest_that_needs_two_warehouses_splits_into_two_shipments_instead_of_waiting(db, floor):
    kettle = floor["kettle"]
    [order_id] = _allocated(db, [(kettle, 5)])  # BER-01 (oldest) 3, BER-00 2
    [list_id] = _lists(db, floor["ber"], single=True)
    pl.claim_list(db, PICKER, list_id)
    for code in ("TBER0", "BER-01", kettle.sku, kettle.sku, kettle.sku, "BER-00"):
        pl.scan(db, PICKER, list_id, code)
    pl.short_pick(db, PICKER, list_id)  # BER-00 is empty: 2 short, the bin flagged
    _put_later(db, floor, "ber", 2, 1)  # one in Berlin, one in Paris: no one holds 2
    _put_later(db, floor, "par", 1, 1)
    pl.finish_list(db, PICKER, list_id, settings=SHIP_PARTIAL)
    assert_invariants(db)

    with db.unit_of_work() as uow:
        s = uow.session
        shipments = s.execute(
            select(Shipment.id, Shipment.warehouse_id, Shipment.status)
            .where(Shipment.order_id == order_id)
            .order_by(Shipment.id)
        ).all()
        held = s.execute(
            select(ShipmentLine.shipment_id, ShipmentLine.quantity, Bin.code, Reservation.quantity)
            .join(Reservation, Reservation.shipment_line_id == ShipmentLine.id)
            .join(StockQuant, StockQuant.id == Reservation.quant_id)
            .join(Bin, Bin.id == StockQuant.bin_id)
            .where(Reservation.state == "open")
            .order_by(ShipmentLine.shipment_id)
        ).all()
    (_first, _w, picked), (second, in_ber, waiting), (third, in_par, new) = shipments
    assert picked == "picked" and (waiting, new) == ("pending", "pending")
    assert (in_ber, in_par) == (floor["ber"], floor["par"])
    assert [tuple(r) for r in held] == [(second, 1, "BER-02", 1), (third, 1, "PAR-01", 1)]
    # Both go on lists in their own warehouse, and are picked like any other.
    [ber_list] = _lists(db, floor["ber"], single=True)
    [par_list] = _lists(db, floor["par"], single=True)
    pl.claim_list(db, PICKER, ber_list)
    _walk(db, ber_list)
    pl.finish_list(db, PICKER, ber_list)
    pl.claim_list(db, PICKER, par_list)
    for code in ("TPAR0", "PAR-01", kettle.sku):
        state = pl.scan(db, PICKER, par_list, code).state
    assert state.step is Step.DONE
    pl.finish_list(db, PICKER, par_list)
    with db.unit_of_work() as uow:
        statuses = uow.session.scalars(
            select(Shipment.status).where(Shipment.order_id == order_id).order_by(Shipment.id)
        ).all()
    assert statuses == ["picked"] * 3
    assert_invariants(db)
