"""Warehouse setup, CSV imports, the stock list, low stock and replenishment on SQLite."""

from __future__ import annotations

import datetime as dt
import json

import pypdfium2
import pytest
from sqlalchemy import func, select

from app.cli import main
from app.errors import AlreadyExists, CsvRejected, InvalidInput, PermissionDenied
from app.permissions import Role
from app.stock import queries
from app.stock.csv_files import low_stock_csv
from app.stock.export import cjk_font_available, low_stock_pdf
from app.stock.service import move_stock, receive_stock
from app.stock.setup import (
    import_bins_csv,
    import_incoming_csv,
    save_bin,
    set_pick_face_rule,
    set_product_barcode,
    set_reorder_rule,
)
from db.models import Bin, IncomingStock, utcnow
from tests import factories
from tests.conftest import make_actor

SUPERVISOR = make_actor(Role.SUPERVISOR, username="boss")
WAREHOUSE = make_actor(Role.WAREHOUSE, username="wh")


@pytest.fixture
def shop(db):
    with db.unit_of_work() as uow:
        s = uow.session
        ber = factories.warehouse(s, "BER1", bins=0)
        factories.warehouse(s, "MAN1", bins=0)
        pen = factories.product(s, "PEN-1", name="钢笔 Fountain pen", barcode="4006381333931")
        factories.product(s, "INK-1", name="Ink")
        uow.commit()
    with db.unit_of_work() as uow:
        for code, seq, kind in (
            ("R-01", 5, "receiving"),
            ("A-01", 10, "storage"),
            ("O-01", 90, "overflow"),
            ("P-01", 20, "pick_face"),
        ):
            save_bin(uow, SUPERVISOR, warehouse="BER1", code=code, pick_sequence=seq, kind=kind)
    return {"ber": ber.id, "pen": pen.id}


def receive(db, qty, bin_code, product="PEN-1", day=None):
    with db.unit_of_work() as uow:
        receive_stock(
            uow,
            WAREHOUSE,
            warehouse="BER1",
            product=product,
            quantity=qty,
            bin_code=bin_code,
            received_date=day,
        )


def test_bins_import_adds_new_bins_and_moves_known_ones_in_the_walk(db, shop, tmp_path):
    path = tmp_path / "bins.csv"
    path.write_text(
        "warehouse,bin,pick_sequence,kind\nBER1,B-01,30,storage\nber1,a-01,40,Pick face\n",
        encoding="utf-8",
    )
    with db.unit_of_work() as uow:
        result = import_bins_csv(uow, SUPERVISOR, path)
    assert (result.rows, result.added) == (2, 2)
    with db.unit_of_work() as uow:
        bins = dict(uow.session.execute(select(Bin.code, Bin.kind)).all())
        seq = uow.session.scalar(select(Bin.pick_sequence).where(Bin.code == "A-01"))
    assert bins["B-01"] == "storage" and bins["A-01"] == "pick_face" and seq == 40


def test_a_bins_file_with_one_bad_row_imports_nothing_and_names_the_line(db, shop, tmp_path):
    path = tmp_path / "bins.csv"
    path.write_text(
        "warehouse,bin,pick_sequence,kind\nBER1,B-01,30,\nXX9,B-02,31,\nBER1,B-03,x,\n"
        "BER1,B-04,32,attic\n",
        encoding="utf-8",
    )
    with db.unit_of_work() as uow, pytest.raises(CsvRejected) as caught:
        import_bins_csv(uow, SUPERVISOR, path)
    problems = caught.value.problems
    assert len(problems) == 3
    assert problems[0].startswith("line 3") and "warehouse" in problems[0]
    assert "pick_sequence" in problems[1] and "kind" in problems[2]
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Bin)) == 4


def test_two_bins_at_one_walk_position_are_refused(db, shop):
    with db.unit_of_work() as uow, pytest.raises(CsvRejected) as caught:
        save_bin(uow, SUPERVISOR, warehouse="BER1", code="A-02", pick_sequence=10)
    assert "A-01" in caught.value.message


