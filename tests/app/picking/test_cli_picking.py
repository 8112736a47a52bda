"""The picking command line: allocate, stock check, routing, a list from claim to finish."""

from __future__ import annotations

import json

from app.cli import main
from app.picking.check import check_stock
from db.models import StockQuant
from tests.app.picking.conftest import floor_warehouse, item, put
from tests.app.review import builders as b


def _approved_floor(db, db_url) -> None:
    with db.unit_of_work() as uow:
        s = uow.session
        wh = floor_warehouse(s, "BER")
        kettle = item(s, sku="KETTLE-9", barcode=None)
        put(s, kettle, wh, 0, 5)
        for _ in range(2):
            b.order(s, b.customer(s), [(kettle, 2)])
        b.order(s, b.customer(s), [(kettle, 3)])  # more than is left: stock short
        uow.commit()


def test_review_allocates_what_it_approved_and_says_so_in_its_json(db, db_url, capsys, staff_login):
    _approved_floor(db, db_url)
    assert main(["review", "--all", "--json", "--db", db_url]) == 0
    [result] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert result["allocation"] == {"allocated": 2, "split": 0, "stock_short": 0, "shipments": 2}
    assert (result["approved"], result["stock_short"]) == (2, 1)


def test_review_no_allocate_leaves_the_approved_orders_for_the_picking_desk(
    db, db_url, capsys, staff_login
):
    _approved_floor(db, db_url)
    assert main(["review", "--all", "--no-allocate", "--json", "--db", db_url]) == 0
    assert "allocation" not in json.loads(capsys.readouterr().out)
    assert main(["allocate", "--json", "--db", db_url]) == 0
    assert json.loads(capsys.readouterr().out)["allocated"] == 2


def test_review_says_what_the_system_allocated_in_words(db, db_url, capsys, staff_login):
    _approved_floor(db, db_url)
    assert main(["review", "--all", "--db", db_url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == (
        "The system allocated 2 orders: 2 shipments, 0 split over warehouses, "
        "and 0 back to stock short."
    )


def test_a_list_is_made_claimed_scanned_and_finished_from_the_command_line(
    db, db_url, capsys, staff_login
):
    _approved_floor(db, db_url)
    main(["review", "--all", "--db", db_url])  # approves and allocates
    assert main(["allocate", "--lists", "--batch", "4", "--json", "--db", db_url]) == 0
    out = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert out["pick_lists"] == 1 and out["allocated"] == 0
    assert main(["picking", "claim", "PL-000001", "--db", db_url]) == 0
    for code in ("TBER0", "TBER1", "BER-00", "KETTLE-9", "4"):
        assert main(["picking", "scan", "PL-000001", code, "--db", db_url]) == 0
    assert main(["picking", "finish", "PL-000001", "--json", "--db", db_url]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["status"] == "finished"
    assert main(["stock", "check", "--db", db_url]) == 0


def test_stock_check_exits_1_and_names_each_violation(db, db_url, capsys):
    _approved_floor(db, db_url)
    with db.unit_of_work() as uow:
        uow.session.execute(StockQuant.__table__.update().values(reserved=2))
        uow.commit()
        assert len(check_stock(uow.session)) == 1
    assert main(["stock", "check", "--json", "--db", db_url]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert report["violations"][0]["rule"] == "reserved_equals_reservations"
    assert report["violations"][0]["values"] == {"reserved": 2, "units": 0}


def test_stock_check_says_each_violation_in_the_language_of_the_environment(
    db, db_url, capsys, monkeypatch
):
    _approved_floor(db, db_url)
    with db.unit_of_work() as uow:
        uow.session.execute(StockQuant.__table__.update().values(reserved=2))
        uow.commit()
    assert main(["stock", "check", "--db", db_url]) == 1
    english = capsys.readouterr().out
    assert "reserved equals the open reservations: stock record 1: reserved 2" in english
    monkeypatch.setenv("LANGUAGE", "zh_TW")
    assert main(["stock", "check", "--db", db_url]) == 1
    chinese = capsys.readouterr().out
    assert "reserved" not in chinese and "2" in chinese
    assert main(["stock", "check", "--json", "--db", db_url]) == 1
    neutral = json.loads(capsys.readouterr().out)["violations"][0]
    assert neutral["detail"] == "reserved 2, open reservations hold 0"


def test_a_routing_rule_that_would_leave_a_category_empty_is_one_line_and_exit_2(
    db, db_url, capsys, staff_login
):
    _approved_floor(db, db_url)
    assert main(["routing", "add", "category", "kitchen", "BER", "--db", db_url]) == 0
    assert main(["routing", "remove", "1", "--db", db_url]) == 2
    assert "“kitchen” would have no warehouse left" in capsys.readouterr().err


def test_a_pick_list_is_printed_to_a_pdf_whose_code_128_reads_as_the_list_number(
    db, db_url, tmp_path, capsys, staff_login
):
    from tests.app.labels.decoding import decoded_per_page, texts_per_page

    _approved_floor(db, db_url)
    main(["review", "--all", "--db", db_url])
    assert main(["allocate", "--lists", "--batch", "4", "--db", db_url]) == 0
    target = tmp_path / "list.pdf"
    assert main(["picking", "print", "PL-000001", "-o", str(target), "--db", db_url]) == 0
    assert "PL-000001" in capsys.readouterr().out
    pdf = target.read_bytes()
    assert ("Code128", "PL-000001") in decoded_per_page(pdf)[0]
    assert "KETTLE-9" in texts_per_page(pdf)[0]


def test_printing_an_unknown_list_fails_with_its_number_and_writes_nothing(
    db, db_url, tmp_path, capsys, staff_login
):
    _approved_floor(db, db_url)
    target = tmp_path / "list.pdf"
    assert main(["picking", "print", "PL-000042", "-o", str(target), "--db", db_url]) != 0
    assert "PL-000042" in capsys.readouterr().err
    assert not target.exists()


def test_tote_labels_of_one_warehouse_are_written_as_a_pdf_whose_barcodes_read_back(
    db, db_url, tmp_path, capsys, staff_login
):
    from db.models_picking import Tote
    from tests.app.labels.decoding import decoded_per_page

    with db.unit_of_work() as uow:
        floor_warehouse(uow.session, "BER")
        floor_warehouse(uow.session, "PAR")
        uow.session.add(Tote(code="TBER-OLD", warehouse_id=None, active=False))
        uow.commit()
    target = tmp_path / "totes.pdf"
    args = ["picking", "tote-labels", "--warehouse", "ber", "-o", str(target), "--db", db_url]
    assert main(args) == 0
    assert "6 tote labels" in capsys.readouterr().out
    pages = decoded_per_page(target.read_bytes())
    assert pages == [[("Code128", f"TBER{i}")] for i in range(6)]
    everything = tmp_path / "all.pdf"
    assert main(["picking", "tote-labels", "-o", str(everything), "--db", db_url]) == 0
    assert len(decoded_per_page(everything.read_bytes())) == 12  # the inactive tote is left out
