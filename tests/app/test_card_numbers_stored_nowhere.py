"""No full card number is stored anywhere: every import format and the shop counter.

A card number is written, in every form people and files use, into every free-text field
of every format; after the import a scan of all stored text finds none, and review turns
what was removed into a finding a person acts on. Identifiers are never rewritten.
"""

from __future__ import annotations

import csv
import itertools
import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select, text

from app.address import PostalAddress
from app.cards import MASK
from app.counter.model import NewCustomer
from app.errors import FullCardNumber
from app.intake import import_file
from app.permissions import Role
from app.review.service import NewPayment, review_orders
from db.models import Order, ReviewFinding
from tests.app.test_cards import written_cards
from tests.app.test_counter import card, catalogue, draft, place  # noqa: F401 - fixture
from tests.conftest import make_actor

FIXTURES = Path(__file__).parent / "formats" / "fixtures"
REPORT = (FIXTURES / "amazon_orders_report.txt").read_text(encoding="utf-8").splitlines()
HEADER, FIRST_ROW = REPORT[0], REPORT[1]
COLUMNS = HEADER.split("\t")
REVIEWER = make_actor(Role.SUPERVISOR, username="reviewer")

# The channel's keys: never rewritten (an identifier that is a card number gets a finding).
IDENTIFIER_COLUMNS = {
    ("orders", "channel_order_id"),
    ("order_lines", "channel_line_id"),
    ("order_lines", "sku"),
    ("customers", "channel_buyer_id"),
    ("order_imports", "channel_order_id"),
}

REPORT_TEXT = (
    "buyer-email",
    "buyer-name",
    "buyer-phone-number",
    "product-name",
    "recipient-name",
    "ship-address-1",
    "ship-address-2",
    "ship-address-3",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "ship-phone-number",
)
CSV_COLUMNS = [
    *("order_id", "order_date", "currency", "sku", "quantity", "line_total", "channel"),
    *("product_name", "buyer_id", "buyer_name", "buyer_email", "buyer_phone", "ship_name"),
    *("ship_address_1", "ship_address_2", "ship_address_3", "ship_city", "ship_region"),
    *("ship_postal_code", "ship_country", "ship_phone"),
]
CSV_TEXT = tuple(CSV_COLUMNS[7:])
CSV_TEXT = tuple(name for name in CSV_TEXT if name != "buyer_id")
JSON_TEXT = (
    "BuyerEmail",
    "BuyerName",
    "Title",
    "Name",
    "AddressLine1",
    "AddressLine2",
    "AddressLine3",
    "City",
    "StateOrRegion",
    "PostalCode",
    "CountryCode",
    "Phone",
)
_serial = itertools.count(1)


def amazon_report(folder: Path, order_id: str, column: str, value: str) -> Path:
    cells = FIRST_ROW.split("\t")
    cells[COLUMNS.index("order-id")] = order_id
    cells[COLUMNS.index("order-item-id")] = f"9{next(_serial):013d}"
    if column == "buyer-email":
        value = f"{value}@marketplace.amazon.co.uk"
    cells[COLUMNS.index(column)] = value
    path = folder / f"{order_id}.txt"
    path.write_text(f"{HEADER}\n" + "\t".join(cells) + "\n", encoding="utf-8")
    return path


def partner_csv(folder: Path, order_id: str, column: str, value: str) -> Path:
    row = dict.fromkeys(CSV_COLUMNS, "")
    row |= {
        "order_id": order_id,
        "order_date": "2026-11-20T08:15:00+00:00",
        "currency": "EUR",
        "sku": "MUG-1",
        "quantity": "1",
        "line_total": "9.99",
        "channel": "kaufland",
        "buyer_id": "115918-0000000044",
        "buyer_name": "Jürgen Müller",
        "ship_name": "Jürgen Müller",
        "ship_address_1": "Hauptstr. 5",
        "ship_city": "Berlin",
        "ship_postal_code": "10117",
        "ship_country": "DE",
    }
    row[column] = f"{value}@example.de" if column == "buyer_email" else value
    path = folder / f"{order_id}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, CSV_COLUMNS)
        writer.writeheader()
        writer.writerow(row)
    return path


