"""The reviewer's verbs: approve (and override), request information, correct, payment, cancel."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.errors import ConcurrentUpdate, InvalidInput, PermissionDenied
from app.permissions import Role
from app.review.errors import BlockingFindings, ContactAlreadyOpen, NotInQueue
from app.review.messages import MessageKind
from app.review.model import ReviewSettings
from app.review.service import (
    ContactCorrection,
    NewPayment,
    approve_order,
    ask_for_payment,
    cancel_order,
    correct_contact,
    request_information,
    rereview_order,
    resolve_payment,
    review_orders,
)
from db.models import (
    AuditEvent,
    ContactTask,
    Customer,
    CustomerMessage,
    ExceptionRecord,
    Order,
    Payment,
    StockQuant,
)
from tests.app.review import builders as b
from tests.conftest import make_actor

REVIEWER = make_actor(Role.CUSTOMER_SERVICE, username="rita")
SUPERVISOR = make_actor(Role.SUPERVISOR, username="sam")


def reviewed(db, build) -> tuple[int, int]:
    """An order built, auto-reviewed, and (id, version) as a desk would see it."""
    with db.unit_of_work() as uow:
        order_id = build(uow.session).id
        uow.commit()
    review_orders(db, REVIEWER, [order_id])
    return order_id, version(db, order_id)


def version(db, order_id: int) -> int:
    with db.unit_of_work() as uow:
        return uow.session.get(Order, order_id).version


def get(db, model, **where):
    with db.unit_of_work() as uow:
        query = select(model).filter_by(**where)
        return list(uow.session.scalars(query))


def no_phone(s):
    return b.order(s, b.customer(s, phone=None), [(b.product(s), 1)])


# --------------------------------------------------------------------------- approve


def test_approve_is_refused_while_a_blocking_finding_stands(db):
    order_id, seen = reviewed(db, no_phone)
    with pytest.raises(BlockingFindings) as refused:
        approve_order(db.unit_of_work(), REVIEWER, order_id, expected_version=seen)
    assert refused.value.codes == ("phone.missing",)
    assert get(db, Order, id=order_id)[0].status == "needs_info"


def test_only_a_supervisor_may_override_and_only_with_a_written_reason(db):
    order_id, seen = reviewed(db, no_phone)
    with pytest.raises(PermissionDenied):
        approve_order(
            db.unit_of_work(),
            REVIEWER,
            order_id,
            expected_version=seen,
            override_reason="customer collects in person",
        )
    with pytest.raises(InvalidInput):
        approve_order(
            db.unit_of_work(), SUPERVISOR, order_id, expected_version=seen, override_reason="ok"
        )
    result = approve_order(
        db.unit_of_work(),
        SUPERVISOR,
        order_id,
        expected_version=seen,
        override_reason="customer collects in person",
    )
    assert (result.status, result.blocking) == ("approved", ("phone.missing",))
    [override] = get(db, AuditEvent, entity_id=order_id, action="review_override")
    assert override.detail == {"codes": ["phone.missing"]}
    assert override.actor_name == "sam"


def test_approve_checks_the_rules_again_now(db):
    with db.unit_of_work() as uow:
        s = uow.session
        last_unit = b.product(s, stock=1)
        order_id = b.order(s, b.customer(s), [(last_unit, 1)]).id
        uow.commit()
    review_orders(db, REVIEWER, [order_id], settings=ReviewSettings(everything_to_person=True))
    with db.unit_of_work() as uow:  # meanwhile the last unit was promised to another order
        b.order(uow.session, b.customer(uow.session), [(last_unit, 1)], status="approved")
        uow.commit()
    with pytest.raises(BlockingFindings) as refused:
        approve_order(db.unit_of_work(), REVIEWER, order_id, expected_version=version(db, order_id))
    assert refused.value.codes == ("stock.short",)


def test_a_stale_version_is_refused_and_nothing_changes(db):
    order_id, seen = reviewed(
        db, lambda s: b.order(s, b.customer(s), [(b.product(s), 1)], status="received", paid=False)
    )
    with pytest.raises(ConcurrentUpdate):
        approve_order(
            db.unit_of_work(),
            SUPERVISOR,
            order_id,
            expected_version=seen - 1,
            override_reason="paid in cash at the counter",
        )
    assert get(db, Order, id=order_id)[0].status == "payment_problem"


def test_override_closes_the_exception_record(db):
    order_id, seen = reviewed(
        db, lambda s: b.order(s, b.customer(s, status="frozen"), [(b.product(s), 1)])
    )
    approve_order(
        db.unit_of_work(),
        SUPERVISOR,
        order_id,
        expected_version=seen,
        override_reason="finance unfroze the account by phone",
    )
    [record] = get(db, ExceptionRecord, order_id=order_id)
    assert (record.state, record.result, record.handled_by_name) == ("closed", "approved", "sam")


# --------------------------------------------------------------------------- needs information


def test_request_information_opens_a_task_and_drafts_the_message(db):
    order_id, seen = reviewed(db, no_phone)
    result = request_information(db.unit_of_work(), REVIEWER, order_id, expected_version=seen)
    [task] = get(db, ContactTask, order_id=order_id)
    [message] = get(db, CustomerMessage, order_id=order_id)
    assert (task.kind, task.state, task.id) == ("request_info", "open", result.task_id)
    assert "no phone number" in task.what_needed
    assert (message.language, message.state) == ("en", "draft")
    assert "a phone number we can reach you on" in message.body
    assert message.recipient.endswith("@example.com")
    assert result.version > seen


def test_a_chinese_customer_is_asked_in_chinese(db):
    order_id, seen = reviewed(
        db,
        lambda s: b.order(
            s, b.customer(s, phone=None, language="zh", name="王芳"), [(b.product(s), 1)]
        ),
    )
    request_information(db.unit_of_work(), REVIEWER, order_id, expected_version=seen)
    [message] = get(db, CustomerMessage, order_id=order_id)
    assert message.language == "zh_CN"
    assert "王芳" in message.body and "电话号码" in message.body


def test_information_is_not_requested_twice(db):
    order_id, seen = reviewed(db, no_phone)
    result = request_information(db.unit_of_work(), REVIEWER, order_id, expected_version=seen)
    with pytest.raises(ContactAlreadyOpen):
        request_information(db.unit_of_work(), REVIEWER, order_id, expected_version=result.version)


def test_an_invalid_correction_is_refused_with_the_field(db):
    order_id, seen = reviewed(db, no_phone)
    with pytest.raises(InvalidInput) as refused:
        correct_contact(
            db.unit_of_work(),
            REVIEWER,
            order_id,
            expected_version=seen,
            correction=ContactCorrection(phone="12345"),
        )
    assert refused.value.field == "ship_to.phone"
    assert get(db, Order, id=order_id)[0].ship_phone is None


def test_a_valid_correction_is_saved_and_the_order_reviewed_again(db):
    order_id, seen = reviewed(db, no_phone)
    asked = request_information(db.unit_of_work(), REVIEWER, order_id, expected_version=seen)
    result = correct_contact(
        db.unit_of_work(),
        REVIEWER,
        order_id,
        expected_version=asked.version,
        correction=ContactCorrection(phone="030 901820"),
    )
    assert (result.outcome, result.status) == ("approved", "approved")
    order = get(db, Order, id=order_id)[0]
    assert order.ship_phone == "030 901820"
    assert get(db, Customer, id=order.customer_id)[0].phone == "030 901820"
    [task] = get(db, ContactTask, order_id=order_id)
    assert (task.state, task.answer) == ("done", "corrected")
    [edit] = get(db, AuditEvent, entity_id=order_id, action="correct_contact")
    assert edit.detail == {"ship_phone": [None, "030 901820"]}


def test_a_partial_address_correction_keeps_the_order_waiting_for_the_rest(db):
    order_id, seen = reviewed(
        db, lambda s: b.order(s, b.customer(s), [(b.product(s), 1)], line1="", ship_postal_code="")
    )
    result = correct_contact(
        db.unit_of_work(),
        REVIEWER,
        order_id,
        expected_version=seen,
        correction=ContactCorrection(line1="Unter den Linden 1"),
    )
    assert (result.status, result.blocking) == ("needs_info", ("address.postal_code_missing",))


def test_re_review_moves_an_order_once_the_problem_is_gone(db):
    order_id, seen = reviewed(db, lambda s: b.order(s, b.customer(s), [(b.product(s, stock=1), 2)]))
    with db.unit_of_work() as uow:
        uow.session.execute(update(StockQuant).values(on_hand=10))
        uow.commit()
    result = rereview_order(db.unit_of_work(), REVIEWER, order_id, expected_version=seen)
    assert result.status == "approved"


# --------------------------------------------------------------------------- payment, cancel


def unpaid(s):
    return b.order(s, b.customer(s), [(b.product(s), 2)], paid=False)


def test_ask_for_payment_drafts_what_went_wrong_in_customer_words(db):
    order_id, seen = reviewed(db, unpaid)
    ask_for_payment(db.unit_of_work(), REVIEWER, order_id, expected_version=seen)
    [message] = get(db, CustomerMessage, order_id=order_id)
    assert "We have not received a payment." in message.body


def test_a_mistyped_card_is_refused_without_showing_the_number(db):
    order_id, seen = reviewed(db, unpaid)
    payment = NewPayment(
        method="card",
        amount_cents=3998,
        card_brand="visa",
        card_exp_month=12,
        card_exp_year=2099,
        entered_card_number="4242 4242 4242 4241",
    )
    with pytest.raises(InvalidInput) as refused:
        resolve_payment(
            db.unit_of_work(),
            REVIEWER,
            order_id,
            expected_version=seen,
            resolution="paid_again",
            payment=payment,
        )
    assert "424242424242" not in str(refused.value)
    assert "424242424242" not in repr(payment)
    assert get(db, Payment, order_id=order_id) == []


def test_a_new_payment_resolves_the_problem_and_only_the_last_four_are_kept(db):
    order_id, seen = reviewed(db, unpaid)
    result = resolve_payment(
        db.unit_of_work(),
        REVIEWER,
        order_id,
        expected_version=seen,
        resolution="paid_again",
        payment=NewPayment(
            method="card",
            amount_cents=3998,
            card_brand="visa",
            card_exp_month=12,
            card_exp_year=2099,
            entered_card_number="4242424242424242",
            reference="tok_9",
        ),
    )
    assert result.status == "approved"
    [payment] = get(db, Payment, order_id=order_id)
    assert (payment.card_last4, payment.status, payment.processor_token) == (
        "4242",
        "captured",
        "tok_9",
    )


def test_paying_too_little_again_leaves_the_order_in_payment_problem(db):
    order_id, seen = reviewed(db, unpaid)
    result = resolve_payment(
        db.unit_of_work(),
        REVIEWER,
        order_id,
        expected_version=seen,
        resolution="paid_again",
        payment=NewPayment(method="bank_transfer", amount_cents=1000),
    )
    assert (result.status, result.blocking) == ("payment_problem", ("payment.amount_mismatch",))


def test_cancel_needs_a_reason_and_drafts_the_message(db):
    order_id, seen = reviewed(db, unpaid)
    with pytest.raises(InvalidInput):
        cancel_order(db.unit_of_work(), REVIEWER, order_id, expected_version=seen, reason="no")
    result = cancel_order(
        db.unit_of_work(),
        REVIEWER,
        order_id,
        expected_version=seen,
        reason="payment not received within 7 days",
        message=MessageKind.CANCELLED_PAYMENT,
    )
    assert result.status == "cancelled"
    [message] = get(db, CustomerMessage, order_id=order_id)
    assert message.kind == "cancelled_payment"
    [cancel] = get(db, AuditEvent, entity_id=order_id, to_state="cancelled")
    assert cancel.reason == "payment not received within 7 days"


def test_an_action_for_another_queue_is_refused_by_name(db):
    order_id, seen = reviewed(db, no_phone)
    with pytest.raises(NotInQueue):
        ask_for_payment(db.unit_of_work(), REVIEWER, order_id, expected_version=seen)


def test_review_again_at_the_desk_releases_a_cleared_exception(db):
    order_id, _ = reviewed(
        db, lambda s: b.order(s, b.customer(s, status="frozen"), [(b.product(s), 1)])
    )
    with db.unit_of_work() as uow:
        order = uow.session.get(Order, order_id)
        uow.session.get(Customer, order.customer_id).status = "active"
        uow.commit()
    result = rereview_order(
        db.unit_of_work(), REVIEWER, order_id, expected_version=version(db, order_id)
    )
    assert result.status == "approved"
    [record] = get(db, ExceptionRecord, order_id=order_id)
    assert (record.state, record.result) == ("closed", "released")
