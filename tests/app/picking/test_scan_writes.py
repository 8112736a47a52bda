"""What a picked unit writes to its reservation, unit by unit: the counts move, and the
unit that empties it closes it (an undo opens it again) — whichever statement wrote it."""

from __future__ import annotations

from sqlalchemy import select

from app.picking import lists as pl
from db.models_picking import Reservation
from tests.app.picking.conftest import PICKER, assert_invariants
from tests.app.picking.test_lists import _allocated, _lists


def _reservation(db) -> tuple:
    with db.unit_of_work() as uow:
        [row] = uow.session.execute(
            select(
                Reservation.quantity,
                Reservation.picked,
                Reservation.state,
                Reservation.closed_at.is_not(None),
            )
        ).all()
        return tuple(row)


def test_each_unit_moves_the_reservation_and_the_last_one_closes_it(db, floor):
    kettle = floor["kettle"]
    _allocated(db, [(kettle, 3)])
    [list_id] = _lists(db, floor["ber"], single=True)
    pl.claim_list(db, PICKER, list_id)
    for code in ("TBER0", "BER-01"):
        pl.scan(db, PICKER, list_id, code)
    assert _reservation(db) == (3, 0, "open", False)
    pl.scan(db, PICKER, list_id, kettle.sku)
    assert _reservation(db) == (2, 1, "open", False)
    pl.scan(db, PICKER, list_id, kettle.sku)
    assert _reservation(db) == (1, 2, "open", False)
    pl.scan(db, PICKER, list_id, kettle.sku)
    assert _reservation(db) == (0, 3, "picked", True)
    pl.undo_last_scan(db, PICKER, list_id)
    assert _reservation(db) == (1, 2, "open", False)
    pl.scan(db, PICKER, list_id, "3")  # the typed count: the last unit again
    assert _reservation(db) == (0, 3, "picked", True)
    assert_invariants(db)


def test_a_typed_count_that_empties_the_reservation_closes_it(db, floor):
    kettle = floor["kettle"]
    _allocated(db, [(kettle, 3)])
    [list_id] = _lists(db, floor["ber"], single=True)
    pl.claim_list(db, PICKER, list_id)
    for code in ("TBER0", "BER-01", kettle.sku):
        pl.scan(db, PICKER, list_id, code)
    pl.scan(db, PICKER, list_id, "3")
    assert _reservation(db) == (0, 3, "picked", True)
    pl.undo_last_scan(db, PICKER, list_id)
    assert _reservation(db) == (2, 1, "open", False)
    assert_invariants(db)