def spapi_json(folder: Path, order_id: str, key: str, value: str) -> Path:
    address = {"Name": "Anna", "AddressLine1": "12 Mill Lane", "City": "York", "CountryCode": "GB"}
    buyer = {"BuyerEmail": "abc@marketplace.amazon.co.uk", "BuyerName": "Anna"}
    item = {
        "SellerSKU": "MUG-1",
        "OrderItemId": f"9{next(_serial):013d}",
        "QuantityOrdered": 1,
        "Title": "Enamel mug",
        "ItemPrice": {"CurrencyCode": "GBP", "Amount": "9.99"},
    }
    if key in ("Name", "AddressLine1", "AddressLine2", "AddressLine3", "City", "Phone") or key in (
        "StateOrRegion",
        "PostalCode",
        "CountryCode",
    ):
        address[key] = value
    elif key in buyer:
        buyer[key] = f"{value}@marketplace.amazon.co.uk" if key == "BuyerEmail" else value
    else:
        item[key] = value
    order = {
        "AmazonOrderId": order_id,
        "PurchaseDate": "2026-11-20T08:15:00Z",
        "OrderStatus": "Unshipped",
        "BuyerInfo": buyer,
        "ShippingAddress": address,
        "OrderItems": [item],
    }
    path = folder / f"{order_id}.json"
    path.write_text(json.dumps({"payload": {"Orders": [order]}}, ensure_ascii=False), "utf-8")
    return path


FORMATS = (
    [(amazon_report, column) for column in REPORT_TEXT]
    + [(partner_csv, column) for column in CSV_TEXT]
    + [(spapi_json, key) for key in JSON_TEXT]
)


def _digits(value: object) -> str:
    return "".join(str(unicodedata.decimal(ch)) for ch in str(value) if ch.isdecimal())


def stored_card_numbers(db, number: str) -> list[str]:
    """Every stored value (outside the identifier columns) that holds ``number``."""
    found = []
    with db.unit_of_work() as uow:
        connection = uow.session.connection()
        for table in inspect(connection).get_table_names():
            columns = [c["name"] for c in inspect(connection).get_columns(table)]
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                for column, value in zip(columns, row, strict=True):
                    if (table, column) in IDENTIFIER_COLUMNS or value is None:
                        continue
                    if number in _digits(value):
                        found.append(f"{table}.{column}")
    return found


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(card=written_cards(), where=st.sampled_from(FORMATS))
def test_a_card_number_written_into_any_free_text_field_of_any_format_is_stored_nowhere(
    db, admin, tmp_path, card, where
):
    written, number = card
    write, field = where
    order_id = f"205-{next(_serial):07d}-1234567"
    summary = import_file(db, admin, write(tmp_path, order_id, field, written))
    assert (summary.new_orders, summary.rejected_orders) == (1, 0), summary.rejected_rows
    assert stored_card_numbers(db, number) == []
    with db.unit_of_work() as uow:
        stored = uow.session.scalars(select(Order).where(Order.channel_order_id == order_id)).one()
        assert stored.channel_order_id == order_id  # identifiers as sent


def findings_of(db, order_id: str) -> list[ReviewFinding]:
    with db.unit_of_work() as uow:
        stored = uow.session.scalars(select(Order).where(Order.channel_order_id == order_id)).one()
        found = uow.session.scalars(
            select(ReviewFinding).where(ReviewFinding.order_id == stored.id)
        ).all()
        return [(f.code, f.field, f.message, stored.status) for f in found]


def test_the_order_gets_a_finding_in_words_so_a_person_contacts_the_customer(db, admin, tmp_path):
    path = amazon_report(tmp_path, "205-0000001-1234567", "ship-address-2", "4111 1111 1111 1111")
    import_file(db, admin, path)
    review_orders(db, REVIEWER, "all_received")
    [(code, field, message, status)] = [
        f for f in findings_of(db, "205-0000001-1234567") if f[0].startswith("card_number")
    ]
    assert code == "card_number.removed" and field == "ship_to.line1"
    assert "A card number was removed from the delivery address" in message
    assert status == "needs_info"
    with db.unit_of_work() as uow:
        line2 = uow.session.scalar(select(Order.ship_line2))
    assert line2 == f"{MASK} 1111"


def test_identifiers_are_never_rewritten_and_one_that_is_a_card_number_gets_a_finding(
    db, admin, tmp_path
):
    partner = partner_csv(tmp_path, "4111111111111111", "ship_address_2", "c/o Hof")
    summary = import_file(db, admin, partner)
    assert summary.new_orders == 1
    review_orders(db, REVIEWER, "all_received")
    codes = [f[0] for f in findings_of(db, "4111111111111111")]
    assert "card_number.in_identifier" in codes
    with db.unit_of_work() as uow:
        buyer_id = uow.session.scalar(text("SELECT channel_buyer_id FROM customers"))
    assert buyer_id == "partner:kaufland:115918-0000000044"


