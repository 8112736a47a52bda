"""``orderdesk tracking import`` as a scheduled job or a clerk runs it."""

import json

from app.cli import main
from db.models_shipping import Parcel
from tests import factories as f

HEADER = "tracking_number,carrier,time,status,location,description\n"


def _parcel(db_url):
    from app.database import open_database

    database = open_database(db_url)
    with database.unit_of_work() as uow:
        s = uow.session
        order = f.order(s, f.customer(s), status="shipped", lines=[(f.product(s), 1)])
        shipment = f.shipment(s, order, f.warehouse(s), status="shipped")
        s.add(
            Parcel(shipment_id=shipment.id, sequence=1, tracking_number="1ZA", status="handed_over")
        )
        uow.commit()
    database.dispose()


def test_import_prints_what_it_recorded_and_json_is_codes_and_values(
    tmp_path, db_url, staff_login, capsys
):
    _parcel(db_url)
    path = tmp_path / "events.csv"
    path.write_text(HEADER + "1ZA,ups,2026-11-20T09:00:00Z,delivered,Bonn,Delivered\n")
    assert main(["tracking", "import", str(path), "--db", db_url]) == 0
    assert "1 tracking event recorded" in capsys.readouterr().out
    assert main(["tracking", "import", str(path), "--db", db_url, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["imported"], result["duplicates"]) == (0, 1)


def test_import_exits_1_naming_unknown_numbers_and_bad_rows(tmp_path, db_url, staff_login, capsys):
    _parcel(db_url)
    path = tmp_path / "events.csv"
    path.write_text(
        HEADER + "XX9,ups,2026-11-20T09:00:00Z,delivered,,\n1ZA,ups,yesterday,delivered,,\n"
    )
    assert main(["tracking", "import", str(path), "--db", db_url]) == 1
    err = capsys.readouterr().err
    assert "XX9" in err
    assert "row 3" in err


def test_a_file_that_is_not_tracking_exits_2_with_one_line(tmp_path, db_url, staff_login, capsys):
    path = tmp_path / "events.json"
    path.write_text('{"orders": []}')
    assert main(["tracking", "import", str(path), "--db", db_url]) == 2
    assert "no trackings" in capsys.readouterr().err


def test_an_import_that_reveals_a_lost_parcel_opens_a_case_and_cases_list_shows_it(
    tmp_path, db_url, staff_login, capsys
):
    _parcel(db_url)
    path = tmp_path / "events.csv"
    path.write_text(HEADER + "1ZA,ups,2026-11-20T09:00:00Z,Exception_013,,Lost in sorting\n")
    assert main(["tracking", "import", str(path), "--db", db_url]) == 0
    assert "1 case opened by the logistics watch" in capsys.readouterr().out
    assert main(["cases", "list", "--db", db_url, "--json"]) == 0
    (case,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (case["number"], case["status"], case["category"]) == ("CS-000001", "open", "lost")
    assert case["first_reply_due_at"]
    assert main(["tracking", "watch", "--db", db_url]) == 0
    assert "0 cases opened" in capsys.readouterr().out
