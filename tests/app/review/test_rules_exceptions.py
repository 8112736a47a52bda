"""Exception rules: duplicates, intake conflicts, block list, bursts, risky new accounts."""

from __future__ import annotations

import dataclasses
import datetime as dt

from app.review import rules
from app.review.keys import address_key, email_key, items_key, phone_key
from app.review.model import BlockList, Queue, RecentOrder, ReviewSettings, Severity
from tests.app.review.facts import KETTLE, TOASTER, codes, customer, line, order, ship_to, world

HOME = address_key("Invalidenstraße 1", "10115", "DE", "Berlin")
TWO_KETTLES = items_key([(KETTLE.sku, 2)])


def recent(order_id: int, minutes_before: float, **changes) -> RecentOrder:
    base = {
        "order_id": order_id,
        "placed_at": order().placed_at - dt.timedelta(minutes=minutes_before),
        "status": "received",
        "ship_to_key": HOME,
        "items_key": TWO_KETTLES,
    }
    base.update(changes)
    return RecentOrder(**base)


def test_an_intake_conflict_sends_the_order_to_the_exception_queue():
    [finding] = rules.intake_conflicts(
        order(intake_conflicts=("quantity 2 → 3 on line 1",)), world()
    )
    assert (finding.code, finding.queue) == ("duplicate.channel_conflict", Queue.EXCEPTION)
    assert "quantity 2 → 3" in finding.message


def test_same_customer_items_and_address_within_the_window_is_a_duplicate_suspect():
    suspect = order(recent_orders=(recent(99, 30),))
    [finding] = rules.duplicate_suspect(suspect, world())
    assert (finding.code, finding.severity, finding.queue) == (
        "duplicate.suspect",
        Severity.BLOCK,
        Queue.EXCEPTION,
    )
    assert finding.detail == (("count", 1), ("order_id", 99))


def test_the_address_compares_without_case_spaces_or_punctuation():
    spelled = order(
        ship_to=ship_to(line1="INVALIDENSTRASSE 1".replace("SS", "ß").lower()),
        recent_orders=(recent(99, 30),),
    )
    assert codes(rules.duplicate_suspect(spelled, world())) == ["duplicate.suspect"]


def test_items_in_another_order_of_lines_are_the_same_items():
    mine = order(line(TOASTER, 1), line(KETTLE, 2, line_no=2))
    other = recent(99, 5, items_key=items_key([(KETTLE.sku, 2), (TOASTER.sku, 1)]))
    assert codes(
        rules.duplicate_suspect(dataclasses.replace(mine, recent_orders=(other,)), world())
    ) == ["duplicate.suspect"]


def test_not_a_duplicate_when_anything_differs_or_time_has_passed():
    settings = ReviewSettings(duplicate_window=dt.timedelta(hours=2))
    for other in (
        recent(99, 30, items_key=items_key([(KETTLE.sku, 3)])),
        recent(99, 30, ship_to_key=address_key("Elsewhere 2", "10115", "DE")),
        recent(99, 121),
        recent(99, 30, status="cancelled"),
        recent(100, 0),  # the order itself
    ):
        assert (
            rules.duplicate_suspect(order(recent_orders=(other,)), world(settings=settings)) == []
        )


def test_every_twin_is_named():
    [finding] = rules.duplicate_suspect(
        order(recent_orders=(recent(98, 60), recent(99, -30))), world()
    )
    assert finding.detail == (("count", 2), ("order_id", 98), ("order_id", 99))


def test_a_block_listed_customer_email_phone_or_address_is_named_each():
    blocked = BlockList(
        customer_ids=frozenset({7}),
        emails=frozenset({email_key(" ADA@example.com")}),
        phones=frozenset({phone_key("030 901820", "DE")}),
        addresses=frozenset({HOME}),
    )
    findings = rules.block_listed(order(), world(block_list=blocked))
    assert codes(findings) == ["malicious.block_listed"] * 4
    assert {f.field for f in findings} == {"customer", "customer.email", "ship_to.phone", "ship_to"}
    assert all(f.queue is Queue.EXCEPTION for f in findings)


def test_someone_not_on_the_block_list_passes():
    blocked = BlockList(
        customer_ids=frozenset({8}),
        emails=frozenset({"eve@example.com"}),
        phones=frozenset({"+4930111111"}),
        addresses=frozenset({address_key("Elsewhere 2", "10115", "DE")}),
    )
    assert rules.block_listed(order(), world(block_list=blocked)) == []


def test_empty_identifiers_never_match_an_empty_block_list_entry():
    blocked = BlockList(emails=frozenset({""}), phones=frozenset({""}))
    nobody = order(customer=customer(email="", phone=""), ship_to=ship_to(phone=""))
    assert rules.block_listed(nobody, world(block_list=blocked)) == []


def test_a_burst_of_orders_within_the_window_is_held():
    settings = ReviewSettings(burst_orders=4, burst_window=dt.timedelta(hours=1))
    others = tuple(recent(90 + i, 10 * i, items_key=()) for i in range(1, 4))
    [finding] = rules.order_burst(order(recent_orders=others), world(settings=settings))
    assert (finding.code, dict(finding.detail)["orders"]) == ("malicious.burst", 4)
    spread = tuple(recent(90 + i, 70 * i, items_key=()) for i in range(1, 4))
    assert rules.order_burst(order(recent_orders=spread), world(settings=settings)) == []


def test_a_customer_with_ten_thousand_recent_orders_is_handled_quickly():
    others = tuple(recent(1000 + i, (i % 600) / 10) for i in range(10_000))
    many = order(recent_orders=others)
    assert codes(rules.order_burst(many, world())) == ["malicious.burst"]
    [dup] = rules.duplicate_suspect(many, world())
    assert dict(dup.detail)["count"] == 10_000
    assert len(dup.detail) == 1 + rules.MAX_TWINS_NAMED


def test_a_high_value_order_from_a_new_account_to_a_new_address_is_held():
    new = customer(
        created_at=order().placed_at - dt.timedelta(days=2),
        addresses=(("Home 1", "80331", "DE", "München"),),
    )
    big = order(line(KETTLE, 30), customer=new)
    [finding] = rules.new_account_high_value(big, world())
    assert (finding.code, finding.queue) == ("malicious.new_account_high_value", Queue.EXCEPTION)


def test_a_new_account_is_not_held_when_any_of_the_conditions_is_missing():
    new = customer(
        created_at=order().placed_at - dt.timedelta(days=2),
        addresses=(("Home 1", "80331", "DE", "München"),),
    )
    cases = [
        order(line(KETTLE, 2), customer=new),  # small order
        order(line(KETTLE, 30), customer=customer(addresses=new.addresses)),  # old account
        order(
            line(KETTLE, 30),
            customer=customer(
                created_at=new.created_at,
                addresses=(("Invalidenstraße 1", "10115", "DE", "Berlin"),),
            ),
        ),  # home
        order(line(KETTLE, 30), customer=new, recent_orders=(recent(99, 600),)),  # used before
        order(line(KETTLE, 30), customer=customer(created_at=new.created_at)),  # nothing on file
    ]
    for case in cases:
        assert rules.new_account_high_value(case, world()) == []
