"""The packing command line: the rules table edited, a shipment packed by scripted scans."""

from __future__ import annotations

import json

from app.cli import main
from tests.app.labels.decoding import decoded_per_page


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.splitlines()[-1])


def test_a_supervisor_edits_the_package_rules_from_the_command_line(
    db, db_url, capsys, staff_login, station
):
    assert (
        main(
            [
                "packing",
                "rules",
                "add",
                "BAG-L",
                "--rank",
                "1",
                "--soft",
                "yes",
                "--json",
                "--db",
                db_url,
            ]
        )
        == 0
    )
    added = _json(capsys)["rules"][0]
    assert (added["rank"], added["package"], added["soft"]) == (1, "BAG-L", True)
    assert main(["packing", "rules", "remove", str(added["id"]), "--json", "--db", db_url]) == 0
    assert all(r["id"] != added["id"] for r in _json(capsys)["rules"])


def test_a_shipment_is_packed_by_scripted_scans_and_its_label_written(
    db, db_url, capsys, staff_login, station, tmp_path
):
    number = f"SH-{station.shipment_id:06d}"
    for code in (station.kettle, station.kettle, station.vase, "3.4 kg"):
        assert main(["packing", "scan", code, "--shipment", number, "--db", db_url]) == 0
    assert (
        main(
            [
                "packing",
                "scan",
                "PRINT",
                "--shipment",
                number,
                "-o",
                str(tmp_path),
                "--json",
                "--db",
                db_url,
            ]
        )
        == 0
    )
    assert _json(capsys)["status"] == "packed"
    label = (tmp_path / f"{number}-1.pdf").read_bytes()
    assert number in {text for _f, text in decoded_per_page(label)[0]}
