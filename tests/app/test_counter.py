"""Shop-counter order entry on a fresh SQLite file: checked first, then one transaction."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import replace

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select, text

from app.address import PostalAddress
from app.cards import card_number_in
from app.counter import service as counter
from app.counter.model import (
    CounterOrderDraft,
    CounterPayment,
    DraftLine,
    NewCustomer,
    ProductFacts,
)
from app.counter.queries import find_customers, find_products, list_price, product_for_code
from app.counter.rules import (
    change_due,
    check_draft,
    draft_problems,
    next_counter_id,
    parse_expiry,
    quantity_problem,
)
from app.counter.service import place_counter_order
from app.errors import DraftProblems, FullCardNumber, InvalidInput, PermissionDenied
from app.permissions import Role
from db.models import (
    Address,
    AuditEvent,
    Bin,
    Customer,
    Order,
    OrderLine,
    Payment,
    ReviewFinding,
    StockQuant,
)
from tests import factories
from tests.conftest import make_actor

NOW = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.UTC)
CARD_NUMBER = "4111 1111 1111 1111"  # a Visa test number: passes Luhn
CLERK = make_actor(Role.CUSTOMER_SERVICE, username="clerk")


@pytest.fixture
def catalogue(db) -> dict[str, int]:
    with db.unit_of_work() as uow:
        s = uow.session
        lamp = factories.product(
            s, "LAMP-1", name="Desk lamp", price_cents=2500, barcode="4006381333931"
        )
        kettle = factories.product(s, "KETTLE-2", name="Glass kettle 1.7 l", price_cents=3999)
        old = factories.product(s, "OLD-9", name="Retired lamp", active=False)
        anna = factories.customer(s, "Anna Müller", email="anna@example.de", phone="+4930123456")
        store = factories.warehouse(s, "BER", bins=1)  # the Berlin shop's own stock
        shelf = s.scalars(select(Bin).where(Bin.warehouse_id == store.id)).one()
        for product in (lamp, kettle):
            factories.stock(s, product, store, 3, shelf.id)
        uow.commit()
        return {"lamp": lamp.id, "kettle": kettle.id, "old": old.id, "anna": anna.id}


def card(**changes) -> CounterPayment:
    values = dict(
        method="card",
        amount_cents=2 * 2500 + 3999,
        card_brand="visa",
        card_last4="4242",
        card_exp_month=3,
        card_exp_year=2028,
        processor_reference="TRM-7781-0042",
    )
    values.update(changes)
    return CounterPayment(**values)


def draft(catalogue, **changes) -> CounterOrderDraft:
    values = dict(
        store_code="ber",
        new_customer=NewCustomer("王芳", phone="+86 138 0013 8000", email="", language="zh"),
        address=PostalAddress(
            line1="Unter den Linden 5", city="Berlin", postal_code="10117", country_code="de"
        ),
        lines=(DraftLine(catalogue["lamp"], 2), DraftLine(catalogue["kettle"], 1)),
        payment=card(),
    )
    values.update(changes)
    return CounterOrderDraft(**values)


def count(db, model) -> int:
    with db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def place(db, the_draft, actor=CLERK):
    return place_counter_order(db.unit_of_work(), actor, the_draft, now=NOW)


# --------------------------------------------------------------------------- saving


def test_a_full_counter_order_is_saved_as_a_received_shop_order(db, catalogue):
    placed = place(db, draft(catalogue))
    assert placed.channel_order_id == "SHOP-BER-000001"
    assert placed.number == f"SO-{placed.order_id:06d}"
    assert (placed.total_cents, placed.currency, placed.status) == (8999, "EUR", "received")
    assert placed.customer_created
    with db.unit_of_work() as uow:
        s = uow.session
        order = s.get(Order, placed.order_id)
        assert (order.channel, order.status, order.requested_service) == (
            "shop",
            "received",
            "standard",
        )
        assert (order.subtotal_cents, order.total_cents) == (8999, 8999)
        assert order.purchased_at == NOW and order.received_at == NOW
        assert (order.ship_name, order.ship_line1, order.ship_country) == (
            "王芳",
            "Unter den Linden 5",
            "DE",
        )
        lines = s.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).all()
        assert [
            (li.sku, li.quantity, li.unit_price_cents, li.line_total_cents) for li in lines
        ] == [
            ("LAMP-1", 2, 2500, 5000),
            ("KETTLE-2", 1, 3999, 3999),
        ]
        payment = s.scalars(select(Payment).where(Payment.order_id == order.id)).one()
        assert (payment.method, payment.status, payment.amount_cents) == ("card", "captured", 8999)
        assert (payment.card_brand, payment.card_last4) == ("visa", "4242")
        assert (payment.card_exp_month, payment.card_exp_year) == (3, 2028)
        assert payment.processor_token == "TRM-7781-0042"
        customer = s.get(Customer, order.customer_id)
        assert (customer.name, customer.phone, customer.language) == (
            "王芳",
            "+8613800138000",
            "zh_CN",  # Chinese without a region: Simplified
        )
        address = s.scalars(select(Address).where(Address.customer_id == customer.id)).one()
        assert address.is_default and address.recipient == "王芳"
        event = s.scalars(select(AuditEvent).where(AuditEvent.entity_id == order.id)).one()
        assert (event.action, event.to_state, event.actor_name) == ("entered", "received", "clerk")
        assert event.detail["store"] == "BER" and event.detail["price_overrides"] == []


def test_an_existing_customer_collecting_in_store_pays_cash(db, catalogue):
    the_draft = draft(
        catalogue,
        new_customer=None,
        customer_id=catalogue["anna"],
        address=None,
        lines=(DraftLine(catalogue["kettle"], 1),),
        payment=CounterPayment("cash", 3999),
    )
    placed = place(db, the_draft)
    assert not placed.customer_created and placed.customer_id == catalogue["anna"]
    with db.unit_of_work() as uow:
        order = uow.session.get(Order, placed.order_id)
        assert order.requested_service == counter.COLLECTED_IN_STORE
        assert (order.ship_name, order.ship_line1) == ("Anna Müller", "")
        payment = uow.session.scalars(select(Payment)).one()
        assert (payment.method, payment.card_last4, payment.processor_token) == ("cash", None, None)
    assert count(db, Address) == 0


def test_a_bank_transfer_is_recorded_as_pending(db, catalogue):
    placed = place(db, draft(catalogue, payment=CounterPayment("bank_transfer", 8999)))
    with db.unit_of_work() as uow:
        payment = uow.session.scalars(select(Payment)).one()
        assert (payment.status, payment.paid_at, payment.amount_cents) == ("pending", None, 8999)
    assert placed.paid_cents == 8999


def test_a_customer_with_the_same_email_is_matched_not_duplicated(db, catalogue):
    same_email = NewCustomer("Anna M.", phone="", email=" ANNA@example.de")
    placed = place(db, draft(catalogue, new_customer=same_email))
    assert placed.customer_id == catalogue["anna"] and not placed.customer_created
    assert count(db, Customer) == 1


def test_a_known_phone_alone_is_only_offered_by_the_search_not_taken_as_the_customer(db, catalogue):
    # Households share phones: the search offers Anna, the clerk decides; saving a new
    # customer with her phone makes a new customer.
    offered = find_customers(db.unit_of_work().__enter__().session, CLERK, "+49 30 123")
    assert [match.id for match in offered] == [catalogue["anna"]]
    same_phone = NewCustomer("Jonas M.", phone="+49 30 123456", email="")
    placed = place(db, draft(catalogue, new_customer=same_phone))
    assert placed.customer_created and placed.customer_id != catalogue["anna"]


def test_the_same_new_customer_twice_is_one_customer(db, catalogue):
    wang = NewCustomer("王芳", phone="+86 138 0013 8000", email="wang.fang@example.cn")
    first = place(db, draft(catalogue, new_customer=wang))
    second = place(db, draft(catalogue, new_customer=wang))
    assert first.customer_id == second.customer_id and not second.customer_created
    assert count(db, Customer) == 2  # Anna and 王芳
    assert count(db, Address) == 1  # the same address is not stored again


def test_two_counters_saving_the_same_new_customer_at_once_make_one_customer(db, catalogue):
    wang = NewCustomer("王芳", phone="+86 138 0013 8000", email="wang.fang@example.cn")
    barrier = threading.Barrier(4)
    placed, errors = [], []

    def save() -> None:
        barrier.wait()
        try:
            placed.append(place(db, draft(catalogue, new_customer=wang)))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=save) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({p.customer_id for p in placed}) == 1
    assert sum(p.customer_created for p in placed) == 1
    assert count(db, Customer) == 2


def test_a_shared_phone_with_a_different_email_is_another_person(db, catalogue):
    partner = NewCustomer("Jonas Müller", phone="+4930123456", email="jonas@example.de")
    placed = place(db, draft(catalogue, new_customer=partner))
    assert placed.customer_created and placed.customer_id != catalogue["anna"]


def test_a_price_off_the_list_needs_a_reason_which_is_recorded(db, catalogue):
    cheaper = DraftLine(catalogue["lamp"], 2, unit_price_cents=2000)
    with pytest.raises(InvalidInput) as refused:
        place(db, draft(catalogue, lines=(cheaper,), payment=card(amount_cents=4000)))
    assert refused.value.field == "lines[1].price_reason"
    assert "25.00 EUR" in refused.value.expected
    assert count(db, Order) == 0

    reasoned = replace(cheaper, price_reason="display model, scratched")
    placed = place(db, draft(catalogue, lines=(reasoned,), payment=card(amount_cents=4000)))
    assert placed.total_cents == 4000
    with db.unit_of_work() as uow:
        event = uow.session.scalars(select(AuditEvent)).one()
    assert "display model, scratched" in event.reason and "LAMP-1" in event.reason
    assert event.detail["price_overrides"] == [
        {
            "line_no": 1,
            "sku": "LAMP-1",
            "list_price_cents": 2500,
            "unit_price_cents": 2000,
            "currency": "EUR",
            "reason": "display model, scratched",
            "given_by": "clerk",
            "allowed": False,  # a clerk may not give prices: review looks at it
        }
    ]


def test_review_accepts_a_counter_price_given_with_a_reason_by_someone_allowed(db, catalogue):
    from app.review.service import review_orders

    supervisor = make_actor(Role.SUPERVISOR, username="sue")  # the catalogue has shop stock
    cheaper = DraftLine(catalogue["lamp"], 2, unit_price_cents=2000, price_reason="display model")
    by_supervisor = place(
        db, draft(catalogue, lines=(cheaper,), payment=card(amount_cents=4000)), supervisor
    )
    other = DraftLine(catalogue["kettle"], 1, unit_price_cents=3000, price_reason="dented box")
    by_clerk = place(db, draft(catalogue, lines=(other,), payment=card(amount_cents=3000)))
    review_orders(db, supervisor, [by_supervisor.order_id, by_clerk.order_id])
    with db.unit_of_work() as uow:
        s = uow.session
        accepted = s.get(Order, by_supervisor.order_id)
        queued = s.get(Order, by_clerk.order_id)
        assert (accepted.status, queued.status) == ("allocated", "payment_problem")
        codes = set(
            s.scalars(select(ReviewFinding.code).where(ReviewFinding.order_id == accepted.id))
        )
    assert "price.counter_override" in codes  # a warning that names who gave it and why


def test_two_orders_of_a_store_get_consecutive_numbers_and_stores_count_apart(db, catalogue):
    numbers = [
        place(db, draft(catalogue, store_code=s)).channel_order_id for s in ("BER", "BER", "HAM")
    ]
    assert numbers == ["SHOP-BER-000001", "SHOP-BER-000002", "SHOP-HAM-000001"]


def test_two_counters_saving_at_once_get_distinct_numbers(db, catalogue):
    results: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def save() -> None:
        try:
            start.wait()
            results.append(place(db, draft(catalogue)).channel_order_id)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=save) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [f"SHOP-BER-{n:06d}" for n in range(1, 5)]


def test_a_number_taken_by_another_desk_is_retried(db, catalogue, monkeypatch):
    """The race made certain: the first read of the last number is stale."""
    wang = NewCustomer("王芳", phone="+86 138 0013 8000", email="wang.fang@example.cn")
    place(db, draft(catalogue, new_customer=wang))
    real = counter._last_counter_id
    calls = []

    def stale_once(session, store_code):
        calls.append(store_code)
        return None if len(calls) == 1 else real(session, store_code)

    monkeypatch.setattr(counter, "_last_counter_id", stale_once)
    placed = place(db, draft(catalogue, new_customer=wang))
    assert placed.channel_order_id == "SHOP-BER-000002" and len(calls) == 2
    assert count(db, Order) == 2 and count(db, Customer) == 2


def test_next_counter_id_counts_on_from_the_last():
    assert next_counter_id("BER", None) == "SHOP-BER-000001"
    assert next_counter_id("BER", "SHOP-BER-000041") == "SHOP-BER-000042"
    with pytest.raises(InvalidInput):
        next_counter_id("BER", "SHOP-BER-999999")


# --------------------------------------------------------------------------- refusals


def _bad_address(**fields) -> PostalAddress:
    values = dict(line1="Unter den Linden 5", city="Berlin", postal_code="10117", country_code="DE")
    values.update(fields)
    return PostalAddress(**values)


BAD_FIELDS = [
    ("store_code", dict(store_code="B")),
    ("store_code", dict(store_code="BER 1")),
    ("customer", dict(new_customer=None)),
    ("customer.name", dict(new_customer=NewCustomer("  ", phone="+4917012345"))),
    ("customer.phone", dict(new_customer=NewCustomer("Li", phone="", email=""))),
    ("customer.phone", dict(new_customer=NewCustomer("Li", phone="12"))),
    ("customer.email", dict(new_customer=NewCustomer("Li", email="li@"))),
    ("customer.language", dict(new_customer=NewCustomer("Li", phone="+4917012345", language="xx"))),
    ("address.line1", dict(address=_bad_address(line1=""))),
    ("address.city", dict(address=_bad_address(city=" "))),
    ("address.postal_code", dict(address=_bad_address(postal_code=""))),
    ("address.country_code", dict(address=_bad_address(country_code="Germany"))),
    ("lines", dict(lines=())),
    ("lines[1].quantity", dict(lines=(DraftLine(1, 0),))),
    ("lines[1].quantity", dict(lines=(DraftLine(1, -1),))),
    ("lines[1].quantity", dict(lines=(DraftLine(1, 1000),))),
    ("lines[1].unit_price", dict(lines=(DraftLine(1, 1, unit_price_cents=-5),))),
    ("payment.method", dict(payment=CounterPayment("cheque", 100))),
    ("payment.amount", dict(payment=CounterPayment("cash", -1))),
    ("payment.card_brand", dict(payment=card(card_brand="diners club card"))),
    ("payment.card_last4", dict(payment=card(card_last4="424"))),
    ("payment.card_last4", dict(payment=card(card_last4="42a2"))),
    ("payment.card_expiry", dict(payment=card(card_exp_month=13))),
    ("payment.card_expiry", dict(payment=card(card_exp_month=0))),
    ("payment.card_expiry", dict(payment=card(card_exp_month=10, card_exp_year=2026))),
    ("payment.card_expiry", dict(payment=card(card_exp_year=2099))),
    ("payment.card_expiry", dict(payment=card(card_exp_month=None))),
    ("payment.processor_reference", dict(payment=card(processor_reference=" "))),
]


@pytest.mark.parametrize(("field", "changes"), BAD_FIELDS, ids=[f for f, _ in BAD_FIELDS])
def test_a_bad_field_is_refused_by_name_and_nothing_is_written(db, catalogue, field, changes):
    with pytest.raises(InvalidInput) as refused:
        place(db, draft(catalogue, **changes))
    assert refused.value.field == field
    assert refused.value.expected
    for model in (Order, Customer, Address, Payment, AuditEvent):
        assert count(db, model) == (1 if model is Customer else 0)


BAD_IN_THE_DATABASE = [
    ("lines[2].product", lambda c: dict(lines=(DraftLine(c["lamp"], 1), DraftLine(99999, 1)))),
    ("lines[1].product", lambda c: dict(lines=(DraftLine(c["old"], 1),))),
    ("customer", lambda c: dict(new_customer=None, customer_id=99999)),
    ("payment.amount", lambda c: dict(payment=card(amount_cents=9000))),
    ("payment.amount", lambda c: dict(payment=CounterPayment("cash", 0))),
]


@pytest.mark.parametrize(
    ("field", "changes"), BAD_IN_THE_DATABASE, ids=[f for f, _ in BAD_IN_THE_DATABASE]
)
def test_what_only_the_database_knows_is_refused_with_nothing_written(
    db, catalogue, field, changes
):
    with pytest.raises(InvalidInput) as refused:
        place(db, draft(catalogue, **changes(catalogue)))
    assert refused.value.field == field
    assert count(db, Order) == 0 and count(db, Customer) == 1 and count(db, AuditEvent) == 0


def test_the_expiry_month_of_today_is_still_valid():
    payment = card(card_exp_month=11, card_exp_year=26)
    checked = check_draft(draft({"lamp": 1, "kettle": 2}, payment=payment), NOW.date())
    assert (checked.payment.card_exp_month, checked.payment.card_exp_year) == (11, 2026)


def test_a_warehouse_person_may_not_enter_counter_orders(db, catalogue):
    warehouse = make_actor(Role.WAREHOUSE, username="wes")
    with pytest.raises(PermissionDenied):
        place(db, draft(catalogue), actor=warehouse)
    with db.unit_of_work() as uow, pytest.raises(PermissionDenied):
        find_products(uow.session, warehouse, "LAMP")
    assert count(db, Order) == 0


# --------------------------------------------------------------------------- card numbers


@pytest.mark.parametrize(
    "where",
    [
        dict(payment=card(card_last4=CARD_NUMBER)),
        dict(payment=card(processor_reference=f"ref {CARD_NUMBER}")),
        dict(new_customer=NewCustomer(CARD_NUMBER, phone="+4917012345")),
        dict(new_customer=NewCustomer("Li", phone=CARD_NUMBER.replace(" ", ""))),
        dict(address=_bad_address(line2=CARD_NUMBER.replace(" ", "-"))),
        dict(lines=(DraftLine(1, 1, unit_price_cents=1, price_reason=CARD_NUMBER),)),
    ],
    ids=["last four", "reference", "name", "phone", "address", "price reason"],
)
def test_a_full_card_number_in_any_field_is_refused_and_kept_nowhere(db, catalogue, caplog, where):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(FullCardNumber) as refused:
        place(db, draft(catalogue, **where))
    error = refused.value
    assert isinstance(error, InvalidInput) and error.last4 == "1111"
    digits = CARD_NUMBER.replace(" ", "")
    shown = f"{error} {error.value!r} {error.expected} {error.field}"
    assert digits not in shown and CARD_NUMBER not in shown
    assert "card number" in error.message
    with db.unit_of_work() as uow:
        dump = "\n".join(
            str(row)
            for table in (
                "customers",
                "addresses",
                "orders",
                "order_lines",
                "payments",
                "audit_events",
            )
            for row in uow.session.execute(text(f"SELECT * FROM {table}"))
        )
    assert "1111" not in dump.replace(" ", "")
    assert digits not in caplog.text and CARD_NUMBER not in caplog.text
    assert digits not in repr(draft(catalogue, **where))
    assert count(db, Order) == 0


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("4111111111111111", "1111"),
        ("5555-5555-5555-4444", "4444"),
        ("card 3782 822463 10005 ok", "0005"),
        ("4111111111111112", None),  # fails Luhn
        ("+49 30 12345630", None),  # a phone number that happens to pass Luhn
        ("+8613800138000", None),
        ("8815329842815468", None),  # a terminal reference, not a card's issuer range
        ("4000000000006", None),  # an EAN-13 that happens to pass Luhn
        ("4000000000005", None),  # passes neither
        ("SO-000123", None),
        ("", None),
    ],
)
def test_card_numbers_are_recognised_by_length_issuer_and_luhn(typed, found):
    assert card_number_in(typed) == found


def test_an_expiry_is_read_as_month_and_year_and_a_card_number_there_is_refused():
    assert parse_expiry("03/28") == (3, 2028)
    assert parse_expiry(" 11-2030 ") == (11, 2030)
    with pytest.raises(InvalidInput) as refused:
        parse_expiry("March")
    assert refused.value.field == "payment.card_expiry"
    with pytest.raises(FullCardNumber):
        parse_expiry(CARD_NUMBER)


# --------------------------------------------------------------------------- the form's reads


def test_customers_are_found_by_phone_name_and_email(db, catalogue):
    place(db, draft(catalogue))  # creates 王芳 with an address
    with db.unit_of_work() as uow:
        s = uow.session
        assert [c.name for c in find_customers(s, CLERK, "+49 30 12")] == ["Anna Müller"]
        assert [c.name for c in find_customers(s, CLERK, "8613800")] == ["王芳"]
        assert [c.name for c in find_customers(s, CLERK, "anna m")] == ["Anna Müller"]
        assert [c.name for c in find_customers(s, CLERK, "ANNA@EX")] == ["Anna Müller"]
        wang = find_customers(s, CLERK, "王")[0]
        assert wang.address is not None and wang.address.city == "Berlin"
        assert find_customers(s, CLERK, "a") == []  # too short to mean anything


def test_the_counter_finds_customers_as_forgivingly_as_the_other_desks(db, catalogue):
    with db.unit_of_work() as uow:
        s = uow.session
        assert [c.name for c in find_customers(s, CLERK, "muller")] == ["Anna Müller"]
        assert [c.name for c in find_customers(s, CLERK, "Müller, Anna")] == ["Anna Müller"]
        assert [c.name for c in find_customers(s, CLERK, "030 123456")] == ["Anna Müller"]
        assert [c.name for c in find_customers(s, CLERK, "example.de")] == ["Anna Müller"]


def test_products_are_found_by_barcode_sku_prefix_and_name(db, catalogue):
    with db.unit_of_work() as uow:
        s = uow.session
        assert [p.sku for p in find_products(s, CLERK, "4006381333931")] == ["LAMP-1"]
        assert [p.sku for p in find_products(s, CLERK, "kett")] == ["KETTLE-2"]
        assert [p.sku for p in find_products(s, CLERK, "lamp")] == ["LAMP-1"]  # not the retired
        assert product_for_code(s, CLERK, "lamp-1").id == catalogue["lamp"]
        assert product_for_code(s, CLERK, "4006381333932") is None
        assert list_price(s, CLERK, catalogue["kettle"]) == (3999, "EUR")


# --------------------------------------------------------------------------- the store's stock


def _store_stock(db, product_id) -> tuple[int, int]:
    with db.unit_of_work() as uow:
        row = uow.session.execute(
            select(StockQuant.on_hand, StockQuant.reserved).where(
                StockQuant.product_id == product_id
            )
        ).one()
        return tuple(row)


def test_a_sale_collected_in_store_takes_its_units_from_the_shop_at_once(db, catalogue):
    from app.picking.check import check_stock

    the_draft = draft(
        catalogue, address=None, lines=(DraftLine(catalogue["kettle"], 2),),
        payment=CounterPayment("cash", 2 * 3999),
    )  # fmt: skip
    place(db, the_draft)
    assert _store_stock(db, catalogue["kettle"]) == (1, 0)
    with db.unit_of_work() as uow:
        assert check_stock(uow.session) == []


def test_selling_more_than_the_shop_has_is_refused_and_nothing_is_written(db, catalogue):
    the_draft = draft(
        catalogue, address=None, lines=(DraftLine(catalogue["kettle"], 4),),
        payment=CounterPayment("cash", 4 * 3999),
    )  # fmt: skip
    with pytest.raises(InvalidInput, match=r"lines\[1\].quantity.*at most 3 of KETTLE-2"):
        place(db, the_draft)
    assert count(db, Order) == 0
    assert _store_stock(db, catalogue["kettle"]) == (3, 0)


# --------------------------------------------------------------------------- every problem at once


def test_every_problem_is_found_at_once_including_what_only_the_catalogue_knows(db, catalogue):
    """A blank name, a price without its reason, more than the store has and too little
    paid: one save names all four, each by its field (not one per press)."""
    the_draft = draft(
        catalogue,
        new_customer=NewCustomer(" ", phone="+4917012345"),
        address=None,  # collected in store: the store's free stock counts
        lines=(
            DraftLine(catalogue["lamp"], 1, unit_price_cents=2000),
            DraftLine(catalogue["kettle"], 4),
        ),
        payment=CounterPayment("cash", 100),
    )
    with pytest.raises(DraftProblems) as refused:
        place(db, the_draft)
    assert [p.field for p in refused.value.problems] == [
        "customer.name",
        "lines[1].price_reason",
        "lines[2].quantity",
        "payment.amount",
    ]
    assert count(db, Order) == 0 and count(db, AuditEvent) == 0


LAMP = ProductFacts(1, "LAMP-1", 2500, "EUR", available=2)
KETTLE = ProductFacts(2, "KETTLE-2", 3999, "EUR")
MUG = ProductFacts(3, "MUG-3", 800, "USD")


def test_the_pure_validation_judges_prices_stock_currency_and_amount_from_plain_data():
    catalogue = {p.id: p for p in (LAMP, KETTLE, MUG)}
    fine = draft({"lamp": 1, "kettle": 2}, payment=CounterPayment("cash", 2 * 2500 + 3999))
    assert draft_problems(fine, NOW.date(), catalogue) == ()
    short = replace(fine, lines=(DraftLine(1, 3),), payment=CounterPayment("cash", 7500))
    assert [p.field for p in draft_problems(short, NOW.date(), catalogue)] == ["lines[1].quantity"]
    mixed = replace(fine, lines=(DraftLine(1, 1), DraftLine(3, 1)))
    assert [p.field for p in draft_problems(mixed, NOW.date(), catalogue)] == ["lines"]
    part = replace(fine, payment=CounterPayment("cash", 1000, part_payment=True))
    assert draft_problems(part, NOW.date(), catalogue) == ()
    too_little = replace(fine, payment=CounterPayment("card", 1000))
    fields = [p.field for p in draft_problems(too_little, NOW.date(), catalogue)]
    assert "payment.amount" in fields and "payment.card_last4" in fields  # both at once
    assert draft_problems(fine, NOW.date()) == ()  # without the catalogue: the draft alone


def test_a_quantity_is_judged_as_it_is_typed_and_change_is_only_given_in_cash():
    assert quantity_problem(1, "3") is None
    problem = quantity_problem(2, "100000")
    assert problem is not None and problem.field == "lines[2].quantity"
    assert "1 to 999" in str(problem.expected)
    assert quantity_problem(1, "0") is not None and quantity_problem(1, "x") is not None
    assert change_due("cash", 3000, 2500) == 500
    assert change_due("card", 3000, 2500) == 0
    assert change_due("cash", 2000, 2500) == 0


def test_a_part_payment_is_saved_and_the_order_shows_what_stays_owed(db, catalogue):
    part = CounterPayment("cash", 3000, part_payment=True)
    placed = place(db, draft(catalogue, payment=part))
    assert placed.owed_cents == 2 * 2500 + 3999 - 3000
    with db.unit_of_work() as uow:
        event = uow.session.scalars(select(AuditEvent)).one()
    assert event.detail["part_payment"] is True


def test_counter_problems_read_in_the_desks_language(db, catalogue):
    from app.i18n import set_language

    the_draft = draft(catalogue, new_customer=NewCustomer("Li", phone="", email=""))
    try:
        set_language("zh_TW")
        with pytest.raises(InvalidInput) as refused:
            place(db, the_draft)
        assert "phone number or an e-mail" not in refused.value.message
    finally:
        set_language("en")


def test_a_busy_postgresql_is_recognised_as_busy_so_the_save_is_tried_again():
    class Deadlock(Exception):
        sqlstate = "40P01"

    class Serialization(Exception):
        sqlstate = "40001"

    for orig in (Deadlock("deadlock detected"), Serialization("could not serialize access")):
        assert counter.is_busy(sa_exc.OperationalError("INSERT", {}, orig))
    assert not counter.is_busy(sa_exc.OperationalError("INSERT", {}, Exception("disk full")))
