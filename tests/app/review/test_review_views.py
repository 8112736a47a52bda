"""What the review screen reads: counts per queue, queue pages, detail, exception search."""

from __future__ import annotations

import datetime as dt

import pytest

from app.permissions import Role
from app.review.detail import review_detail
from app.review.exception_desk import hold_order
from app.review.queries import (
    ExceptionFilter,
    QueuePages,
    ReviewQueue,
    queue_counts,
    search_exceptions,
)
from app.review.service import ALL_RECEIVED, review_orders
from db.models import Order
from tests.app.review import builders as b
from tests.conftest import make_actor

REVIEWER = make_actor(Role.CUSTOMER_SERVICE, username="rita")
SUPERVISOR = make_actor(Role.SUPERVISOR, username="sam")


@pytest.fixture
def floor(db) -> dict[str, list[int]]:
    """Two good orders, one per problem queue, two duplicates, one order held."""
    with db.unit_of_work() as uow:
        s = uow.session
        prod = b.product(s, stock=50)
        twins_customer = b.customer(s)
        ids = {
            "good": [b.order(s, b.customer(s), [(prod, 1)]).id for _ in range(2)],
            "needs_info": [b.order(s, b.customer(s, phone=None), [(prod, 1)]).id],
            "stock_short": [b.order(s, b.customer(s), [(b.product(s, stock=0), 1)]).id],
            "payment_problem": [b.order(s, b.customer(s), [(prod, 1)], paid=False).id],
            "exception": [
                b.order(s, twins_customer, [(prod, 2)], line1="Hof 1").id for _ in range(2)
            ],
            "held": [b.order(s, b.customer(s, phone=None), [(prod, 1)]).id],
            "later": [],
        }
        uow.commit()
    review_orders(db, REVIEWER, ALL_RECEIVED)
    held = ids["held"][0]
    with db.unit_of_work() as uow:
        seen = uow.session.get(Order, held).version
    hold_order(
        db.unit_of_work(),
        REVIEWER,
        held,
        expected_version=seen,
        note="no phone, e-mail bounces",
        callback_at=b.NOW + dt.timedelta(days=1),
    )
    with db.unit_of_work() as uow:
        s = uow.session
        ids["later"] = [b.order(s, b.customer(s), [(prod, 1)]).id for _ in range(3)]
        uow.commit()
    return ids


def test_counts_per_queue(db, floor):
    with db.unit_of_work() as uow:
        counts = queue_counts(uow.session, REVIEWER)
    assert (counts.to_review, counts.needs_info, counts.stock_short) == (3, 1, 1)
    assert (counts.payment_problem, counts.exception, counts.on_hold) == (1, 2, 1)
    assert counts.of(ReviewQueue.EXCEPTION) == 2


def test_a_queue_pages_oldest_first_with_its_first_problem(db, floor):
    pages = QueuePages(db, REVIEWER, ReviewQueue.EXCEPTION)
    assert pages.count() == 2
    first, second = pages.page_after(None, 10)
    assert [first.id, second.id] == floor["exception"]
    assert first.blocking == 1
    assert "Same customer, same items" in first.first_problem
    assert pages.page_after(first.id, 10) == [second]
    held = QueuePages(db, REVIEWER, ReviewQueue.ON_HOLD).page_after(None, 10)
    assert [row.id for row in held] == floor["held"]


def test_a_deep_page_is_read_from_the_nearer_end(db, floor):
    pages = QueuePages(db, REVIEWER, ReviewQueue.TO_REVIEW)
    total = pages.count()
    assert [r.id for r in pages.page_at(total - 2, 2, total)] == floor["later"][-2:]
    assert [r.id for r in pages.page_at(0, 1, total)] == floor["later"][:1]


def test_the_detail_shows_findings_on_their_fields_stock_and_history(db, floor):
    order_id = floor["needs_info"][0]
    with db.unit_of_work() as uow:
        detail = review_detail(uow.session, REVIEWER, order_id)
    assert detail.queue is ReviewQueue.NEEDS_INFO
    assert [f.code for f in detail.findings_on("ship_to")] == ["phone.missing"]
    assert detail.by_field()["ship_to.phone"][0].severity == "block"
    [line] = detail.stock
    # 50 on the shelf, 2 reserved by the two approved orders (approval reserves them).
    assert (line.wanted, line.warehouses, line.promised, line.available) == (
        1,
        ((line.warehouses[0][0], 48),),
        0,
        48,
    )
    assert detail.customer.order_count == 1
    assert {"request_info", "correct", "cancel"} <= detail.actions
    assert not detail.verb("approve").enabled  # shown, with the blocking finding as why
    assert "override" not in detail.actions


