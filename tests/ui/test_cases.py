"""The cases desk as an agent works it: a delayed parcel opens a case by itself, the agent
replies, reships, follows up and closes it, all from the screen."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from sqlalchemy import select

from app.cases.service import act
from app.tracking.service import import_tracking_file
from db.models import Shipment
from db.models_cases import Case, CaseNote
from db.models_returns import Reship
from db.models_shipping import Parcel
from tests import factories as f
from ui.screens.cases import CasesScreen, countdown

HEADER = b"tracking_number,carrier,time,status,location,description\n"


@pytest.fixture
def delayed_parcel(db, people):
    with db.unit_of_work() as uow:
        s = uow.session
        customer = f.customer(s, "陳小明")
        order = f.order(s, customer, status="shipped", lines=[(f.product(s), 1)])
        shipment = f.shipment(s, order, f.warehouse(s), status="shipped")
        shipment.shipped_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        s.add(
            Parcel(
                shipment_id=shipment.id, sequence=1, tracking_number="SF100", status="handed_over"
            )
        )
        uow.commit()
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat()
    data = HEADER + f"SF100,sf-express,{when},Exception_004,台北市,清關延誤\n".encode()
    summary = import_tracking_file(db, people["sue"], "events.csv", data)
    assert summary.cases_opened == 1
    return order.id


@pytest.fixture
def screen(qtbot, make_context, people, delayed_parcel):
    widget = CasesScreen(make_context(people["ada"]))
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    return widget


def _press(qtbot, screen, verb: str) -> None:
    button = screen.verb_bar.findChild(type(screen.new_button), f"verb_{verb}")
    assert button is not None and button.isEnabled(), verb
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_delayed_parcel_is_served_end_to_end_from_the_desk(qtbot, screen, db, delayed_parcel):
    assert screen.table.rowCount() == 1
    assert "Carrier reports a delay: SH-" in screen.table.item(0, 4).text()
    screen.table.selectRow(0)
    assert "清關延誤" in "\n".join(e.text for e in screen.detail.timeline)  # the tracking event

    qtbot.keyClicks(screen.entry, "Your parcel is held at customs; we are on it.")
    _press(qtbot, screen, "reply")
    assert "done" in screen.message.text()
    screen.resolution.setCurrentIndex(screen.resolution.findData("reship"))
    qtbot.keyClicks(screen.entry, "Sent a new parcel at no charge.")
    _press(qtbot, screen, "resolve")
    screen.satisfaction.setValue(4)
    qtbot.keyClicks(screen.entry, "Called back: second parcel arrived.")
    _press(qtbot, screen, "follow_up")
    _press(qtbot, screen, "close")

    with db.unit_of_work() as uow:
        case = uow.session.scalar(select(Case))
        kinds = uow.session.scalars(select(CaseNote.kind).where(CaseNote.case_id == case.id)).all()
        reship = uow.session.scalar(select(Reship).where(Reship.case_id == case.id))
        new_parcel = uow.session.get(Shipment, reship.shipment_id)
    assert (case.status, case.resolution, case.satisfaction) == ("closed", "reship", 4)
    assert case.first_replied_at is not None
    assert kinds == ["reply", "system"]  # the desk noted the reship's shipment
    # The reship is a new shipment at no charge, waiting for the warehouse's normal flow.
    assert new_parcel.order_id == delayed_parcel and new_parcel.status == "pending"
    assert f"Reship SH-{new_parcel.id:06d} at no charge" in screen.facts.text()
    # A closed case shows only Reopen.
    names = [
        screen.verb_layout.itemAt(i).widget().objectName()
        for i in range(screen.verb_layout.count())
    ]
    assert names == ["verb_reopen"]


def test_a_verb_the_role_may_not_run_is_disabled_with_the_reason(
    qtbot, make_context, people, delayed_parcel
):
    widget = CasesScreen(make_context(people["fay"]))  # finance: may not handle cases
    qtbot.addWidget(widget)
    widget.table.selectRow(0)
    button = widget.verb_bar.findChild(type(widget.new_button), "verb_resolve")
    assert not button.isEnabled()
    assert "your role may not do this" in widget.why_not.text()


def test_a_case_changed_at_another_desk_is_refused_and_what_was_typed_is_kept(
    qtbot, screen, db, people
):
    screen.table.selectRow(0)
    act(db, people["sue"], screen.detail.row.id, "wait")  # another desk, a moment ago
    qtbot.keyClicks(screen.entry, "Text that must not be lost")
    screen.run_verb("reply")
    assert "another desk" in screen.message.text()
    assert screen.entry.toPlainText() == "Text that must not be lost"
    assert screen.detail.row.status == "waiting"  # reloaded: the same case, its new state


def test_a_reply_template_fills_the_box_in_the_customers_language(screen):
    screen.table.selectRow(0)
    screen.template.setCurrentIndex(screen.template.findData("delayed"))
    screen.template.activated.emit(screen.template.currentIndex())
    assert "SF100" in screen.entry.toPlainText()  # the parcel's tracking number, filled in
    assert screen.template.currentIndex() == 0  # ready for the next choice


def test_countdown_reads_as_time_left_or_overdue():
    now = dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC)
    assert countdown(now + dt.timedelta(hours=5, minutes=20), now) == "in 5 h 20 min"
    assert countdown(now - dt.timedelta(hours=2, minutes=5), now) == "2 h 5 min overdue"


def test_an_email_dropped_on_the_desk_becomes_a_case(screen, tmp_path):
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Luca Rossi <luca@example.it>"
    message["Subject"] = "Pacco non arrivato"
    message.set_content("Buongiorno, il pacco non è arrivato.")
    path = tmp_path / "luca.eml"
    path.write_bytes(message.as_bytes())
    screen.take_mail_files([str(path)])
    assert screen.table.rowCount() == 2
    assert screen.detail.row.subject == "Pacco non arrivato"
    assert "1 e-mail taken" in screen.message.text()


def test_a_return_is_booked_on_the_case_and_the_warehouse_receives_and_inspects_it(
    qtbot, make_context, people, screen, db
):
    screen.table.selectRow(0)
    screen.returns.reason.setCurrentIndex(screen.returns.reason.findData("damaged"))
    qtbot.mouseClick(screen.returns.book_button, Qt.MouseButton.LeftButton)
    assert "booked" in screen.message.text()
    assert "Return booked" in screen.facts.text()
    assert not screen.returns.verb_buttons["receive"].isEnabled()  # the warehouse receives
    assert "your role may not do this" in screen.returns.why_not.text()

    warehouse = CasesScreen(make_context(people["sue"]))
    qtbot.addWidget(warehouse)
    warehouse.table.selectRow(0)
    qtbot.mouseClick(warehouse.returns.verb_buttons["receive"], Qt.MouseButton.LeftButton)
    warehouse.returns.damaged.setValue(1)
    qtbot.mouseClick(warehouse.returns.verb_buttons["inspect"], Qt.MouseButton.LeftButton)
    assert "0 back to stock, 1 written off" in warehouse.facts.text()


def test_a_claim_typed_at_the_desk_counts_down_to_its_own_deadline(qtbot, screen, monkeypatch):
    from ui.screens.case_after_sales import ClaimDialog

    def fill(dialog):
        dialog.kind.setCurrentIndex(dialog.kind.findData("a_to_z"))
        dialog.about.setText("SO-000001")
        dialog.reference.setText("AZ-778")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ClaimDialog, "exec", fill)
    screen.new_claim()
    row = next(i for i, r in enumerate(screen.rows) if r.claim_kind == "a_to_z")
    assert screen.table.item(row, 1).text().startswith("claim in 71 h") or "claim in 72 h" in (
        screen.table.item(row, 1).text()
    )
    assert "A-to-z Guarantee claim AZ-778: answer by" in screen.facts.text()


def test_a_replacement_is_chosen_in_a_dialog_and_sent_through_the_warehouse(
    qtbot, screen, db, delayed_parcel, monkeypatch
):
    from db.models import OrderLine, ShipmentLine
    from ui.screens.case_replacement import ReplacementDialog

    with db.unit_of_work() as uow:
        f.product(uow.session, "MUG-RED", name="Mug", spec="red")
        uow.commit()
    shown = []

    def agent_fills(dialog: ReplacementDialog) -> int:
        shown.append([(sku.text(), count.value()) for sku, count in dialog.rows])
        dialog.rows[0][0].setText("MUG-RED")  # another variant than the one received
        dialog.add_row("", 1)  # an empty row is left out
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ReplacementDialog, "exec", agent_fills)
    screen.table.selectRow(0)
    screen.resolution.setCurrentIndex(screen.resolution.findData("replacement"))
    _press(qtbot, screen, "resolve")
    assert "done" in screen.message.text(), screen.message.text()
    assert shown[0][0][1] == 1 and shown[0][0][0].startswith("SKU-")  # what they received
    with db.unit_of_work() as uow:
        case = uow.session.scalar(select(Case))
        shipment_id = uow.session.scalar(select(Reship.shipment_id))
        sent = uow.session.execute(
            select(OrderLine.sku, ShipmentLine.quantity, OrderLine.line_total_cents)
            .join(ShipmentLine, ShipmentLine.order_line_id == OrderLine.id)
            .where(ShipmentLine.shipment_id == shipment_id)
        ).all()
    assert case.resolution == "replacement" and sent == [("MUG-RED", 1, 0)]
    assert f"Replacement SH-{shipment_id:06d} at no charge" in screen.facts.text()


def test_a_replacement_dialog_cancelled_resolves_nothing(qtbot, screen, db, monkeypatch):
    from ui.screens.case_replacement import ReplacementDialog

    monkeypatch.setattr(ReplacementDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    screen.table.selectRow(0)
    screen.resolution.setCurrentIndex(screen.resolution.findData("replacement"))
    _press(qtbot, screen, "resolve")
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(Case.status)) == "open"
