"""Amazon flat-file order reports: every layout, every bad input the issue names."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.formats import amazon_report, detect_format
from app.formats.common import MissingColumns, UnknownFormat, UnreadableFile
from tests.app.formats.conftest import FIXTURES, split

REPORT = FIXTURES / "amazon_orders_report.txt"
HEADER = REPORT.read_text(encoding="utf-8").splitlines()[0]
ROWS = REPORT.read_text(encoding="utf-8").splitlines()[1:]


def write(tmp_path: Path, lines: list[str], name: str = "report.txt", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def with_cell(line: str, column: str, value: str) -> str:
    cells = line.split("\t")
    cells[HEADER.split("\t").index(column)] = value
    return "\t".join(cells)


def read(path: Path):
    return split(amazon_report.read(path))


def test_orders_report_groups_item_rows_into_orders():
    orders, rejected = read(REPORT)
    assert rejected == []
    assert list(orders) == ["203-1234567-7654321", "205-7654321-1234567", "S01-1111111-2222222"]
    two_items = orders["203-1234567-7654321"]
    assert [line.sku for line in two_items.lines] == ["MUG-BLUE-350", "TEA-SENCHA-100"]
    assert two_items.rows == (2, 3)


def test_item_price_is_the_amount_for_the_whole_quantity():
    mug = read(REPORT)[0]["203-1234567-7654321"].lines[0]
    assert (mug.quantity, mug.line_total_minor, mug.unit_price_minor) == (2, 2580, 1290)


def test_shipping_and_tax_add_up_over_item_rows_and_uk_prices_include_vat():
    order = read(REPORT)[0]["203-1234567-7654321"]
    assert order.shipping_minor == 245
    assert order.tax_minor == 430 + 41 + 148
    assert order.tax_included
    assert order.total_minor == 2580 + 890 + 245


def test_ids_stay_text_with_leading_zeros_and_multichannel_prefix():
    orders, _ = read(REPORT)
    assert orders["205-7654321-1234567"].lines[0].channel_line_id == "00098765432101"
    assert "S01-1111111-2222222" in orders


def test_times_with_any_offset_become_utc():
    orders, _ = read(REPORT)
    assert orders["205-7654321-1234567"].purchased_at == dt.datetime(
        2026, 11, 20, 9, 40, 12, tzinfo=dt.UTC
    )
    assert orders["S01-1111111-2222222"].purchased_at.hour == 15


def test_chinese_names_and_buyer_details_are_kept():
    order = read(REPORT)[0]["205-7654321-1234567"]
    assert order.buyer.name == "王小明"
    assert order.ship_to.recipient == "王小明"
    assert order.buyer.channel_buyer_id == "amazon:zzz999@marketplace.amazon.co.uk"
    assert order.requested_service == "expedited"
    assert read(REPORT)[0]["S01-1111111-2222222"].requested_service == "express"


def test_payments_date_decides_whether_the_order_is_paid(tmp_path):
    path = write(tmp_path, [HEADER, with_cell(ROWS[2], "payments-date", "")])
    order = read(path)[0]["205-7654321-1234567"]
    assert not order.is_paid and order.paid_at is None


def test_header_names_match_without_regard_to_case(tmp_path):
    path = write(tmp_path, [HEADER.upper(), *ROWS])
    assert len(read(path)[0]) == 3


def test_utf8_with_bom_reads_the_same(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + REPORT.read_bytes())
    assert read(path)[0]["205-7654321-1234567"].buyer.name == "王小明"


def test_comma_separated_copy_is_recognised(tmp_path):
    lines = [line.replace(",", " ").replace("\t", ",") for line in [HEADER, *ROWS]]
    orders, rejected = read(write(tmp_path, lines, "report.csv"))
    assert rejected == [] and len(orders) == 3


def test_windows_1252_all_orders_report_with_afn_and_cancelled_orders():
    orders, rejected = read(FIXTURES / "amazon_all_orders_cp1252.txt")
    assert rejected == []
    assert orders["402-0000001-0000001"].lines[0].product_name == "Crème brûlée set"
    assert orders["402-0000001-0000001"].discount_minor == 200
    assert orders["402-0000001-0000001"].for_our_warehouse
    assert orders["402-0000002-0000002"].fulfilled_by_channel
    assert orders["402-0000003-0000003"].cancelled
    partly = orders["402-0000004-0000004"]
    assert [line.sku for line in partly.lines] == ["BOWL"]
    assert partly.for_our_warehouse and "cancelled by the channel" in partly.notes[0]


def test_unshipped_report_without_money_columns_reads_with_no_currency(tmp_path):
    header = "order-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\tpromise-date"
    row = "111-2222222-3333333\t1\t2026-11-20T10:00:00Z\tA-1\t1\t2026-11-22T10:00:00Z"
    order = read(write(tmp_path, [header, row]))[0]["111-2222222-3333333"]
    assert order.currency == "XXX" and order.total_minor == 0
    assert order.ship_by_at == dt.datetime(2026, 11, 22, 10, tzinfo=dt.UTC)


def test_repeated_header_lines_and_blank_lines_are_not_orders(tmp_path):
    path = write(tmp_path, [HEADER, ROWS[0], "", HEADER, ROWS[1], ""])
    orders, rejected = read(path)
    assert list(orders) == ["203-1234567-7654321"] and rejected == []


def test_rows_of_one_order_apart_in_the_file_are_joined(tmp_path):
    orders, rejected = read(write(tmp_path, [HEADER, ROWS[0], ROWS[2], ROWS[1]]))
    assert rejected == []
    assert orders["203-1234567-7654321"].rows == (2, 4)


def test_row_with_wrong_field_count_is_rejected_by_row_number(tmp_path):
    short = "\t".join(ROWS[2].split("\t")[2:])
    orders, rejected = read(write(tmp_path, [HEADER, ROWS[0], ROWS[1], short]))
    assert list(orders) == ["203-1234567-7654321"]
    (row,) = rejected[0].rows
    assert row.row == 4 and row.order_id is None and "32 fields" in row.reason


# --------------------------------------------------------------------------- bad input


def test_empty_file_cannot_be_read(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(UnreadableFile, match="empty"):
        amazon_report.read(path)


def test_header_only_file_has_no_orders(tmp_path):
    stream = amazon_report.read(write(tmp_path, [HEADER]))
    assert list(stream) == [] and stream.total_units == 0


def test_wrong_delimiter_is_named(tmp_path):
    path = write(tmp_path, [line.replace("\t", ";") for line in [HEADER, *ROWS]])
    assert detect_format(path) == "amazon-report"
    with pytest.raises(UnreadableFile, match="semicolons"):
        amazon_report.read(path)


def test_missing_required_column_is_named(tmp_path):
    header = HEADER.replace("quantity-purchased", "qty")
    with pytest.raises(MissingColumns, match="quantity-purchased"):
        amazon_report.read(write(tmp_path, [header, *ROWS]))


@pytest.mark.parametrize("quantity", ["abc", "0", "-1", "1.5"])
def test_bad_quantity_rejects_the_whole_order_and_others_still_come(tmp_path, quantity):
    path = write(
        tmp_path, [HEADER, ROWS[0], with_cell(ROWS[1], "quantity-purchased", quantity), ROWS[2]]
    )
    orders, rejected = read(path)
    assert list(orders) == ["205-7654321-1234567"]
    rows = {row.row: row.reason for row in rejected[0].rows}
    assert set(rows) == {2, 3}
    assert f"quantity {quantity!r}" in rows[3]
    assert rows[2].startswith("not imported: row 3 of this order")


@pytest.mark.parametrize("price", ["12,50", "€12.50", "12.5.0", "1.234"])
def test_ambiguous_price_rejects_the_order(tmp_path, price):
    orders, rejected = read(write(tmp_path, [HEADER, with_cell(ROWS[2], "item-price", price)]))
    assert orders == {}
    assert "item-price" in rejected[0].reason


@pytest.mark.parametrize("date", ["yesterday", "2026-13-40T00:00:00Z", "2026-11-20T10:00:00"])
def test_unparseable_or_zone_less_date_rejects_the_order(tmp_path, date):
    orders, rejected = read(write(tmp_path, [HEADER, with_cell(ROWS[2], "purchase-date", date)]))
    assert orders == {} and "purchase-date" in rejected[0].reason


def test_binary_file_cannot_be_read(tmp_path):
    path = tmp_path / "report.txt"
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(UnreadableFile, match="binary"):
        amazon_report.read(path)


def test_xlsx_workbook_is_named(tmp_path):
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(UnreadableFile, match="Excel"):
        detect_format(path)


def test_text_that_is_no_order_file_is_unknown(tmp_path):
    path = write(tmp_path, ["name,city", "Ann,York"])
    with pytest.raises(UnknownFormat):
        detect_format(path)


def test_same_order_id_with_different_buyers_is_rejected_whole(tmp_path):
    other = with_cell(ROWS[1], "buyer-email", "someone-else@marketplace.amazon.co.uk")
    orders, rejected = read(write(tmp_path, [HEADER, ROWS[0], other, ROWS[2]]))
    assert list(orders) == ["205-7654321-1234567"]
    assert "buyer-email" in rejected[0].rows[1].reason and "row 2" in rejected[0].rows[1].reason


def test_item_row_whose_order_fields_disagree_with_its_siblings_is_rejected(tmp_path):
    other = with_cell(ROWS[1], "ship-postal-code", "YO2 1AA")
    orders, rejected = read(write(tmp_path, [HEADER, ROWS[0], other]))
    assert orders == {} and "ship-postal-code" in rejected[0].rows[1].reason


def test_hostile_cells_are_kept_as_text_and_long_fields_cut_with_a_note(tmp_path):
    row = with_cell(ROWS[2], "product-name", '=HYPERLINK("http://evil.example","click")')
    row = with_cell(row, "ship-address-1", "x" * 5000)
    row = with_cell(row, "recipient-name", "Bob\x07\x1b[31m Smith")
    order = read(write(tmp_path, [HEADER, row]))[0]["205-7654321-1234567"]
    assert order.lines[0].product_name.startswith("=HYPERLINK(")
    assert order.ship_to.line1 == "x" * 200
    assert order.ship_to.recipient == "Bob[31m Smith"
    assert any("ship-address-1 was 5000 characters" in note for note in order.notes)


def test_too_long_order_id_rejects_instead_of_cutting(tmp_path):
    orders, rejected = read(write(tmp_path, [HEADER, with_cell(ROWS[2], "order-id", "9" * 81)]))
    assert orders == {} and "at most 80" in rejected[0].reason


def test_fingerprint_ignores_row_numbers_but_not_content(tmp_path):
    first = read(write(tmp_path, [HEADER, ROWS[2]], "a.txt"))[0]["205-7654321-1234567"]
    moved = read(write(tmp_path, [HEADER, ROWS[0], ROWS[1], ROWS[2]], "b.txt"))[0]
    changed = read(
        write(tmp_path, [HEADER, with_cell(ROWS[2], "quantity-purchased", "2")], "c.txt")
    )
    assert moved["205-7654321-1234567"].fingerprint == first.fingerprint
    assert changed[0]["205-7654321-1234567"].fingerprint != first.fingerprint


def test_large_file_is_streamed_with_flat_memory(tmp_path):
    import tracemalloc

    path = tmp_path / "big.txt"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER + "\n")
        for n in range(12_000):  # ~3.5 MB; kept whole, its orders would take ~40 MB
            handle.write(with_cell(ROWS[2], "order-id", f"205-{n:07d}-1234567") + "\n")
    tracemalloc.start()
    count = sum(1 for _ in amazon_report.read(path))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 12_000
    assert peak < 6 * 2**20  # the id index and one order at a time


@pytest.mark.parametrize(
    ("price", "reason"),
    [("-5.00", "negative"), ("99999999.99", "too large"), ("21474836.48", "too large")],
)
def test_amounts_no_real_order_has_are_rejected_not_crashed_on(tmp_path, price, reason):
    orders, rejected = read(write(tmp_path, [HEADER, with_cell(ROWS[2], "item-price", price)]))
    assert orders == {} and reason in rejected[0].reason


def test_an_amazon_settlement_report_is_recognised_and_not_read_as_orders(tmp_path):
    from app.formats import detect_format
    from app.formats.common import SettlementReport

    path = tmp_path / "settlement.txt"
    path.write_text(
        "settlement-id\tsettlement-start-date\tsettlement-end-date\torder-id\tamount\n"
        "1\t2026-11-01\t2026-11-15\t203-1234567-7654321\t25.00\n",
        encoding="utf-8",
    )
    with pytest.raises(SettlementReport, match="settlement report"):
        detect_format(path)


def test_the_unshipped_orders_report_ships_quantity_to_ship_not_what_already_left(tmp_path):
    from app.formats import read_orders

    path = tmp_path / "unshipped.txt"
    header = (
        "order-id\torder-item-id\tpurchase-date\tpayments-date\tpromise-date\tbuyer-name\t"
        "sku\tproduct-name\tquantity-purchased\tquantity-shipped\tquantity-to-ship\t"
        "ship-service-level\trecipient-name\tship-address-1\tship-city\tship-postal-code\t"
        "ship-country\tis-business-order\tpurchase-order-number"
    )
    row = (
        "403-1111111-2222222\t11111111111111\t2026-11-20T10:00:00+00:00\t"
        "2026-11-20T10:05:00+00:00\t2026-11-23T23:59:59+00:00\tAnna Müller\tLAMP-1\tDesk lamp\t"
        "3\t1\t2\tStandard\tAnna Müller\tHof 1\tBerlin\t10115\tDE\tfalse\t"
    )
    path.write_text(header + "\n" + row + "\n", encoding="utf-8")
    [order] = list(read_orders(path))
    [line] = order.lines
    assert line.quantity == 2
    assert order.is_paid and order.ship_by_at is not None