def test_the_detail_of_a_short_order_offers_substitutes(db, floor):
    with db.unit_of_work() as uow:
        detail = review_detail(uow.session, REVIEWER, floor["stock_short"][0])
    [short] = detail.short_lines
    assert short.short == 1
    assert {"offer_stock", "stock_answer"} <= detail.actions


def test_a_customer_with_ten_thousand_orders_shows_counts_and_the_latest_ten(db):
    with db.unit_of_work() as uow:
        s = uow.session
        cust, prod = b.customer(s), b.product(s, stock=5)
        s.execute(
            Order.__table__.insert(),
            [
                {
                    "channel": "shop",
                    "channel_order_id": f"OLD-{i}",
                    "customer_id": cust.id,
                    "status": "delivered",
                    "currency": "EUR",
                    "received_at": b.NOW - dt.timedelta(days=400, minutes=i),
                    "status_changed_at": b.NOW,
                    "version": 1,
                }
                for i in range(10_000)
            ],
        )
        order = b.order(s, cust, [(prod, 1)])
        uow.commit()
    review_orders(db, REVIEWER, [order.id])
    with db.unit_of_work() as uow:
        detail = review_detail(uow.session, REVIEWER, order.id)
    assert detail.customer.order_count == 10_001
    assert len(detail.customer.recent) == 10
    assert detail.customer.recent[0].number == f"SO-{order.id:06d}"


def test_an_order_never_reviewed_says_so_and_shows_what_the_rules_find_now(db):
    with db.unit_of_work() as uow:
        s = uow.session
        order = b.order(s, b.customer(s, phone=None), [(b.product(s, stock=5), 1)])
        uow.commit()
        order_id = order.id
    with db.unit_of_work() as uow:
        detail = review_detail(uow.session, REVIEWER, order_id)
    assert not detail.reviewed and detail.findings_now
    assert any(f.field == "ship_to.phone" and f.severity == "block" for f in detail.findings)
    approve = detail.verb("approve")
    assert not approve.enabled and "phone" in approve.why_not.lower()


def test_a_queued_order_without_recorded_findings_lists_what_the_rules_find_now(db):
    with db.unit_of_work() as uow:
        s = uow.session
        order = b.order(s, b.customer(s), [(b.product(s, stock=0), 2)])
        order.status = "stock_short"  # as the demo data puts orders in queues
        uow.commit()
        order_id = order.id
    with db.unit_of_work() as uow:
        detail = review_detail(uow.session, REVIEWER, order_id)
    assert detail.findings_now
    assert [f.code for f in detail.findings if f.queue == "stock_short"]


def test_exceptions_are_searchable_by_kind_state_order_and_words(db, floor):
    with db.unit_of_work() as uow:
        s = uow.session
        duplicates = search_exceptions(s, REVIEWER, ExceptionFilter(kind="duplicate"))
        held = search_exceptions(s, REVIEWER, ExceptionFilter(state="held"))
        by_word = search_exceptions(s, REVIEWER, ExceptionFilter(text="BOUNCES"))
        by_number = search_exceptions(
            s, REVIEWER, ExceptionFilter(text=f"SO-{floor['exception'][1]:06d}")
        )
        page = search_exceptions(s, REVIEWER, ExceptionFilter(), limit=1)
        next_page = search_exceptions(s, REVIEWER, ExceptionFilter(), before_id=page[0].id)
    assert sorted(r.order_id for r in duplicates) == floor["exception"]
    assert [r.order_id for r in held] == floor["held"]
    assert [r.order_id for r in by_word] == floor["held"]
    assert [r.order_id for r in by_number] == floor["exception"][1:]
    assert len(next_page) == 2 and page[0].id > next_page[0].id


def test_the_detail_of_a_duplicate_names_its_twin_with_the_version_seen(db, floor):
    first, second = floor["exception"]
    with db.unit_of_work() as uow:
        detail = review_detail(uow.session, REVIEWER, first)
        twin_version = uow.session.get(Order, second).version
    [twin] = detail.related
    assert (twin.id, twin.status, twin.version) == (second, "on_hold", twin_version)
    assert detail.ship.line1 == "Hof 1"
    assert "resolve_duplicates" in detail.actions
