"""The shipping command line: list, hand over, labels, manifest, confirmation file."""

from __future__ import annotations

import datetime as dt
import json

from app.cli import main
from app.shipping.confirm_file import read_amazon_confirmation
from tests.app.labels.decoding import decoded_per_page
from tests.app.shipping.builders import split_order


def _built(db):
    with db.unit_of_work() as uow:
        built = split_order(uow.session, parcels=(2, 1), amazon_id="058-3563777-5518068")
        uow.commit()
    return built


def test_shipments_list_as_json_names_number_order_status_carrier_tracking(
    db, db_url, capsys, staff_login
):
    built = _built(db)
    assert main(["shipments", "list", "--json", "--limit", "5", "--db", db_url]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["number"] for r in rows] == [f"SH-{i:06d}" for i in reversed(built.shipment_ids)]
    assert rows[1] == {
        "number": f"SH-{built.shipment_ids[0]:06d}",
        "order": f"SO-{built.order_id:06d}",
        "status": "packed",
        "carrier": "ups",
        "service": None,
        "tracking_number": min(built.tracking[0]),
        "parcels": 2,
    }
    assert main(["shipments", "list", "--status", "shipped", "--json", "--db", db_url]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_hand_over_then_confirm_from_the_command_line(db, db_url, capsys, staff_login, tmp_path):
    built = _built(db)
    for code in (f"SH-{built.shipment_ids[0]:06d}", built.tracking[0][1], built.tracking[1][0]):
        assert main(["shipments", "hand-over", code, "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "order SO-" in out and "is shipped" in out
    target = tmp_path / "confirm.txt"
    since = dt.date.today().isoformat()
    args = ["export", "ship-confirm", "--channel", "amazon", "--since", since, "-o", str(target)]
    assert main([*args, "--json", "--db", db_url]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 3
    assert len(read_amazon_confirmation(target.read_bytes())) == 3
    assert main([*args, "--json", "--db", db_url]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["rows"], again["already_confirmed"]) == (0, 3)


def test_a_second_hand_over_of_a_shipped_shipment_fails_loudly(db, db_url, capsys, staff_login):
    built = _built(db)
    code = f"SH-{built.shipment_ids[1]:06d}"
    assert main(["shipments", "hand-over", code, "--db", db_url]) == 0
    assert main(["shipments", "hand-over", code, "--db", db_url]) == 2
    assert "already shipped" in capsys.readouterr().err


def test_label_writes_one_pdf_page_per_parcel_whose_codes_decode(db, db_url, staff_login, tmp_path):
    built = _built(db)
    target = tmp_path / "label.pdf"
    number = f"SH-{built.shipment_ids[0]:06d}"
    args = ["label", number.lower(), "--format", "pdf", "-o", str(target)]
    assert main([*args, "--db", db_url]) == 0
    pages = decoded_per_page(target.read_bytes())
    assert pages == [
        sorted([("Code128", number), ("Code128", tracking)]) for tracking in built.tracking[0]
    ]


def test_label_as_zpl_at_300_dpi_carries_both_numbers_as_code_128(
    db, db_url, staff_login, tmp_path
):
    built = _built(db)
    target = tmp_path / "label.zpl"
    number = f"SH-{built.shipment_ids[1]:06d}"
    assert main(["label", number, "--format", "zpl", "--dpi", "300", "-o", str(target),
                 "--db", db_url]) == 0  # fmt: skip
    zpl = target.read_text()
    assert zpl.count("^XA") == 1 and "^BC" in zpl and "^CI28" in zpl
    assert number in zpl and built.tracking[1][0] in zpl
    assert "^PW1200" in zpl  # 4 inches at 300 dpi


def test_label_of_an_unknown_shipment_is_refused(db, db_url, capsys, staff_login, tmp_path):
    assert main(["label", "SH-424242", "-o", str(tmp_path / "x.pdf"), "--db", db_url]) == 2
    assert "SH-424242" in capsys.readouterr().err
    assert main(["label", "SO-1", "-o", str(tmp_path / "x.pdf"), "--db", db_url]) == 2


def test_manifest_writes_pdf_and_csv_of_the_days_parcels(db, db_url, capsys, staff_login, tmp_path):
    built = _built(db)
    for code in (f"SH-{built.shipment_ids[0]:06d}", f"SH-{built.shipment_ids[1]:06d}"):
        main(["shipments", "hand-over", code, "--db", db_url])
    capsys.readouterr()
    out = tmp_path / "ups"
    assert main(["manifest", "--carrier", "ups", "-o", str(out), "--json", "--db", db_url]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["parcels"] == 2
    csv_text = (tmp_path / "ups.csv").read_text(encoding="utf-8-sig")
    assert built.tracking[0][0] in csv_text and built.tracking[1][0] in csv_text
    assert built.tracking[0][1] not in csv_text  # not handed over
    pages = decoded_per_page((tmp_path / "ups.pdf").read_bytes())
    assert any(text.startswith("MF-") for page in pages for _fmt, text in page)


def test_a_carrier_label_file_is_imported_from_the_command_line(
    db, db_url, capsys, staff_login, tmp_path
):
    from tests.app.shipping.builders import ups_number

    built = _built(db)
    label = tmp_path / "ups.zpl"
    label.write_bytes(b"^XA^FDcarrier^FS^XZ")
    number = ups_number(9191)
    args = ["shipments", "carrier-label", f"SH-{built.shipment_ids[0]:06d}", "--parcel", "2",
            "--file", str(label), "--tracking", number, "--json", "--db", db_url]  # fmt: skip
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["tracking_number"] == number
    args[4] = "7"
    assert main(args) == 2
    assert "--parcel" in capsys.readouterr().err


def test_a_status_that_does_not_exist_is_refused_by_name(db, db_url, capsys, staff_login):
    _built(db)
    assert main(["shipments", "list", "--status", "shiped", "--db", db_url]) != 0
    said = capsys.readouterr()
    assert "shiped" in said.err + said.out and "shipped" in said.err + said.out