def test_incoming_csv_imports_every_row_or_none(db, shop, tmp_path):
    soon = (utcnow().date() + dt.timedelta(days=5)).isoformat()
    good = tmp_path / "incoming.csv"
    good.write_text(
        f"sku;quantity;expected_date;warehouse;reference\nPEN-1;48;{soon};BER1;PO-7\n"
        f"4006381333931;12;{soon};;PO-8\n",
        encoding="utf-8",
    )
    with db.unit_of_work() as uow:
        assert import_incoming_csv(uow, SUPERVISOR, good).added == 2
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"sku,quantity,expected_date\nPEN-1,5,{soon}\nNOPE,5,{soon}\nINK-1,0,{soon}\n"
        "INK-1,5,tomorrow\n",
        encoding="utf-8",
    )
    with db.unit_of_work() as uow, pytest.raises(CsvRejected) as caught:
        import_incoming_csv(uow, SUPERVISOR, bad)
    assert [p.split(":")[0] for p in caught.value.problems] == ["line 3", "line 4", "line 5"]
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(IncomingStock)) == 2


def test_an_incoming_file_with_a_missing_column_says_which(db, shop, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("sku,qty\nPEN-1,3\n", encoding="utf-8")
    with db.unit_of_work() as uow, pytest.raises(CsvRejected) as caught:
        import_incoming_csv(uow, SUPERVISOR, path)
    assert "quantity" in caught.value.message and "expected_date" in caught.value.message


def test_barcodes_are_unique_and_gtins_need_their_check_digit(db, shop):
    with db.unit_of_work() as uow, pytest.raises(InvalidInput):
        set_product_barcode(uow, SUPERVISOR, "INK-1", "4006381333932")
    with db.unit_of_work() as uow, pytest.raises(AlreadyExists):
        set_product_barcode(uow, SUPERVISOR, "INK-1", "4006381333931")
    with db.unit_of_work() as uow:
        set_product_barcode(uow, SUPERVISOR, "INK-1", "INK-CODE-128")
    with db.unit_of_work() as uow, pytest.raises(PermissionDenied):
        set_product_barcode(uow, WAREHOUSE, "INK-1", "X")


def test_the_stock_list_pages_by_key_and_finds_by_sku_name_or_barcode(db, shop):
    receive(db, 5, "A-01")
    receive(db, 3, "A-01", product="INK-1")
    with db.unit_of_work() as uow:
        s = uow.session
        everything = queries.stock_page(s, queries.StockFilter(), None, 10)
        assert [r.sku for r in everything] == ["INK-1", "PEN-1"]
        second = queries.stock_page(s, queries.StockFilter(), everything[0].key, 10)
        assert [r.sku for r in second] == ["PEN-1"]
        for text in ("pen", "钢笔", "4006381333931"):
            found = queries.stock_page(s, queries.StockFilter(search=text), None, 10)
            assert [r.sku for r in found] == ["PEN-1"], text
        assert queries.count_stock(s, queries.StockFilter(search="ink")) == 1


def test_the_detail_lists_bins_with_quant_ages_oldest_first(db, shop):
    today = utcnow().date()
    receive(db, 5, "A-01", day=today - dt.timedelta(days=40))
    receive(db, 2, "O-01", day=today - dt.timedelta(days=3))
    with db.unit_of_work() as uow:
        detail = queries.stock_detail(uow.session, shop["pen"], shop["ber"], today)
    assert [(q.bin_code, q.age_days) for q in detail.quants] == [("A-01", 40), ("O-01", 3)]
    assert detail.row.on_hand == 7 and detail.row.oldest_received == today - dt.timedelta(40)


def test_low_stock_suggests_a_month_of_demand_plus_threshold_less_incoming(db, shop):
    receive(db, 4, "A-01")
    with db.unit_of_work() as uow:
        set_reorder_rule(
            uow, SUPERVISOR, product="PEN-1", warehouse="BER1", min_quantity=10, pack_size=5
        )
    with db.unit_of_work() as uow:
        s = uow.session
        pen = s.get(factories.Product, shop["pen"])
        factories.order(s, lines=[(pen, 20)], received_at=utcnow() - dt.timedelta(days=3))
        factories.order(s, lines=[(pen, 50)], received_at=utcnow() - dt.timedelta(days=45))
        s.add(
            IncomingStock(
                product_id=pen.id,
                warehouse_id=shop["ber"],
                quantity=7,
                expected_date=utcnow().date() + dt.timedelta(days=2),
                reference="PO-1",
            )
        )
        uow.commit()
    with db.unit_of_work() as uow:
        [row] = queries.low_stock(uow.session, SUPERVISOR)
    # 20 (last 30 days) + 10 threshold - 4 available - 7 incoming = 19 -> 20 in packs of 5
    assert (row.available, row.incoming, row.demand_30d, row.suggested) == (4, 7, 20, 20)
    assert "PEN-1" in low_stock_csv([row]).splitlines()[1]


def test_a_pick_face_below_its_minimum_is_refilled_from_overflow(db, shop):
    receive(db, 30, "O-01")
    receive(db, 2, "P-01")
    with db.unit_of_work() as uow:
        set_pick_face_rule(
            uow,
            SUPERVISOR,
            warehouse="BER1",
            bin_code="P-01",
            product="PEN-1",
            min_quantity=5,
            max_quantity=12,
        )
    with db.unit_of_work() as uow:
        [suggestion] = queries.replenishment(uow.session, shop["ber"])
    assert (suggestion.from_bin, suggestion.to_bin, suggestion.quantity) == ("O-01", "P-01", 10)
    with db.unit_of_work() as uow:
        result = move_stock(
            uow,
            WAREHOUSE,
            warehouse="BER1",
            product="PEN-1",
            quantity=10,
            from_bin="O-01",
            to_bin="P-01",
        )
    assert result.now_in_to_bin == 12
    with db.unit_of_work() as uow:
        assert queries.replenishment(uow.session, shop["ber"]) == []


def test_a_pick_face_rule_needs_a_pick_face_bin(db, shop):
    with db.unit_of_work() as uow, pytest.raises(InvalidInput) as caught:
        set_pick_face_rule(
            uow,
            SUPERVISOR,
            warehouse="BER1",
            bin_code="A-01",
            product="PEN-1",
            min_quantity=1,
            max_quantity=2,
        )
    assert caught.value.field == "bin"


def test_the_low_stock_pdf_renders_chinese_names(tmp_path):
    from app.stock.model import LowStockRow

    row = LowStockRow("PEN-1", "钢笔 Fountain pen", "BER1", 4, 0, 4, 10, 7, None, 20, 20)
    path = low_stock_pdf([row], tmp_path / "low.pdf", generated_at=utcnow())
    assert cjk_font_available()
    page = pypdfium2.PdfDocument(str(path))[0]
    assert "钢笔" in page.get_textpage().get_text_range()


def test_the_cli_receives_and_lists_low_stock_as_json(
    db_url, db, shop, capsys, tmp_path, staff_login
):
    with db.unit_of_work() as uow:
        set_reorder_rule(uow, SUPERVISOR, product="PEN-1", warehouse="BER1", min_quantity=10)
    code = main(
        ["stock", "receive", "--db", db_url, "--warehouse", "BER1", "--product", "PEN-1",
         "--quantity", "3", "--bin", "R-01", "--json"]
    )  # fmt: skip
    assert code == 0
    assert json.loads(capsys.readouterr().out)["on_hand_in_bin"] == 3
    csv_path = tmp_path / "low.csv"
    code = main(["stock", "low", "--db", db_url, "--json", "--csv", str(csv_path)])
    assert code == 1
    row = json.loads(capsys.readouterr().out)
    assert (row["sku"], row["available"], row["min_quantity"]) == ("PEN-1", 3, 10)
    assert csv_path.read_text(encoding="utf-8").startswith("warehouse,sku,name")


def test_the_cli_refuses_a_zero_quantity_in_one_line_naming_the_field(
    db_url, shop, capsys, staff_login
):
    code = main(
        ["stock", "receive", "--db", db_url, "--warehouse", "BER1", "--product", "PEN-1",
         "--quantity", "0", "--bin", "R-01"]
    )  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("orderdesk: quantity:") and "\n" not in err
