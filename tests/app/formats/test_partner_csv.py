"""Our partner CSV template: the documented sample, its rules and its bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.formats import detect_format, partner_csv
from app.formats.common import MissingColumns, UnreadableFile
from app.formats.export import safe_cell, write_rejected_rows
from tests.app.formats.conftest import split

SAMPLE = (
    Path(__file__).resolve().parents[3] / "resources" / "samples" / "partner_orders_template.csv"
)
HEADER = "order_id,order_date,currency,sku,quantity,line_total"


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "partner.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_documented_sample_reads_completely():
    assert detect_format(SAMPLE) == "csv"
    orders, rejected = split(partner_csv.read(SAMPLE))
    assert rejected == []
    first = orders["KL-2026-000101"]
    assert first.channel == "partner:kaufland" and len(first.lines) == 2
    assert first.lines[0].product_name == "Enamel mug, blue, 350 ml"
    assert first.tax_included and first.is_paid
    assert first.total_minor == 2580 + 890 + 245 - 100
    assert orders["KL-2026-000102"].buyer.name == "王小明"
    assert not orders["KL-2026-000102"].is_paid
    assert orders["ETSY-3391002"].channel == "partner:etsy"


def test_minimal_columns_with_channel_for_the_whole_file(tmp_path):
    path = write(tmp_path, HEADER, "P-1,2026-11-20T10:00:00Z,EUR,A-1,2,10.00")
    orders, _rejected = split(partner_csv.read(path, channel="Otto"))
    assert orders["P-1"].channel == "partner:otto" and orders["P-1"].lines[0].quantity == 2


def test_no_channel_anywhere_rejects_the_order(tmp_path):
    path = write(tmp_path, HEADER, "P-1,2026-11-20T10:00:00Z,EUR,A-1,2,10.00")
    orders, rejected = split(partner_csv.read(path))
    assert orders == {} and "no channel" in rejected[0].reason


def test_missing_required_column_is_named(tmp_path):
    path = write(tmp_path, "order_id,order_date,currency,sku,quantity", "P-1,2026-11-20,EUR,A,1")
    with pytest.raises(MissingColumns, match="line_total"):
        partner_csv.read(path, channel="otto")


def test_semicolons_are_named_as_the_wrong_delimiter(tmp_path):
    path = write(tmp_path, HEADER.replace(",", ";"), "P-1;2026-11-20;EUR;A-1;2;10,00")
    with pytest.raises(UnreadableFile, match="semicolons"):
        partner_csv.read(path, channel="otto")


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ("P-1,2026-11-20,EUR,A-1,abc,10.00", "quantity 'abc'"),
        ("P-1,2026-11-20,EUR,A-1,0,10.00", "quantity '0'"),
        ("P-1,2026-11-20,EUR,A-1,-1,10.00", "quantity '-1'"),
        ('P-1,2026-11-20,EUR,A-1,1,"12,50"', "line_total '12,50'"),
        ("P-1,2026-11-20,EUR,A-1,1,€12.50", "line_total '€12.50'"),
        ("P-1,20/11/2026,EUR,A-1,1,12.50", "order_date '20/11/2026'"),
        ("P-1,2026-11-20,euro,A-1,1,12.50", "currency 'euro'"),
    ],
)
def test_bad_values_reject_their_order_with_the_reason(tmp_path, cells, reason):
    path = write(tmp_path, HEADER, cells, "P-2,2026-11-20,EUR,B-1,1,5.00")
    orders, rejected = split(partner_csv.read(path, channel="otto"))
    assert list(orders) == ["P-2"]
    assert reason in rejected[0].reason and rejected[0].rows[0].row == 2


def test_rows_of_one_order_that_disagree_are_rejected_whole(tmp_path):
    path = write(
        tmp_path,
        HEADER + ",buyer_email",
        "P-1,2026-11-20,EUR,A-1,1,5.00,a@example.com",
        "P-1,2026-11-20,EUR,A-2,1,5.00,b@example.com",
    )
    orders, rejected = split(partner_csv.read(path, channel="otto"))
    assert orders == {} and len(rejected[0].rows) == 2
    assert "buyer_email" in rejected[0].rows[1].reason


def test_rejected_rows_export_neutralises_formulas(tmp_path):
    path = write(tmp_path, HEADER, '=HYPERLINK("http://x"),2026-11-20,EUR,A-1,zero,1.00')
    _orders, rejected = split(partner_csv.read(path, channel="otto"))
    out = tmp_path / "rejected.csv"
    write_rejected_rows(out, rejected[0].rows, HEADER.split(","))
    text = out.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "quantity 'zero'" in text
    assert safe_cell("-1+2") == "'-1+2" and safe_cell("plain") == "plain"
