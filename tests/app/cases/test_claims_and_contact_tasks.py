"""Marketplace and carrier claims with their own deadlines, and the review desk's contact
tasks landing in the service desk as cases."""

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from app.cases.claims import carrier_days, claim_due_at
from app.cases.queries import case_detail, list_cases
from app.cases.service import ClaimDraft, open_claim
from app.i18n import _, set_language
from app.permissions import Role
from app.review.kit import new_task
from app.review.task_text import task_text
from db.models import Order
from db.models_cases import Case, CaseNote
from tests import factories as f
from tests.conftest import make_actor

AGENT = make_actor(Role.CUSTOMER_SERVICE)
REVIEWER = make_actor(Role.CUSTOMER_SERVICE, username="reviewer")
FRIDAY_EVENING_UTC = dt.datetime(2026, 11, 27, 18, 0, tzinfo=dt.UTC)


def test_an_a_to_z_claim_is_due_72_calendar_hours_after_the_notice_over_the_weekend():
    due = claim_due_at("a_to_z", FRIDAY_EVENING_UTC)
    assert due == dt.datetime(2026, 11, 30, 18, 0, tzinfo=dt.UTC)  # Monday: weekend counted


def test_a_deadline_stated_on_the_claim_wins_and_times_need_their_offset():
    stated = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
    assert claim_due_at("safe_t", FRIDAY_EVENING_UTC, stated_due_at=stated) == stated
    with pytest.raises(ValueError):
        claim_due_at("a_to_z", dt.datetime(2026, 11, 27, 18, 0))


def test_carrier_claims_follow_the_carriers_window_and_safe_t_its_filing_window():
    assert carrier_days("UPS") == carrier_days("fedex") == 60
    assert carrier_days("dhl_express") == carrier_days(None) == 30
    shipped = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert claim_due_at("carrier", shipped, carrier="ups") == shipped + dt.timedelta(days=60)
    assert claim_due_at("safe_t", shipped) == shipped + dt.timedelta(days=30)


def _amazon_order(db):
    with db.unit_of_work() as uow:
        s = uow.session
        order = f.order(s, f.customer(s), status="delivered", channel="amazon",
                        lines=[(f.product(s), 1)])  # fmt: skip
        shipment = f.shipment(s, order, f.warehouse(s), status="lost")
        shipment.carrier, shipment.shipped_at = "ups", FRIDAY_EVENING_UTC
        uow.commit()
        return order.id, shipment.id


def test_an_a_to_z_claim_opens_an_urgent_case_counting_down_to_its_deadline(db):
    order_id, _shipment = _amazon_order(db)
    notice = FRIDAY_EVENING_UTC
    case_id = open_claim(
        db, AGENT, ClaimDraft("a_to_z", "AZ-12345", order_id=order_id, started_at=notice),
        now=notice,
    )  # fmt: skip
    again = open_claim(db, AGENT, ClaimDraft("a_to_z", "AZ-12345", order_id=order_id), now=notice)
    assert again == case_id  # the same claim typed twice finds its case
    with db.unit_of_work() as uow:
        (row,) = list_cases(uow.session, now=notice)
        case = uow.session.get(Case, case_id)
    assert (case.source, case.priority, case.channel) == ("marketplace_claim", "urgent", "amazon")
    assert row.claim_kind == "a_to_z" and row.subject == "A-to-z Guarantee claim AZ-12345"
    assert row.claim_due_at == notice + dt.timedelta(hours=72)
    assert row.first_reply_due_at <= row.claim_due_at
    replied = dataclasses.replace(row, first_replied_at=notice + dt.timedelta(hours=1))
    assert not replied.overdue(notice + dt.timedelta(hours=71))
    assert replied.overdue(notice + dt.timedelta(hours=73))
    assert row.as_json(notice)["claim_due_at"].startswith("2026-11-30T18:00")


def test_a_carrier_claim_counts_from_the_hand_over_of_the_lost_parcel(db):
    order_id, shipment_id = _amazon_order(db)
    case_id = open_claim(db, AGENT, ClaimDraft("carrier", "UPS-CL-77", shipment_id=shipment_id))
    with db.unit_of_work() as uow:
        case = uow.session.get(Case, case_id)
    assert (case.source, case.order_id) == ("carrier_claim", order_id)
    assert case.claim_due_at == FRIDAY_EVENING_UTC + dt.timedelta(days=60)


def test_a_contact_task_opens_a_case_and_the_next_one_extends_it(db):
    with db.unit_of_work() as uow:
        s = uow.session
        order = f.order(s, f.customer(s), status="received", lines=[(f.product(s), 1)])
        new_task(s, REVIEWER, order, "request_info", "The house number is missing")
        uow.commit()
        order_id = order.id
    with db.unit_of_work() as uow:
        s = uow.session
        new_task(s, REVIEWER, s.get(Order, order_id), "payment_problem", "Card declined")
        uow.commit()
    with db.unit_of_work() as uow:
        cases = list(uow.session.scalars(select(Case)))
        notes = uow.session.scalars(select(CaseNote.body).order_by(CaseNote.id)).all()
    assert len(cases) == 1
    assert (cases[0].source, cases[0].order_id) == ("contact_task", order_id)
    assert cases[0].customer_id is not None
    assert notes == ["The house number is missing", "Card declined"]


@pytest.fixture
def in_traditional_chinese():
    set_language("zh_TW")
    yield
    set_language("en")


def test_a_contact_tasks_words_read_in_the_agents_language_on_the_case(db, in_traditional_chinese):
    with db.unit_of_work() as uow:
        s = uow.session
        order = f.order(s, f.customer(s), status="received", lines=[(f.product(s), 1)])
        new_task(s, REVIEWER, order, "stock_short", task_text("review.stock_call"))
        uow.commit()
        case_id = uow.session.scalar(select(Case.id))
    with db.unit_of_work() as uow:
        stored = uow.session.scalar(select(CaseNote.body))
        detail = case_detail(uow.session, case_id)
    said = [entry.text for entry in detail.timeline if entry.kind == "system"]
    assert stored == "customer called about stock"  # stored in English, as every reason
    assert said == [_("customer called about stock")] and said != [stored]
