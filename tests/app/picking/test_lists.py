"""Pick lists end to end at the service level: scan by scan, with the invariant after each."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.picking import lists as pl
from app.picking.errors import (
    ConfirmationNeeded,
    NotYourList,
    PickListIncomplete,
    PickListUnavailable,
    PickQuantityInvalid,
    ScanOutOfStep,
    WrongBin,
    WrongItem,
)
from app.picking.model import PickingSettings, ShortPickChoice, Step
from app.picking.queries import list_board, pick_list_document, wrong_scans_by_picker
from app.picking.service import allocate
from app.review.service import review_orders
from db.models import Bin, ContactTask, Order, Shipment, StockQuant
from tests.app.picking.conftest import (
    OTHER_PICKER,
    PICKER,
    SUPERVISOR,
    assert_invariants,
    item,
    put,
)
from tests.app.review import builders as b


def _allocated(db, *orders) -> list[int]:
    ids = []
    with db.unit_of_work() as uow:
        s = uow.session
        for lines in orders:
            ids.append(b.order(s, b.customer(s), lines).id)
        uow.commit()
    review_orders(db, SUPERVISOR, ids)
    allocate(db, SUPERVISOR)
    return ids


def _lists(db, warehouse_id, **kw) -> list[int]:
    return pl.create_pick_lists(db.unit_of_work(), SUPERVISOR, warehouse_id, **kw)


def _walk(db, list_id, actor=PICKER):
    """Scan as a picker would until every stop is done: totes, bin, confirm, items."""
    for _ in range(200):
        state = pl.scan(db, actor, list_id, _next_code(db, list_id)).state
        assert_invariants(db)
        if state.step is Step.DONE:
            return state
    raise AssertionError("the walk did not end")


def _next_code(db, list_id) -> str:
    with db.unit_of_work() as uow:
        state = pl.pick_state(uow.session, list_id)
        if state.step is Step.TOTE:
            from db.models_picking import PickListShipment, Tote

            used = set(
                uow.session.scalars(
                    select(PickListShipment.tote_id).where(PickListShipment.tote_id.is_not(None))
                )
            )
            return uow.session.scalar(
                select(Tote.code).where(Tote.id.not_in(used) if used else True).order_by(Tote.id)
            )
    stop = state.stop
    if state.step is Step.BIN:
        return stop.bin_code
    if state.step is Step.CONFIRM:
        return "CONFIRM"
    return stop.barcode or stop.sku


def test_a_batch_list_walks_bins_in_sequence_with_one_stop_per_bin_and_product(db, floor):
    kettle = floor["kettle"]
    _allocated(db, [(kettle, 2)], [(kettle, 2)])
    [list_id] = _lists(db, floor["ber"], batch_size=4)
    doc = pick_list_document(db.unit_of_work().__enter__(), list_id)
    # Oldest stock first (bin BER-01, 3 units), then BER-00: walk order is the sequence.
    assert [(s.bin_code, s.quantity) for s in doc.stops] == [("BER-01", 3), ("BER-00", 1)]
    assert [t.quantity for t in doc.stops[0].totes] == [2, 1]
    assert len(doc.shipments) == 2


def test_a_list_is_picked_by_scans_alone_and_finishing_marks_its_shipments_picked(db, floor):
    kettle = floor["kettle"]
    _allocated(db, [(kettle, 2)], [(kettle, 1)])
    [list_id] = _lists(db, floor["ber"], batch_size=4)
    pl.claim_list(db, PICKER, list_id)
    _walk(db, list_id)
    pl.finish_list(db, PICKER, list_id)
    with db.unit_of_work() as uow:
        assert set(uow.session.scalars(select(Shipment.status))) == {"picked"}
        on_hand = uow.session.scalar(
            select(func.sum(StockQuant.on_hand)).where(StockQuant.product_id == kettle.id)
        )
    assert on_hand == 3
    assert_invariants(db)


def test_two_pickers_never_hold_the_same_list(db, floor):
    _allocated(db, [(floor["kettle"], 1)])
    [list_id] = _lists(db, floor["ber"], single=True)
    pl.claim_list(db, PICKER, list_id)
    with pytest.raises(PickListUnavailable, match="claimed by picker"):
        pl.claim_list(db, OTHER_PICKER, list_id)
    with pytest.raises(NotYourList):
        pl.scan(db, OTHER_PICKER, list_id, "BER-01")


def test_wrong_bin_and_wrong_item_are_refused_by_name_counted_and_change_nothing(db, floor):
    kettle = floor["kettle"]
    _allocated(db, [(kettle, 2)])
    [list_id] = _lists(db, floor["ber"], single=True)
    pl.claim_list(db, PICKER, list_id)
    pl.scan(db, PICKER, list_id, "TBER0")
    with pytest.raises(WrongBin, match="go to bin BER-01"):
        pl.scan(db, PICKER, list_id, "BER-00")
    with pytest.raises(ScanOutOfStep):
        pl.scan(db, PICKER, list_id, kettle.sku)
    pl.scan(db, PICKER, list_id, "BER-01")
    with pytest.raises(WrongItem, match=kettle.sku):
        pl.scan(db, PICKER, list_id, "4000000099999")
    with pytest.raises(ScanOutOfStep, match="then type the count"):
        pl.scan(db, PICKER, list_id, "1")  # a count before the item was scanned once
    with db.unit_of_work() as uow:
        state = pl.pick_state(uow.session, list_id)
        assert (state.stop.picked, state.wrong_scans) == (0, 4)
        assert wrong_scans_by_picker(uow) == {"picker": 4}
    assert_invariants(db)


def test_a_typed_count_confirms_the_quantity_and_undo_gives_units_back(db, floor):
    kettle = floor["kettle"]
    _allocated(db, [(kettle, 3)])
    [list_id] = _lists(db, floor["ber"], single=True)
    pl.claim_list(db, PICKER, list_id)
    for code in ("TBER0", "BER-01", kettle.barcode):
        pl.scan(db, PICKER, list_id, code)
    result = pl.scan(db, PICKER, list_id, "3")
    assert result.units == 2 and result.state.step is Step.DONE
    assert_invariants(db)
    undone = pl.undo_last_scan(db, PICKER, list_id)
    assert undone.state.stop.picked == 1
    with pytest.raises(PickQuantityInvalid):
        pl.scan(db, PICKER, list_id, "4")
    assert_invariants(db)


def test_undo_takes_back_a_bin_and_then_a_tote_scan(db, floor):
    kettle = floor["kettle"]
    _allocated(db, [(kettle, 1)])
    [list_id] = _lists(db, floor["ber"], single=True)
    before = pl.claim_list(db, PICKER, list_id).version
    pl.scan(db, PICKER, list_id, "TBER0")
    assert pl.scan(db, PICKER, list_id, "BER-01").state.step is Step.ITEM
    assert pl.undo_last_scan(db, PICKER, list_id).state.step is Step.BIN
    undone = pl.undo_last_scan(db, PICKER, list_id)
    assert undone.state.step is Step.TOTE and undone.state.version == before + 4
    with db.unit_of_work() as uow:
        assert pl.pick_state(uow.session, list_id) == undone.state
    assert pl.scan(db, PICKER, list_id, "TBER0").state.step is Step.BIN
    assert_invariants(db)


def test_fragile_stops_ask_for_confirmation_before_the_item(db, floor):
    lamp = floor["lamp"]
    _allocated(db, [(lamp, 1)])
    [list_id] = _lists(db, floor["par"], single=True)
    pl.claim_list(db, PICKER, list_id)
    pl.scan(db, PICKER, list_id, "TPAR0")
    state = pl.scan(db, PICKER, list_id, "PAR-02").state
    assert state.step is Step.CONFIRM
    with pytest.raises(ConfirmationNeeded, match="FRAGILE"):
        pl.scan(db, PICKER, list_id, lamp.sku)
    pl.confirm_handling(db, PICKER, list_id)
    assert pl.scan(db, PICKER, list_id, lamp.sku).state.step is Step.DONE


def test_a_short_pick_flags_the_bin_and_takes_the_rest_from_another_bin(db, floor):
    with db.unit_of_work() as uow:
        cup = item(uow.session)
        put(
            uow.session,
            cup,
            uow.session.get(__import__("db.models").models.Warehouse, floor["ber"]),
            2,
            2,
            day=1,
        )
        put(
            uow.session,
            cup,
            uow.session.get(__import__("db.models").models.Warehouse, floor["ber"]),
            3,
            5,
            day=9,
        )
        uow.commit()
    _allocated(db, [(cup, 2)])
    [list_id] = _lists(db, floor["ber"], single=True)
    pl.claim_list(db, PICKER, list_id)
    for code in ("TBER0", "BER-02"):
        pl.scan(db, PICKER, list_id, code)
    with db.unit_of_work() as uow:
        assert [(o.bin_code, o.free) for o in pl.other_bins(uow.session, list_id)] == [
            ("BER-03", 5)
        ]
    result = pl.short_pick(db, PICKER, list_id, other_bin="BER-03")
    assert result.state.stop.bin_code == "BER-03"
    assert_invariants(db)
    _walk(db, list_id)
    pl.finish_list(db, PICKER, list_id)
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(Bin.needs_count).where(Bin.code == "BER-02"))
        assert set(uow.session.scalars(select(Shipment.status))) == {"picked"}
    assert_invariants(db)


def test_a_line_marked_short_is_released_and_customer_service_gets_the_choice(db, floor):
    kettle = floor["kettle"]
    [order_id] = _allocated(db, [(kettle, 4)])
    [list_id] = _lists(db, floor["ber"], single=True)
    pl.claim_list(db, PICKER, list_id)
    for code in ("TBER0", "BER-01", kettle.sku, kettle.sku, kettle.sku, "BER-00"):
        pl.scan(db, PICKER, list_id, code)
    pl.short_pick(db, PICKER, list_id)
    assert_invariants(db)
    state = pl.finish_list(
        db,
        PICKER,
        list_id,
        settings=PickingSettings(short_pick_default=ShortPickChoice.SHIP_PARTIAL),
    )
    assert state.status == "finished"
    with db.unit_of_work() as uow:
        s = uow.session
        shipments = s.execute(select(Shipment.status).order_by(Shipment.id)).scalars().all()
        task = s.scalar(select(ContactTask).where(ContactTask.order_id == order_id))
        assert s.get(Order, order_id).status == "allocated"
    assert shipments == ["picked", "pending"]  # the rest follows as a second shipment
    assert task.kind == "stock_short" and task.what_code == "picking.short_pick"
    assert task.what_values["choice"] == "ship_partial"
    assert "Default: ship what was picked." in task.what_needed
    assert_invariants(db)


def test_an_unfinished_list_cannot_be_finished_and_can_be_released_or_taken_over(db, floor):
    _allocated(db, [(floor["kettle"], 1)])
    [list_id] = _lists(db, floor["ber"], single=True)
    pl.claim_list(db, PICKER, list_id)
    with pytest.raises(PickListIncomplete):
        pl.finish_list(db, PICKER, list_id)
    taken = pl.take_over(db, SUPERVISOR, list_id, "desk 3 went home")
    assert taken.picker == "sup"
    released = pl.release_list(db, SUPERVISOR, list_id)
    assert released.status == "open"
    with db.unit_of_work() as uow:
        assert [r.status for r in list_board(uow, floor["ber"])] == ["open"]
        assert set(uow.session.scalars(select(Shipment.status))) == {"pending"}
