"""Amazon's Unshipped Orders report in its current layout: no money columns, so amounts
come from the marketplace's price list (estimated) or are unknown — never 0.00 XXX and
never a payment problem for that reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from app.errors import InvalidInput, PermissionDenied
from app.intake import import_file
from app.intake.price_lists import import_price_list, set_channel_marketplace, show_price_list
from app.money import display_money
from app.permissions import Role
from app.review.service import review_orders
from db.models import Order, OrderLine, Payment, ReviewFinding
from tests import factories
from tests.conftest import make_actor

# The current header (airbyte's GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING sample) plus
# the newer columns Amazon has added since.
HEADER = (
    "order-id\torder-item-id\tpurchase-date\tpayments-date\treporting-date\tpromise-date\t"
    "days-past-promise\tbuyer-email\tbuyer-phone-number\tsku\tproduct-name\t"
    "quantity-purchased\tquantity-shipped\tquantity-to-ship\tship-service-level\t"
    "recipient-name\tship-address-1\tship-address-2\tship-address-3\tship-city\tship-state\t"
    "ship-postal-code\tship-country\tis-business-order\tpurchase-order-number\t"
    "price-designation\tis-prime\tverge-of-lateShipment\tis-buyer-requested-cancellation"
)
COLUMNS = HEADER.split("\t")
SUPERVISOR = make_actor(Role.SUPERVISOR, username="sup")


def row(order_id: str = "403-1111111-2222222", **cells: str) -> str:
    values = {
        "order-id": order_id,
        "order-item-id": "11111111111111",
        "purchase-date": "2026-11-20T10:00:00+00:00",
        "payments-date": "2026-11-20T10:05:00+00:00",
        "reporting-date": "2026-11-20T11:00:00+00:00",
        "promise-date": "2026-11-23T23:59:59+00:00",
        "days-past-promise": "0",
        "buyer-email": "abc123@marketplace.amazon.de",
        "buyer-phone-number": "+49 30 1234567",
        "sku": "LAMP-1",
        "product-name": "Desk lamp",
        "quantity-purchased": "3",
        "quantity-shipped": "1",
        "quantity-to-ship": "2",
        "ship-service-level": "Standard",
        "recipient-name": "Anna Müller",
        "ship-address-1": "Hof 1",
        "ship-city": "Berlin",
        "ship-postal-code": "10115",
        "ship-country": "DE",
        "is-business-order": "false",
        "is-prime": "false",
        "verge-of-lateShipment": "false",
        "is-buyer-requested-cancellation": "false",
    } | {name.replace("_", "-"): value for name, value in cells.items()}
    return "\t".join(values.get(column, "") for column in COLUMNS)


def unshipped(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "unshipped.txt"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def price_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "prices.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def lamp(db):
    with db.unit_of_work() as uow:
        factories.product(uow.session, "LAMP-1", price_cents=2500, currency="EUR")
        factories.product(uow.session, "BULB-1", price_cents=300, currency="EUR")
        uow.commit()


def stored(db, channel_order_id: str = "403-1111111-2222222"):
    with db.unit_of_work() as uow:
        order = uow.session.scalars(
            select(Order).where(Order.channel_order_id == channel_order_id)
        ).one()
        lines = uow.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).all()
        payments = uow.session.scalars(select(Payment).where(Payment.order_id == order.id)).all()
        return order, list(lines), list(payments)


def test_unshipped_order_is_priced_from_its_marketplaces_list_as_an_estimate(
    db, admin, lamp, tmp_path
):
    import_price_list(
        db, SUPERVISOR, "DE", "EUR", price_file(tmp_path, "sku,price\nLAMP-1,24.90\n")
    )
    import_file(db, admin, unshipped(tmp_path, row()))
    order, [line], [payment] = stored(db)
    assert (order.currency, order.total_cents, order.amounts_source) == ("EUR", 4980, "estimated")
    assert (line.quantity, line.unit_price_cents, line.line_total_cents) == (2, 2490, 4980)
    # Amazon collected the money and says when: a captured marketplace payment.
    assert (payment.status, payment.amount_cents, payment.currency) == ("captured", 4980, "EUR")
    assert payment.paid_at == dt.datetime(2026, 11, 20, 10, 5, tzinfo=dt.UTC)


def test_without_a_price_list_the_amounts_are_unknown_not_zero(db, admin, lamp, tmp_path):
    import_file(db, admin, unshipped(tmp_path, row()))
    order, _lines, [payment] = stored(db)
    assert order.amounts_source == "unknown"
    assert display_money(order.total_cents, order.currency) == "amount unknown"
    assert "0.00" not in display_money(payment.amount_cents, payment.currency)


def test_a_sku_missing_from_the_price_list_leaves_the_whole_order_unknown(
    db, admin, lamp, tmp_path
):
    import_price_list(
        db, SUPERVISOR, "DE", "EUR", price_file(tmp_path, "sku,price\nLAMP-1,24.90\n")
    )
    rows = [row(), row(order_item_id="22222222222222", sku="BULB-1", product_name="Bulb")]
    import_file(db, admin, unshipped(tmp_path, *rows))
    order, lines, _payments = stored(db)
    assert order.amounts_source == "unknown" and len(lines) == 2


def test_the_accounts_configured_marketplace_beats_the_buyers_country(db, admin, lamp, tmp_path):
    import_price_list(
        db, SUPERVISOR, "DE", "EUR", price_file(tmp_path, "sku,price\nLAMP-1,24.90\n")
    )
    import_price_list(
        db, SUPERVISOR, "UK", "GBP", price_file(tmp_path, "sku,price\nLAMP-1,21.00\n")
    )
    set_channel_marketplace(db, SUPERVISOR, "amazon-uk", "uk")
    import_file(db, admin, unshipped(tmp_path, row()), channel="amazon-uk")
    order, _lines, _payments = stored(db)
    assert (order.currency, order.total_cents) == ("GBP", 4200)


@pytest.mark.parametrize("with_price_list", [True, False])
def test_estimated_or_unknown_amounts_are_never_a_payment_problem(
    db, admin, lamp, tmp_path, with_price_list
):
    if with_price_list:
        prices = price_file(tmp_path, "sku,price\nLAMP-1,24.90\n")
        import_price_list(db, SUPERVISOR, "DE", "EUR", prices)
    import_file(db, admin, unshipped(tmp_path, row()))
    review_orders(db, admin, "all_received")
    order, _lines, _payments = stored(db)
    with db.unit_of_work() as uow:
        codes = uow.session.scalars(
            select(ReviewFinding.code).where(ReviewFinding.order_id == order.id)
        ).all()
    assert order.status != "payment_problem"
    assert not [code for code in codes if code.startswith(("payment.", "price."))]


def test_promise_date_priority_business_and_cancellation_request_are_kept(
    db, admin, lamp, tmp_path
):
    late = row(
        verge_of_lateShipment="true",
        is_buyer_requested_cancellation="true",
        is_business_order="true",
        purchase_order_number="PO-7781",
    )
    import_file(db, admin, unshipped(tmp_path, late, row("403-3333333-4444444")))
    order, [line], _payments = stored(db)
    assert order.ship_by_at == dt.datetime(2026, 11, 23, 23, 59, 59, tzinfo=dt.UTC)
    assert line.quantity == 2  # quantity-to-ship, not quantity-purchased
    assert order.priority > 0
    assert order.buyer_requested_cancellation and order.is_business_order
    assert order.purchase_order_number == "PO-7781"
    plain, _lines, _payments = stored(db, "403-3333333-4444444")
    assert plain.priority == 0 and not plain.buyer_requested_cancellation
    assert plain.purchase_order_number is None


def test_older_reports_without_the_newer_columns_still_import(db, admin, lamp, tmp_path):
    old_columns = COLUMNS[: COLUMNS.index("is-business-order")]
    path = tmp_path / "old.txt"
    cells = row().split("\t")[: len(old_columns)]
    path.write_text("\t".join(old_columns) + "\n" + "\t".join(cells) + "\n", encoding="utf-8")
    summary = import_file(db, admin, path)
    assert summary.new_orders == 1 and summary.rejected_orders == 0


def test_reimporting_the_same_report_finds_every_order_present(db, admin, lamp, tmp_path):
    path = unshipped(tmp_path, row(verge_of_lateShipment="true", purchase_order_number="PO-1"))
    import_file(db, admin, path)
    import_price_list(
        db, SUPERVISOR, "DE", "EUR", price_file(tmp_path, "sku,price\nLAMP-1,24.90\n")
    )
    again = import_file(db, admin, path)
    assert (again.new_orders, again.already_present, again.conflicts) == (0, 1, 0)


def test_a_buyer_cancellation_request_arriving_later_cancels_and_is_reported_to_amazon(
    db, admin, lamp, tmp_path
):
    from db.models_changes import ChannelCancellation

    import_file(db, admin, unshipped(tmp_path, row()))
    later = import_file(db, admin, unshipped(tmp_path, row(is_buyer_requested_cancellation="true")))
    assert (later.conflicts, later.channel_cancellations) == (0, 1)
    with db.unit_of_work() as uow:
        assert uow.session.scalars(select(Order.status)).one() == "cancelled"
        told = uow.session.scalars(select(ChannelCancellation.reason_code)).all()
    assert told == ["BuyerCanceled"]


# --------------------------------------------------------------------------- price lists


def test_a_price_list_with_an_unknown_sku_names_its_row_and_writes_nothing(db, lamp, tmp_path):
    bad = price_file(tmp_path, "sku,price\nLAMP-1,24.90\nNOPE-9,1.00\n")
    with pytest.raises(InvalidInput, match="row 3"):
        import_price_list(db, SUPERVISOR, "DE", "EUR", bad)
    assert show_price_list(db, "DE") is None


def test_a_price_that_is_not_a_plain_amount_names_its_row(db, lamp, tmp_path):
    with pytest.raises(InvalidInput, match="row 2"):
        import_price_list(
            db, SUPERVISOR, "DE", "EUR", price_file(tmp_path, "sku,price\nLAMP-1,24,90\n")
        )


def test_importing_a_price_list_replaces_the_old_one(db, lamp, tmp_path):
    import_price_list(
        db, SUPERVISOR, "DE", "EUR", price_file(tmp_path, "sku,price\nLAMP-1,24.90\n")
    )
    import_price_list(db, SUPERVISOR, "DE", "EUR", price_file(tmp_path, "price,sku\n3.10,BULB-1\n"))
    shown = show_price_list(db, "de")
    assert shown is not None and shown.updated_by == "sup"
    assert [(p.sku, p.unit_price_cents) for p in shown.prices] == [("BULB-1", 310)]


def test_only_a_supervisor_keeps_price_lists(db, lamp, tmp_path):
    clerk = make_actor(Role.CUSTOMER_SERVICE)
    with pytest.raises(PermissionDenied):
        import_price_list(db, clerk, "DE", "EUR", price_file(tmp_path, "sku,price\nLAMP-1,1.00\n"))
    with pytest.raises(PermissionDenied):
        set_channel_marketplace(db, clerk, "amazon-de", "DE")


def test_a_card_number_typed_as_purchase_order_number_is_not_stored(db, admin, lamp, tmp_path):
    import_file(db, admin, unshipped(tmp_path, row(purchase_order_number="4111111111111111")))
    order, _lines, _payments = stored(db)
    assert "4111111111111111" not in (order.purchase_order_number or "")


def test_a_bad_price_list_row_is_named_in_the_persons_language(db, lamp, tmp_path):
    from app.i18n import set_language

    bad = price_file(tmp_path, "sku,price\nLAMP-1,-1.00\n")
    try:
        set_language("zh_TW")
        with pytest.raises(InvalidInput) as raised:
            import_price_list(db, SUPERVISOR, "DE", "EUR", bad)
        message = raised.value.message
    finally:
        set_language("en")
    assert "第 2 列" in message and "row" not in message and "price of 0" not in message
