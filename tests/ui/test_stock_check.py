"""A supervisor runs ``stock check`` from the Stock desk: the invariants hold, or the first
violation is named beside how many there are."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from db.models import Bin, StockQuant
from tests import factories
from ui.screens.stock import StockScreen
from ui.style import BAD, GOOD


def _desk(qtbot, make_context, actor) -> StockScreen:
    widget = StockScreen(make_context(actor))
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    return widget


def _stock(db, reserved: int) -> None:
    with db.unit_of_work() as uow:
        s = uow.session
        wh = factories.warehouse(s, "BER1", bins=1)
        item = factories.product(s, "PEN-1")
        bin_id = s.scalar(select(Bin.id).where(Bin.warehouse_id == wh.id))
        s.add(StockQuant(product_id=item.id, warehouse_id=wh.id, bin_id=bin_id, on_hand=5,
                         reserved=reserved, received_date=dt.date(2026, 1, 1)))  # fmt: skip
        uow.commit()


def test_the_stock_check_from_the_desk_says_the_invariants_hold(qtbot, make_context, people, db):
    _stock(db, reserved=0)
    desk = _desk(qtbot, make_context, people["sue"])
    desk.check_stock()
    qtbot.waitUntil(lambda: desk.problem_label.text() != "")
    assert desk.problem_label.text() == f"{GOOD.symbol} Stock invariants hold."


def test_a_reserved_count_no_reservation_explains_is_named_on_the_desk(
    qtbot, make_context, people, db
):
    _stock(db, reserved=2)  # reserved, but no reservation says for whom
    desk = _desk(qtbot, make_context, people["sue"])
    desk.check_stock()
    qtbot.waitUntil(lambda: desk.problem_label.text() != "")
    text = desk.problem_label.text()
    assert text.startswith(BAD.symbol) and "1 violation" in text
    assert "reserved equals the open reservations: stock record" in text
    assert "reserved 2, open reservations hold 0" in text


def test_only_a_supervisor_gets_the_stock_check_action(qtbot, make_context, people, db):
    _stock(db, reserved=0)
    names = [a.text() for a in _desk(qtbot, make_context, people["wes"]).desk_actions()]
    assert "Check the stock invariants" not in names
    names = [a.text() for a in _desk(qtbot, make_context, people["sue"]).desk_actions()]
    assert "Check the stock invariants" in names
