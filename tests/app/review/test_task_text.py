"""Contact tasks keep what they ask for as a code and values and say it in the reader's
language; rows stored as English text before are given their code by the 0033 migration."""

from __future__ import annotations

from alembic import command
from sqlalchemy import select, text

from app.i18n import Sentence, set_language
from app.permissions import Role
from app.review.detail import review_detail
from app.review.service import request_information, review_orders
from app.review.task_text import findings_text, task_text, task_words
from db import schema
from db.models import ContactTask, Order
from tests.app.review import builders as b
from tests.conftest import make_actor

DESK = make_actor(Role.SUPERVISOR, username="desk")


def _said(what, language="en"):
    set_language(language)
    return task_words(what.english(), what.code, what.data())


def test_a_short_pick_task_is_english_in_the_row_and_chinese_for_a_chinese_reader():
    what = task_text("picking.short_pick", list="PL-000004", n=1, choice="hold")
    assert what.english().startswith("Short pick on PL-000004: 1 unit could not be picked.")
    assert what.english().endswith("Default: hold the shipment.")
    chinese = _said(what, "zh_TW")
    assert chinese.startswith("PL-000004 揀貨短少：有 1 件無法揀貨。")
    assert chinese.endswith("預設：出貨單暫緩。")
    assert "(s)" not in _said(task_text("picking.short_pick", list="PL-1", n=3, choice="hold"))


def test_stock_short_lines_and_findings_are_said_line_by_line_in_the_readers_language():
    shorts = task_text("review.stock_short", shorts=[["KETTLE-9", 2], ["MUG-1", 1]])
    assert shorts.english() == "KETTLE-9: short 2; MUG-1: short 1"
    assert _said(shorts, "zh_CN") == "KETTLE-9：缺 2 件; MUG-1：缺 1 件"
    assert _said(task_text("review.stock_short", shorts=[]), "zh_TW") == "缺貨"
    finding = Sentence("Line {line} has no SKU.", line=3)
    what = findings_text([finding], note="  call after 6 pm ")
    assert what.english() == "Line 3 has no SKU.\ncall after 6 pm"
    chinese = _said(what, "zh_TW").split("\n")
    assert chinese[0] != "Line 3 has no SKU." and "3" in chinese[0]
    assert chinese[1] == "call after 6 pm"  # a person's words stay as typed


def test_a_task_without_a_code_is_its_stored_text_matched_line_by_line():
    set_language("zh_TW")
    assert task_words("rescheduled after a call", None, None) == "rescheduled after a call"
    assert task_words("Line 3 has no SKU.", "unknown.code", {}) != "Line 3 has no SKU."


def test_asking_for_information_stores_the_code_and_the_desk_reads_it_in_its_language(db):
    with db.unit_of_work() as uow:
        s = uow.session
        order = b.order(s, b.customer(s, phone=None), [(b.product(s), 1)])
        uow.commit()
    review_orders(db, DESK, [order.id])
    with db.unit_of_work() as uow:
        seen = uow.session.get(Order, order.id).version
    request_information(db.unit_of_work(), DESK, order.id, expected_version=seen, note="urgent")
    with db.unit_of_work() as uow:
        task = uow.session.scalar(select(ContactTask))
        assert task.what_code == "review.findings"
        english = task.what_needed
    assert english.endswith("\nurgent") and "phone" in english.lower()
    set_language("zh_TW")
    detail = db.read(review_detail, DESK, order.id)
    said = detail.tasks[0].what()
    assert said.endswith("\nurgent") and said.split("\n")[0] != english.split("\n")[0]


def old_rows_migrated(db) -> dict[int, tuple]:
    """Rows as stored before 0033 (English, or the picker's desk language), then migrated;
    also run on PostgreSQL (tests/pg/test_pg_task_texts.py)."""
    with db.unit_of_work() as uow:
        s = uow.session
        order_id = b.order(s, b.customer(s), [(b.product(s), 1)]).id
        uow.commit()
    config = schema.alembic_config(db.engine)
    command.downgrade(config, "0013_intake")
    rows = [
        (1, "stock_short", "KETTLE-9: short 2; MUG-1: short 1"),
        (2, "stock_short", "customer called about stock"),
        (3, "stock_short", "Short pick on PL-000002: 3 unit(s) could not be picked. Ask the "
         "customer: ship what was picked now (the rest follows as a second shipment) or hold "
         "the whole shipment. Default: hold."),
        (4, "stock_short", "PL-000003 揀貨短少：有 1 件無法揀貨。請詢問客戶：先出貨已揀的商品"
         "（其餘以第二張出貨單寄出），或整張出貨單暫緩。預設：ship_partial。"),
        (5, "request_info", "Line 3 has no SKU.\nplease call"),
        (6, "unreachable", "call back Tuesday"),
    ]  # fmt: skip
    with db.engine.begin() as connection:
        for task_id, kind, what in rows:
            connection.execute(
                text(
                    "INSERT INTO contact_tasks (id, order_id, kind, state, what_needed,"
                    " created_at, created_by_name, outcome, closed_by_name, version)"
                    " VALUES (:id, :order, :kind, 'open', :what, '2026-11-01', 'x', '', '', 1)"
                ),
                dict(id=task_id, order=order_id, kind=kind, what=what),
            )
    command.upgrade(config, "head")
    with db.unit_of_work() as uow:
        return {
            t.id: (t.what_code, t.what_values, t.what_needed)
            for t in uow.session.scalars(select(ContactTask))
        }


def check_migrated(found: dict[int, tuple]) -> None:
    assert found[1][:2] == ("review.stock_short", {"shorts": [["KETTLE-9", 2], ["MUG-1", 1]]})
    assert found[2][0] == "review.stock_call"
    assert found[3][:2] == ("picking.short_pick", {"list": "PL-000002", "n": 3, "choice": "hold"})
    assert found[4][1] == {"list": "PL-000003", "n": 1, "choice": "ship_partial"}
    assert found[5][:2] == ("review.findings", {"lines": ["Line 3 has no SKU.", "please call"]})
    assert found[6] == (None, None, "call back Tuesday")  # a person's note stays text
    set_language("zh_TW")
    assert task_words(found[4][2], found[4][0], found[4][1]).startswith("PL-000003 揀貨短少")
    set_language("en")
    assert "3 units could not be picked" in task_words(found[3][2], found[3][0], found[3][1])


def test_the_migration_gives_recognised_english_rows_their_code_and_keeps_a_note(db):
    check_migrated(old_rows_migrated(db))
