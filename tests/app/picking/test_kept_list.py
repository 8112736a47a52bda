"""The list kept between a picker's scans (``listing.keep``): whatever another desk
changes under it — at another process (a second ``Database`` on the same file here) —
is seen at the picker's next scan, and a scan that fails leaves nothing kept behind."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from app.database import open_database
from app.permissions import Role
from app.picking import lists as pl
from app.picking.model import Step
from app.stock.setup import save_bin, set_product_barcode, set_product_flags
from app.workflow import change_status
from db.models import Order
from db.models_picking import PickList
from tests.app.picking.conftest import PICKER, SUPERVISOR, assert_invariants
from tests.app.picking.test_lists import _allocated, _lists
from tests.conftest import make_actor

ADMIN = make_actor(Role.ADMIN, username="setup")


@pytest.fixture
def other_desk(db_url):
    """Another desk's process: its own engine, so it shares nothing kept with ours."""
    database = open_database(db_url)
    yield database
    database.dispose()


def _fresh(db, list_id):
    with db.unit_of_work() as uow:
        return pl.pick_state(uow.session, list_id)


def _scan(db, list_id, code):
    """A scan whose state is what a fresh read of the list says, too."""
    result = pl.scan(db, PICKER, list_id, code)
    assert dataclasses.replace(result.state, last_scan="") == _fresh(db, list_id)
    return result


def test_a_shipment_cancelled_at_another_desk_is_withdrawn_from_the_next_scan(
    db, floor, other_desk
):
    kettle = floor["kettle"]
    first, second = _allocated(db, [(kettle, 1)], [(kettle, 1)])
    [list_id] = _lists(db, floor["ber"], batch_size=4)
    pl.claim_list(db, PICKER, list_id)
    for code in ("TBER0", "TBER1", "BER-01"):
        _scan(db, list_id, code)
    with other_desk.unit_of_work() as uow:
        order = uow.session.get(Order, second)
        change_status(uow.session, SUPERVISOR, order, "cancelled", reason="customer")
        uow.commit()
    # One unit is left to pick at the stop, the first order's: the cancelled one's task
    # is withdrawn (short), which moves no version of the list.
    result = _scan(db, list_id, kettle.sku)
    assert (result.units, result.state.step) == (1, Step.DONE)
    assert_invariants(db)
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(Order.status).where(Order.id == first)) == "allocated"


def test_a_tote_taken_back_at_another_desk_is_asked_for_again(db, floor, other_desk):
    _allocated(db, [(floor["kettle"], 1)])
    [list_id] = _lists(db, floor["ber"], single=True)
    pl.claim_list(db, PICKER, list_id)
    assert _scan(db, list_id, "TBER0").state.step is Step.BIN
    undone = pl.undo_last_scan(other_desk, SUPERVISOR, list_id)
    assert undone.state.step is Step.TOTE
    # The picker's kept slots hold TBER0; the list's version says they are stale.
    assert _scan(db, list_id, "TBER1").state.step is Step.BIN
    assert_invariants(db)


def test_a_barcode_and_flags_changed_at_another_desk_count_at_the_next_scan(db, floor, other_desk):
    kettle = floor["kettle"]
    _allocated(db, [(kettle, 2)])
    [list_id] = _lists(db, floor["ber"], single=True)
    pl.claim_list(db, PICKER, list_id)
    for code in ("TBER0", "BER-01"):
        _scan(db, list_id, code)
    with other_desk.unit_of_work() as uow:
        set_product_barcode(uow, ADMIN, kettle.sku, "4006381333931")
    assert _scan(db, list_id, "4006381333931").units == 1
    with other_desk.unit_of_work() as uow:
        set_product_flags(uow, ADMIN, kettle.sku, fragile=True, high_value=False)
    state = _fresh(db, list_id)
    assert state.step is Step.CONFIRM and state.stop.fragile
    assert _scan(db, list_id, "CONFIRM").state.step is Step.ITEM
    assert _scan(db, list_id, "4006381333931").state.step is Step.DONE
    assert_invariants(db)


def test_a_bin_moved_in_the_walk_at_another_desk_changes_the_next_stop(db, floor, other_desk):
    kettle = floor["kettle"]
    _allocated(db, [(kettle, 4)])  # 3 from BER-01 (walked first), 1 from BER-00
    [list_id] = _lists(db, floor["ber"], single=True)
    pl.claim_list(db, PICKER, list_id)
    assert _scan(db, list_id, "TBER0").state.stop.bin_code == "BER-01"
    with other_desk.unit_of_work() as uow:
        save_bin(uow, ADMIN, warehouse="BER", code="BER-00", pick_sequence=1)
    state = _scan(db, list_id, "BER-00").state
    assert (state.stop.bin_code, state.stop.quantity) == ("BER-00", 1)
    assert_invariants(db)


def test_a_scan_that_fails_half_way_leaves_nothing_kept(db, floor, monkeypatch):
    kettle = floor["kettle"]
    _allocated(db, [(kettle, 1)], [(kettle, 1)])
    [list_id] = _lists(db, floor["ber"], batch_size=4)
    pl.claim_list(db, PICKER, list_id)
    assert _scan(db, list_id, "TBER0").state.step is Step.TOTE  # kept: one slot waits

    def broken(*args, **kwargs):
        raise RuntimeError("the disk went away")

    with monkeypatch.context() as patch:
        patch.setattr(pl, "_record", broken)
        with pytest.raises(RuntimeError):
            pl.scan(db, PICKER, list_id, "TBER1")  # the slot is filled in memory, then this
    # Rolled back: the second slot still waits for its tote, at the same list version.
    assert _scan(db, list_id, "TBER1").state.step is Step.BIN
    assert_invariants(db)


def test_a_list_finished_from_its_kept_copy_keeps_its_claim_time(db, floor):
    kettle = floor["kettle"]
    _allocated(db, [(kettle, 1)])
    [list_id] = _lists(db, floor["ber"], single=True)
    pl.claim_list(db, PICKER, list_id)
    with db.unit_of_work() as uow:
        claimed_at = uow.session.get(PickList, list_id).claimed_at
    for code in ("TBER0", "BER-01", kettle.sku):
        _scan(db, list_id, code)
    assert pl.finish_list(db, PICKER, list_id).status == "finished"  # from the kept copy
    with db.unit_of_work() as uow:
        row = uow.session.get(PickList, list_id)
        assert claimed_at is not None and row.claimed_at == claimed_at
        assert row.finished_at is not None and row.created_at is not None
