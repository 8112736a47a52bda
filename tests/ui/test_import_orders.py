"""The Import screen, driven as a person at the desk would: choose or drop, look, import."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from sqlalchemy import func, select

from db.models import Order
from ui.screens.import_orders import ImportOrdersScreen
from ui.tasks import Progress

FIXTURES = Path(__file__).resolve().parents[1] / "app" / "formats" / "fixtures"
REPORT = FIXTURES / "amazon_orders_report.txt"


@pytest.fixture
def screen(qtbot, make_context, people):
    widget = ImportOrdersScreen(make_context(people["ada"]))
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    with qtbot.waitExposed(widget):
        widget.show()
    return widget


def table_column(table, column: int) -> list[str]:
    return [table.item(row, column).text() for row in range(table.rowCount())]


def orders_in(db) -> int:
    with db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(Order))


def test_empty_screen_says_what_to_do_and_cannot_import_yet(screen):
    assert screen.drop_hint.isVisible() and "Drop" in screen.drop_hint.text()
    assert not screen.import_button.isEnabled()


def test_chosen_file_shows_its_format_and_first_orders(screen):
    screen.open_file(REPORT)
    assert screen.format_label.text() == "Format: Amazon order report (flat file)"
    assert table_column(screen.preview_table, 1) == [
        "203-1234567-7654321",
        "205-7654321-1234567",
        "S01-1111111-2222222",
    ]
    assert "王小明" in table_column(screen.preview_table, 3)
    assert table_column(screen.preview_table, 6)[0] == "£37.15"
    assert screen.import_button.isEnabled() and not screen.drop_hint.isVisible()


def test_import_shows_the_summary_and_orders_are_in(screen, qtbot, db):
    screen.open_file(REPORT)
    qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)
    assert screen.counts["new_orders"].text() == "3"
    assert screen.counts["rejected_orders"].text() == "0"
    assert screen.result_label.text().startswith("✓")
    assert orders_in(db) == 3 and not screen.save_button.isEnabled()
    qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)  # again: nothing new
    assert screen.counts["already_present"].text() == "3" and orders_in(db) == 3


def test_rejected_rows_are_listed_and_saved_as_csv_with_an_error_column(screen, qtbot, tmp_path):
    lines = REPORT.read_text(encoding="utf-8").splitlines()
    cells = lines[3].split("\t")
    cells[9] = "abc"  # quantity-purchased
    cells[8] = '=HYPERLINK("http://example.com","x")'  # product-name
    lines[3] = "\t".join(cells)
    path = tmp_path / "report.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    screen.open_file(path)
    assert table_column(screen.preview_table, 7)[1].startswith("✕ quantity 'abc'")
    qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)
    assert screen.result_label.text().startswith("!")
    assert table_column(screen.rejected_table, 0) == ["4"]
    assert screen.save_button.isEnabled()
    target = tmp_path / "rejected.csv"
    screen.save_rejected(target)
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["row", "order_id", "error", "order-id"]
    assert rows[1][0] == "4" and "quantity 'abc'" in rows[1][2]
    assert any(cell.startswith("'=HYPERLINK") for cell in rows[1])  # shown, never run


def test_unreadable_file_is_explained_on_the_screen(screen, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    screen.open_file(path)
    assert screen.problem_label.isVisible() and "empty" in screen.problem_label.text()
    assert not screen.import_button.isEnabled()
    assert screen.drop_hint.isVisible()  # another file can be dropped straight away


def test_dropping_a_file_opens_it(screen, tmp_path):
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(FIXTURES / "spapi_orders_with_items.json"))])
    event = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    screen.dropEvent(event)
    assert screen.format_label.text() == "Format: Amazon SP-API JSON"
    assert screen.preview_table.rowCount() == 4


def test_cancel_stops_after_the_batch_and_says_how_to_finish(screen, qtbot, monkeypatch, db):
    import app.intake.service

    monkeypatch.setattr(app.intake.service, "BATCH_ORDERS", 1)
    real_report = Progress.report

    def report_then_cancel(self, done, total=0, text=""):
        real_report(self, done, total, text)
        self.cancel()  # the person presses Cancel while the first batch is written

    monkeypatch.setattr(Progress, "report", report_then_cancel)
    screen.open_file(REPORT)
    qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)
    assert "Stopped" in screen.result_label.text()
    assert screen.counts["new_orders"].text() == "1" and orders_in(db) == 1


def test_preview_and_import_really_run_on_a_worker_thread(qtbot, make_context, people, db):
    from dataclasses import replace

    from ui.tasks import TaskRunner

    context = replace(make_context(people["sue"]), tasks=TaskRunner())
    widget = ImportOrdersScreen(context)
    qtbot.addWidget(widget)
    widget.open_file(REPORT)
    qtbot.waitUntil(lambda: widget.preview is not None, timeout=5000)
    qtbot.mouseClick(widget.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: widget.summary is not None, timeout=10000)
    assert widget.counts["new_orders"].text() == "3" and orders_in(db) == 3
    assert widget.import_button.isEnabled()


def test_a_language_switch_retranslates_the_chosen_file_preview_and_summary_in_place(screen, qtbot):
    from ui.language import apply_language

    screen.open_file(REPORT)
    qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.summary is not None)
    try:
        apply_language("zh_TW")
        assert screen.retranslate()
        assert screen.file_label.text() == str(REPORT)  # still the chosen file
        assert screen.format_label.text() == "格式：Amazon 訂單報表（純文字檔）"
        assert screen.preview_table.horizontalHeaderItem(1).text() == "訂單編號"
        assert screen.import_button.text() == "匯入"
        assert screen.result_label.text().startswith("✓ 已匯入。")
        assert screen.counts["new_orders"].text() == "3"
    finally:
        apply_language("en")


def test_a_rejection_reason_reads_in_the_desk_language(screen, qtbot, tmp_path):
    from ui.language import apply_language

    lines = REPORT.read_text(encoding="utf-8").splitlines()
    cells = lines[3].split("\t")
    cells[9] = "abc"  # quantity-purchased
    lines[3] = "\t".join(cells)
    path = tmp_path / "report.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        apply_language("zh_CN")
        screen.open_file(path)
        assert table_column(screen.preview_table, 7)[1] == "✕ quantity 'abc' 不是整数"
    finally:
        apply_language("en")


def test_a_header_only_file_says_there_is_nothing_to_import(screen, tmp_path):
    path = tmp_path / "empty-report.txt"
    path.write_text(REPORT.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    screen.open_file(path)
    assert "nothing to import" in screen.preview_caption.text()
    assert screen.preview_caption.isVisible()
    assert not screen.import_button.isEnabled()


def test_an_amazon_settlement_report_is_named_as_one_and_not_imported(screen, tmp_path):
    path = tmp_path / "settlement.txt"
    header = (
        "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\t"
        "total-amount\tcurrency\ttransaction-type\torder-id\tmerchant-order-id\t"
        "amount-type\tamount-description\tamount\tposted-date"
    )
    row = "1234\t2026-11-01\t2026-11-15\t2026-11-17\t100.00\tEUR\tOrder\t" + (
        "203-1234567-7654321\t\tItemPrice\tPrincipal\t25.00\t2026-11-02"
    )
    path.write_text(header + "\n" + row + "\n", encoding="utf-8")
    screen.open_file(path)
    assert "settlement report" in screen.problem_label.text()
    assert not screen.import_button.isEnabled()


def test_the_summary_names_where_the_orders_went_and_rows_are_file_rows(screen, qtbot):
    assert screen.preview_table.horizontalHeaderItem(0).text() == "File rows"
    screen.open_file(REPORT)
    qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)
    assert "3 new orders wait in To review at the Review desk" in screen.result_label.text()


def test_an_unknown_sku_is_named_in_the_summary_not_hidden_behind_every_order_is_in(
    screen, qtbot, tmp_path
):
    lines = REPORT.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "report.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")  # its SKUs: none in the catalogue
    screen.open_file(path)
    qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)
    text = screen.result_label.text()
    assert "every order is in" not in text
    assert "Needs information" in text


UNSHIPPED_HEADER = (
    "order-id\torder-item-id\tpurchase-date\tpayments-date\tpromise-date\tsku\t"
    "product-name\tquantity-purchased\tquantity-shipped\tquantity-to-ship\trecipient-name\t"
    "ship-address-1\tship-city\tship-postal-code\tship-country\tis-business-order\t"
    "purchase-order-number\tverge-of-lateShipment\tis-buyer-requested-cancellation"
)


def unshipped_report(tmp_path: Path, flags: str) -> Path:
    """One order of an Unshipped Orders report; ``flags``: is-business-order to the end."""
    row = (
        "403-1111111-2222222\t1\t2026-11-20T10:00:00Z\t2026-11-20T10:05:00Z\t"
        "2026-11-23T23:59:59Z\tLAMP-1\tDesk lamp\t3\t1\t2\tAnna\tHof 1\tBerlin\t10115\tDE\t"
    )
    path = tmp_path / "unshipped.txt"
    path.write_text(UNSHIPPED_HEADER + "\n" + row + flags + "\n", encoding="utf-8")
    return path


def test_an_unshipped_report_previews_its_po_number_and_prices_from_the_price_list(
    screen, tmp_path
):
    screen.open_file(unshipped_report(tmp_path, "true\tPO-7781\ttrue\tfalse"))
    [total] = table_column(screen.preview_table, 6)
    [remark] = table_column(screen.preview_table, 7)
    assert "XXX" not in total and "0.00" not in total and "price list" in total
    assert "PO-7781" in remark and "late" in remark


def test_the_summary_says_amounts_are_unknown_when_no_price_list_prices_them(
    screen, qtbot, tmp_path
):
    screen.open_file(unshipped_report(tmp_path, "false\t\tfalse\tfalse"))
    qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)
    assert "1 order has no price" in screen.result_label.text()


def test_a_buyers_cancellation_imported_later_is_counted_in_the_summary(screen, qtbot, tmp_path):
    screen.open_file(unshipped_report(tmp_path, "false\t\tfalse\tfalse"))
    qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)
    screen.open_file(unshipped_report(tmp_path, "false\t\tfalse\ttrue"))
    qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.summary is not None and screen.summary.channel_cancellations)
    text = screen.result_label.text()
    assert "1 order cancelled by the channel (the warehouse stopped)" in text
    assert "Review desk" not in text  # nothing left as a conflict
