"""A shipment's label history: the first print, a failed print with its reason, an explicit
reprint with who and why — from the command line (``orderdesk shipments labels``)."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.errors import PrintFailed
from app.numbers import entity_number
from app.packing import labelling as pl
from app.packing import service as ps
from app.packing.printers import StationPrinters
from tests.app.packing.conftest import PACKER, RecordingPrinter


def test_the_label_history_lists_prints_failures_and_reprints(
    db, db_url, station, capsys, staff_login
):
    number = entity_number("shipment", station.shipment_id)
    ps.open_shipment(db, PACKER, number)
    for code in (station.kettle, station.kettle, station.vase):
        ps.scan_item(db, PACKER, station.shipment_id, code)
    ps.set_weight(db, PACKER, station.shipment_id, 3_450)
    off = StationPrinters(RecordingPrinter(name="zebra-1", fail=True))
    with pytest.raises(PrintFailed):
        pl.print_labels(db, PACKER, station.shipment_id, off)
    done = pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    pl.reprint_label(db, PACKER, done.state.parcels[0].parcel_id, station.printers, "label torn")
    assert main(["shipments", "labels", number, "--json", "--db", db_url]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["parcel"], r["action"], r["outcome"], r["printer"]) for r in rows] == [
        (1, "print", "failed", "zebra-1"),
        (1, "print", "printed", "test-printer"),
        (1, "reprint", "printed", "test-printer"),
    ]
    assert "switched off" in rows[0]["failure"] and rows[2]["reason"] == "label torn"
    assert main(["shipments", "labels", number, "--db", db_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[2].endswith("label torn")
