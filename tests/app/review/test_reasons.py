"""Review's audit reasons are stored as a code and values and said in the reader's language."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.i18n import Sentence as S
from app.i18n import set_language
from app.permissions import Role
from app.review.auto import ALL_RECEIVED, review_orders
from app.review.reasons import held_back, reason_in_words, why
from db.models import AuditEvent
from tests.app.review import builders as b
from tests.conftest import make_actor

REVIEWER = make_actor(Role.CUSTOMER_SERVICE, username="rita")


@pytest.fixture
def chinese():
    set_language("zh_TW")
    yield
    set_language("en")


def test_a_reason_keeps_its_english_sentence_and_its_code_with_values():
    said = why("review.held", note="no answer on the phone")
    assert said.english() == "held: no answer on the phone"
    assert said.detail() == {
        "why": {"code": "review.held", "values": {"note": "no answer on the phone"}}
    }


def test_an_undeclared_reason_is_refused():
    with pytest.raises(KeyError):
        why("review.made_up")


def test_a_new_row_is_said_from_its_code_in_the_readers_language(chinese):
    finding = S("There is no phone number for the carrier to call.")
    said = held_back([finding])
    detail = json.loads(json.dumps(said.detail()))  # as the database gives it back
    text = reason_in_words(said.english(), detail)
    assert "held back" not in text and "phone number" not in text
    assert "電話" in text


def test_an_older_row_without_a_code_stays_readable(chinese):
    assert reason_in_words("information requested", None) != "information requested"
    assert reason_in_words("typed by a person long ago", {}) == "typed by a person long ago"


def test_auto_review_writes_the_code_and_values_of_why_it_held_an_order_back(db):
    with db.unit_of_work() as uow:
        s = uow.session
        order = b.order(s, b.customer(s, phone=None), [(b.product(s), 1)])
        uow.commit()
    review_orders(db, REVIEWER, ALL_RECEIVED)
    with db.unit_of_work() as uow:
        event = uow.session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_id == order.id, AuditEvent.action == "status"
            )
        ).one()
    assert event.reason.startswith("held back: ")
    assert event.detail["why"]["code"] == "review.held_back"
    [finding] = event.detail["why"]["values"]["findings"]
    assert "phone" in json.dumps(finding)
