"""Every public Amazon sample in ../shared/samples imports, or is rejected as its notes say.

The samples are not part of the repository (a user's clone does not have them): these
tests look for them beside the repository, or where ``ORDERDESK_SAMPLES_DIR`` points, and
skip, saying so, when they are absent.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from app.formats import detect_format, read_orders
from app.formats.common import IncomingOrder, UnknownFormat
from tests.app.formats.conftest import split


def samples_dir() -> Path | None:
    candidates = []
    if os.environ.get("ORDERDESK_SAMPLES_DIR"):
        candidates.append(Path(os.environ["ORDERDESK_SAMPLES_DIR"]))
    candidates.append(Path(__file__).resolve().parents[3] / ".." / "shared" / "samples")
    for candidate in candidates:
        for folder in (candidate / "amazon", candidate):
            if (folder / "order-reports").is_dir():
                return folder.resolve()
    return None


SAMPLES = samples_dir()
pytestmark = pytest.mark.skipif(
    SAMPLES is None,
    reason="Amazon samples not found (../shared/samples/amazon beside the repository, or "
    "set ORDERDESK_SAMPLES_DIR); a user's clone does not have them",
)
REPORTS = sorted((SAMPLES / "order-reports").iterdir()) if SAMPLES else []
SPAPI = sorted((SAMPLES / "sp-api").iterdir()) if SAMPLES else []


def read(name: str, folder: str = "order-reports"):
    return split(read_orders(SAMPLES / folder / name))


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name)
def test_every_order_report_is_detected_and_read_without_crashing(path):
    assert detect_format(path) == "amazon-report"
    orders, _rejected = split(read_orders(path))
    for order in orders.values():
        assert order.lines or not order.for_our_warehouse
        assert order.total_minor >= 0


@pytest.mark.parametrize("path", SPAPI, ids=lambda p: p.name)
def test_every_spapi_sample_is_read_or_refused_by_name(path):
    assert detect_format(path) == "amazon-json"
    try:
        orders, rejected = split(read_orders(path))
    except UnknownFormat as error:
        # Address and buyer-info responses alone hold no order; they are read from a folder.
        assert "getOrderAddress" in path.name or "getOrderBuyerInfo" in path.name, error
        return
    assert orders or rejected


def test_yomajo_uk_order_report():
    orders, rejected = read("yomajo__sample_amzn_export.txt")
    order = orders["111-31313131-775566"]
    assert rejected == []
    assert order.ship_to.city == "Almuñécar" and order.currency == "GBP"
    assert order.lines[0].channel_line_id == "0938446464647"
    assert order.total_minor == 1059 + 100  # VAT is inside UK prices
    assert any("123-1234567-1234567 form" in note for note in order.notes)


def test_simpleinventory_several_items_per_order_and_extended_price():
    orders, rejected = read("simpleinventory__import_amazon_orders.t.DATA.txt")
    assert rejected == [] and len(orders) == 4
    two = orders["234-5678901-2345678"]
    assert [line.sku for line in two.lines] == ["1", "2"]
    assert two.lines[1].quantity == 2 and two.lines[1].line_total_minor == 129
    assert two.shipping_minor == 2 * 199
    assert two.ship_to.postal_code == "11111-2222"


def test_eolabs_fba_shipments_are_all_amazon_fulfilled():
    orders, rejected = read("eolabs__AmazonFulfilledShipments.csv")
    assert rejected == [] and len(orders) == 5
    assert not any(order.for_our_warehouse for order in orders.values())
    mcf = orders["S01-2412417-1075636"]
    assert mcf.purchased_at is None and mcf.total_minor == 0
    assert orders["103-2260656-3601064"].discount_minor == 75


def test_eolabs_error_file_rejects_the_shifted_row_by_number():
    orders, rejected = read("eolabs__AmazonFulfilledShipmentsError.csv")
    assert len(orders) == 3
    (row,) = rejected[0].rows
    assert row.row == 2 and "46 fields where the header has 48" in row.reason


@pytest.mark.parametrize(
    "name",
    [
        "airbyte__GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING.csv",
        "airbyte__GET_FLAT_FILE_ARCHIVED_ORDERS_DATA_BY_ORDER_DATE.csv",
    ],
)
def test_airbyte_repeated_header_lines_are_no_orders(name):
    assert read(name) == ({}, [])


def test_airbyte_fba_placeholders_read_as_amazon_fulfilled_in_two_currencies():
    orders, _rejected = read("airbyte__GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL.csv")
    assert {order.currency for order in orders.values()} == {"USD", "CAD"}
    assert all(order.fulfilled_by_channel for order in orders.values())


def test_peddler_sandbox_orders_without_items_are_rejected_saying_why():
    orders, rejected = read(
        "peddler__OrdersV0Test.test_get_orders.yml.response-body.json", "sp-api"
    )
    assert orders == {} and len(rejected) == 2
    assert all("getOrderItems" in item.reason for item in rejected)


def test_frappe_mock_map_imports_the_order_with_items_and_notes_the_inr_currency():
    orders, rejected = read("frappe-ecommerce__test_data.json", "sp-api")
    order = orders["902-1845936-5435065"]
    assert order.currency == "INR" and order.total_minor == 1101
    assert order.purchased_at.year == 1970  # absurd sandbox date kept, not crashed on
    assert any("does not match marketplace ATVPDKIKX0DER" in note for note in order.notes)
    assert [item.order_id for item in rejected] == ["902-8745147-1934268"]


def test_api_model_examples_are_found_and_joined():
    orders, rejected = read("spapi-models__ordersV0.json", "sp-api")
    assert orders["902-1845936-5435065"].lines
    assert orders["921-3175655-0452641"].fulfilled_by_channel
    reasons = {item.order_id: item.reason for item in rejected}
    assert "getOrderItems" in reasons["902-3159896-1390916"]
    assert "not in the input" in reasons["903-1671087-0812628"]


def test_spapi_samples_folder_joins_address_and_buyer_info(tmp_path):
    for path in SPAPI:
        if path.name.startswith("spapi-samples__"):
            shutil.copy(path, tmp_path / path.name)
    orders, rejected = split(read_orders(tmp_path))
    # getOrder and getOrderItems of these samples are two different orders.
    reasons = {item.order_id: item.reason for item in rejected}
    assert "getOrderItems" in reasons["123-4567890-1234567"]
    assert "not in the input" in reasons["701-3922379-8329033"]
    assert orders == {}


def test_spapi_items_with_type_drift_parse(tmp_path):
    import json

    items = json.loads(
        (SAMPLES / "sp-api" / "spapi-samples__orders-getOrderItems.json").read_text()
    )
    order = json.loads((SAMPLES / "sp-api" / "spapi-samples__orders-getOrder.json").read_text())
    order["payload"]["AmazonOrderId"] = items["payload"]["AmazonOrderId"]
    order["payload"]["OrderTotal"] = {"CurrencyCode": "BRL", "Amount": "8.02"}
    order["payload"]["OrderItems"] = items["payload"]["OrderItems"]
    path = tmp_path / "joined.json"
    path.write_text(json.dumps({"payload": {"Orders": [order["payload"]]}}))
    orders, _rejected = split(read_orders(path))
    joined: IncomingOrder = orders["701-3922379-8329033"]
    assert joined.lines[0].product_name.startswith("Blusão Moletom")
    assert joined.lines[0].channel_line_id == "147645420374961"
    assert joined.shipping_minor == 702