def test_the_partner_template_says_identifiers_carry_no_card_data():
    doc = (Path(__file__).parents[2] / "docs" / "partner-csv-template.md").read_text("utf-8")
    assert "card number" in doc.lower() and "identifier" in doc.lower()


# --------------------------------------------------------------------------- the counter

COUNTER_FIELDS = (
    "name",
    "phone",
    "email",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "recipient",
    "address_phone",
    "reference",
)


def counter_draft(catalogue, field: str, value: str):  # noqa: F811
    customer = {"name": "Li", "phone": "+49 30 1234567", "email": ""}
    address = {"line1": "Unter den Linden 5", "city": "Berlin", "postal_code": "10117"}
    address["country_code"] = "de"
    reference = "TRM-7781-0042"
    if field in customer:
        customer[field] = value
    elif field == "address_phone":
        address["phone"] = value
    elif field == "reference":
        reference = value
    else:
        address[field] = value
    return draft(
        catalogue,
        new_customer=NewCustomer(
            customer["name"], phone=customer["phone"], email=customer["email"]
        ),
        address=PostalAddress(**address),
        payment=card(processor_reference=reference),
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(card_number=written_cards(), field=st.sampled_from(COUNTER_FIELDS))
def test_the_counter_refuses_a_card_number_in_any_written_form_in_any_field(
    db,
    catalogue,  # noqa: F811
    card_number,
    field,
):
    written, number = card_number
    with pytest.raises(FullCardNumber) as refused:
        place(db, counter_draft(catalogue, field, written))
    assert refused.value.last4 == number[-4:] and number not in str(refused.value)
    assert stored_card_numbers(db, number) == []


@pytest.mark.parametrize(
    ("first", "second"), [("line1", "line2"), ("name", "phone"), ("city", "region")]
)
def test_the_counter_refuses_a_card_number_split_over_two_fields(
    db,
    catalogue,  # noqa: F811
    first,
    second,
):
    values = {first: "Haus 4111 1111", second: "1111 1111"}
    customer = {"name": "Li", "phone": "", "email": ""}
    address = {"line1": "Unter den Linden 5", "city": "Berlin", "postal_code": "10117"}
    for name, value in values.items():
        (customer if name in customer else address)[name] = value
    the_draft = draft(
        catalogue,
        new_customer=NewCustomer(customer["name"], phone=customer["phone"], email=""),
        address=PostalAddress(**address, country_code="de"),
    )
    with pytest.raises(FullCardNumber):
        place(db, the_draft)
    assert stored_card_numbers(db, "4111111111111111") == []


def test_the_review_desks_payment_reference_refuses_a_card_number():
    from app.review.service import _check_new_payment

    typed = NewPayment(
        "card",
        100,
        card_last4="4242",
        card_exp_month=3,
        card_exp_year=2030,
        reference="4111.1111.1111.1111",
    )
    with pytest.raises(FullCardNumber) as refused:
        _check_new_payment(typed)
    assert refused.value.field == "reference"


def test_a_card_number_typed_into_a_reason_at_the_review_desk_is_kept_as_its_last_four(
    db, admin, tmp_path
):
    from app.review.service import cancel_order

    import_file(db, admin, amazon_report(tmp_path, "205-0000002-1234567", "ship-city", "York"))
    with db.unit_of_work() as uow:
        order = uow.session.scalars(select(Order)).one()
        order_id, version = order.id, order.version
    reason = "customer read out card 5555-5555-5555-4444 on the phone"
    cancel_order(db.unit_of_work(), REVIEWER, order_id, expected_version=version, reason=reason)
    assert stored_card_numbers(db, "5555555555554444") == []
    with db.unit_of_work() as uow:
        reasons = uow.session.scalars(text("SELECT reason FROM audit_events")).all()
    assert f"customer read out card {MASK} 4444 on the phone" in reasons


def test_a_rejection_that_quotes_a_card_number_shows_only_its_last_four(db, admin, tmp_path):
    path = amazon_report(tmp_path, "205-0000003-1234567", "quantity-purchased", "4111111111111111")
    summary = import_file(db, admin, path)
    [row] = summary.rejected_rows
    assert "4111111111111111" not in row.reason and f"{MASK} 1111" in row.reason
