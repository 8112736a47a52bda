"""SP-API Orders JSON: the combined file, the folder of responses, type drift."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from app.formats import amazon_json, detect_format
from app.formats.common import UnknownFormat, UnreadableFile
from tests.app.formats.conftest import FIXTURES, split

COMBINED = FIXTURES / "spapi_orders_with_items.json"


def read(path: Path):
    return split(amazon_json.read(path))


def test_combined_file_reads_orders_with_their_inline_items():
    orders, _rejected = read(COMBINED)
    order = orders["113-0000001-0000001"]
    assert [line.sku for line in order.lines] == ["MUG-BLUE-350", "TEA-SENCHA-100"]
    assert order.lines[0].channel_line_id == "06821234567890"
    assert order.total_minor == 3397 and order.currency == "USD"
    assert order.ship_by_at == dt.datetime(2026, 11, 23, 7, 59, 59, tzinfo=dt.UTC)
    assert order.buyer.email == "k2x9@marketplace.amazon.com"
    assert order.ship_to.postal_code == "48817-1234"
    assert order.is_paid and order.for_our_warehouse


def test_type_drift_does_not_matter():
    # "QuantityOrdered": "2", "IsGift": "false", "NumberOfItems": "1", Amount as a number
    line = read(COMBINED)[0]["113-0000001-0000001"].lines[0]
    assert line.quantity == 2 and line.tax_minor == 160
    assert read(COMBINED)[0]["113-0000001-0000001"].lines[1].line_total_minor == 800


def test_absurd_dates_are_kept_with_a_note_and_pending_is_not_paid():
    order = read(COMBINED)[0]["113-0000002-0000002"]
    assert order.purchased_at.year == 1970
    assert "PurchaseDate 1970-01-19 is implausible" in order.notes
    assert not order.is_paid and order.requested_service == "express"


def test_amazon_fulfilled_order_is_read_but_not_for_our_warehouse():
    order = read(COMBINED)[0]["113-0000003-0000003"]
    assert order.fulfilled_by_channel and not order.for_our_warehouse


def test_bad_item_rejects_its_order_only():
    orders, rejected = read(COMBINED)
    assert len(orders) == 3
    assert rejected[0].order_id == "113-0000004-0000004"
    assert "QuantityOrdered 'abc'" in rejected[0].reason and rejected[0].rows[0].row == 4


def test_folder_of_api_responses_is_joined_by_order_id():
    orders, rejected = read(FIXTURES / "spapi_folder")
    assert rejected == []
    order = orders["114-0000001-0000001"]
    assert [line.sku for line in order.lines] == ["CREME-SET", "SPOON"]
    assert order.ship_to.city == "Berlin" and order.buyer.name == "Jana Novak"
    assert detect_format(FIXTURES / "spapi_folder") == "amazon-json"


def test_orders_without_items_are_rejected_with_the_reason(tmp_path):
    path = tmp_path / "orders.json"
    path.write_text(
        json.dumps({"payload": {"Orders": [{"AmazonOrderId": "1", "OrderStatus": "Unshipped"}]}})
    )
    orders, rejected = read(path)
    assert orders == {} and "getOrderItems" in rejected[0].reason


def test_items_without_their_order_are_reported(tmp_path):
    path = tmp_path / "items.json"
    path.write_text(
        json.dumps(
            {
                "payload": {
                    "AmazonOrderId": "7",
                    "OrderItems": [{"SellerSKU": "A", "QuantityOrdered": 1}],
                }
            }
        )
    )
    orders, rejected = read(path)
    assert orders == {} and rejected[0].order_id == "7" and rejected[0].rows[0].row == 0


def test_currency_that_does_not_fit_the_marketplace_is_noted(tmp_path):
    data = json.loads(COMBINED.read_text())
    order = data["payload"]["Orders"][1]
    order["OrderTotal"]["CurrencyCode"] = "INR"
    for item in order["OrderItems"]:
        for money in ("ItemPrice", "ItemTax"):
            item[money]["CurrencyCode"] = "INR"
    path = tmp_path / "inr.json"
    path.write_text(json.dumps({"get_orders": {"status": 200, "json": data}}))  # a mock map
    notes = read(path)[0]["113-0000002-0000002"].notes
    assert "currency INR does not match marketplace ATVPDKIKX0DER (USD)" in notes


def test_same_order_twice_with_different_content_is_rejected(tmp_path):
    data = json.loads(COMBINED.read_text())
    copy = json.loads(json.dumps(data["payload"]["Orders"][0]))
    copy["OrderItems"][0]["QuantityOrdered"] = 3
    data["payload"]["Orders"].append(copy)
    data["payload"]["Orders"].append(data["payload"]["Orders"][1])  # identical: counted once
    path = tmp_path / "twice.json"
    path.write_text(json.dumps(data))
    orders, rejected = read(path)
    assert "113-0000002-0000002" in orders
    assert any("different content" in r.reason for r in rejected)


def test_large_combined_file_is_streamed(tmp_path):
    data = json.loads(COMBINED.read_text())
    template = json.dumps(data["payload"]["Orders"][0])
    path = tmp_path / "big.json"
    with path.open("w") as handle:
        handle.write('{"payload": {"NextToken": "x", "Orders": [')
        for n in range(3000):
            handle.write(("," if n else "") + template.replace("113-0000001", f"113-{n:07d}"))
        handle.write("]}}")
    assert sum(1 for _ in amazon_json.read(path)) == 3000


def test_truncated_json_document_is_reported_not_crashed(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(('{"get_orders": ' + COMBINED.read_text())[:1500])
    with pytest.raises(UnreadableFile, match="not valid JSON"):
        amazon_json.read(path)


def test_streamed_file_cut_off_midway_keeps_the_orders_before(tmp_path):
    text = COMBINED.read_text()
    path = tmp_path / "cut.json"
    path.write_text(text[: text.index('"AmazonOrderId": "113-0000003')])
    orders, rejected = read(path)
    assert len(orders) == 2 and "cut off" in rejected[-1].reason


def test_json_that_holds_no_orders_is_unknown(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"hello": [1, 2, 3]}')
    with pytest.raises(UnknownFormat):
        amazon_json.read(path)


def test_empty_and_binary_files_cannot_be_read(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text("")
    with pytest.raises(UnreadableFile, match="empty"):
        amazon_json.read(empty)
    binary = tmp_path / "b.json"
    binary.write_bytes(b"{\x00\x01\x02")
    with pytest.raises(UnreadableFile, match="binary"):
        amazon_json.read(binary)


def test_negative_order_total_is_rejected(tmp_path):
    data = json.loads(COMBINED.read_text())
    data["payload"]["Orders"][0]["OrderTotal"]["Amount"] = "-1.00"
    path = tmp_path / "negative.json"
    path.write_text(json.dumps(data))
    orders, rejected = read(path)
    assert "113-0000001-0000001" not in orders and "negative" in rejected[0].reason


def test_lone_surrogates_and_control_characters_are_removed(tmp_path):
    data = json.loads(COMBINED.read_text())
    data["payload"]["Orders"][0]["ShippingAddress"]["Name"] = "Maria\ud800 \u0000Garcia"
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(data))  # ASCII JSON with \\ud800 and \\u0000 escapes
    assert read(path)[0]["113-0000001-0000001"].ship_to.recipient == "Maria Garcia"


def test_business_order_po_number_and_buyer_cancel_request_are_read(tmp_path):
    data = json.loads(COMBINED.read_text())
    order = data["payload"]["Orders"][0]
    order["IsBusinessOrder"] = "true"  # type drift: a string, as some responses send it
    order["BuyerInfo"] = {"PurchaseOrderNumber": "PO-55"}
    order["OrderItems"][1]["BuyerRequestedCancel"] = {"IsBuyerRequestedCancel": "true"}
    path = tmp_path / "business.json"
    path.write_text(json.dumps(data))
    read_back = read(path)[0]["113-0000001-0000001"]
    assert read_back.is_business_order and read_back.purchase_order_number == "PO-55"
    assert read_back.buyer_requested_cancellation
    plain = read(COMBINED)[0]["113-0000001-0000001"]
    assert not plain.is_business_order and plain.purchase_order_number is None
