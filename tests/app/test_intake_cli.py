"""``orderdesk import``: exit codes and the JSON summary, as scripts rely on them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main

FIXTURES = Path(__file__).parent / "formats" / "fixtures"

# These commands act as a named staff user: a signed-in administrator.
pytestmark = pytest.mark.usefixtures("staff_login")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_file_exits_0_and_again_still_0(db_url, capsys):
    path = str(FIXTURES / "amazon_orders_report.txt")
    code, out, _ = run(capsys, "import", path, "--db", db_url)
    assert code == 0 and "3 new orders" in out
    code, out, _ = run(capsys, "import", path, "--db", db_url, "--json")
    summary = json.loads(out)
    assert code == 0 and (summary["new_orders"], summary["already_present"]) == (0, 3)


def test_rejected_rows_exit_1_and_are_listed_in_json(db_url, capsys):
    path = str(FIXTURES / "spapi_orders_with_items.json")
    code, out, _ = run(capsys, "import", path, "--db", db_url, "--json")
    summary = json.loads(out)
    assert code == 1
    assert summary["rejected_orders"] == 1 and summary["new_orders"] == 2
    assert summary["rejected_rows"] == [
        {
            "row": 4,
            "order_id": "113-0000004-0000004",
            "reason": "item 1 QuantityOrdered 'abc' is not a whole number",
        }
    ]


def test_unreadable_file_exits_2_with_one_line(db_url, capsys, tmp_path):
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    code, out, err = run(capsys, "import", str(path), "--db", db_url)
    assert code == 2 and out == ""
    assert err.startswith("orderdesk: ") and "binary" in err and len(err.splitlines()) == 1


def test_format_and_channel_can_be_given(db_url, capsys, tmp_path):
    path = tmp_path / "orders.txt"  # a partner file named like anything
    path.write_text(
        "order_id,order_date,currency,sku,quantity,line_total\nP-1,2026-11-20,EUR,A,1,5\n"
    )
    code, out, _ = run(
        capsys,
        "import",
        str(path),
        "--format",
        "csv",
        "--channel",
        "otto",
        "--db",
        db_url,
        "--json",
    )
    assert code == 0 and json.loads(out)["new_orders"] == 1


def test_pricelist_import_show_and_account_round_trip(db_url, capsys, tmp_path):
    from app.database import open_database
    from tests import factories

    database = open_database(db_url)
    with database.unit_of_work() as uow:
        factories.product(uow.session, "LAMP-1")
        uow.commit()
    database.dispose()
    prices = tmp_path / "de.csv"
    prices.write_text("sku,price\nLAMP-1,24.90\n", encoding="utf-8")
    code, out, _ = run(
        capsys, "pricelist", "import", "de", str(prices), "--currency", "eur", "--db", db_url
    )
    assert code == 0 and "1" in out and "EUR" in out
    code, out, _ = run(capsys, "pricelist", "show", "DE", "--db", db_url, "--json")
    shown = json.loads(out)
    assert code == 0 and shown["currency"] == "EUR"
    assert shown["prices"] == [{"sku": "LAMP-1", "unit_price_cents": 2490}]
    code, out, _ = run(capsys, "pricelist", "account", "amazon-de", "de", "--db", db_url, "--json")
    assert code == 0 and json.loads(out) == {"channel": "amazon-de", "marketplace": "DE"}
    code, out, _ = run(capsys, "pricelist", "show", "UK", "--db", db_url)
    assert code == 1 and "UK" in out


def test_pricelist_with_a_bad_row_exits_2_naming_the_row(db_url, capsys, tmp_path):
    prices = tmp_path / "de.csv"
    prices.write_text("sku,price\nNOPE,1.00\n", encoding="utf-8")
    code, out, err = run(
        capsys, "pricelist", "import", "DE", str(prices), "--currency", "EUR", "--db", db_url
    )
    assert code == 2 and "row 2" in out + err
