"""Cases at the desk: opened with deadlines, worked through their verbs, watched for."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.cases.errors import CaseNeeds, CaseVerbNotAllowed
from app.cases.model import Category, Source
from app.cases.queries import list_cases
from app.cases.service import CaseAction, CaseDraft, act, open_case
from app.cases.watch import run_watch
from app.errors import ConcurrentUpdate, InvalidInput, PermissionDenied
from app.permissions import Role
from db.models import AuditEvent
from db.models_cases import Case, CaseNote
from db.models_tracking import TrackingEvent
from tests import factories as f
from tests.conftest import make_actor

AGENT = make_actor(Role.CUSTOMER_SERVICE)
MONDAY_10_TAIPEI = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


def _order(db, channel="shop", status="shipped"):
    with db.unit_of_work() as uow:
        s = uow.session
        order = f.order(s, f.customer(s), status=status, channel=channel, lines=[(f.product(s), 1)])
        uow.commit()
        return order.id


def _case(db, order_id=None, now=MONDAY_10_TAIPEI):
    draft = CaseDraft(
        subject="Parcel not here",
        source=Source.PHONE,
        category=Category.DELAY,
        order_id=order_id,
        body="Where is it?",
    )
    return open_case(db, AGENT, draft, now=now)


def _get(db, case_id):
    with db.unit_of_work() as uow:
        return uow.session.get(Case, case_id)


def test_an_amazon_case_is_due_in_24_hours_and_ours_in_24_business_hours(db):
    amazon = _get(db, _case(db, _order(db, channel="amazon")))
    ours = _get(db, _case(db, _order(db, channel="shop")))
    assert amazon.first_reply_due_at == MONDAY_10_TAIPEI + dt.timedelta(hours=24)
    # Monday 10:00 Taipei + 24 working hours (8 + 9 + 7) = Wednesday 16:00 Taipei.
    assert ours.first_reply_due_at == dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)
    assert ours.customer_id is not None and ours.channel == "shop"


def test_a_reply_is_recorded_in_order_and_stamps_the_first_reply(db):
    case_id = _case(db)
    act(db, AGENT, case_id, "reply", CaseAction(text="It is on its way."))
    act(db, AGENT, case_id, "note", CaseAction(text="Called the carrier."))
    case = _get(db, case_id)
    assert case.first_replied_at is not None
    with db.unit_of_work() as uow:
        kinds = uow.session.scalars(
            select(CaseNote.kind).where(CaseNote.case_id == case_id).order_by(CaseNote.id)
        ).all()
    assert kinds == ["customer", "reply", "note"]


def test_waiting_for_the_customer_pauses_our_clock(db):
    case_id = _case(db)
    before = _get(db, case_id).first_reply_due_at
    act(db, AGENT, case_id, "wait", now=MONDAY_10_TAIPEI + dt.timedelta(hours=1))
    act(db, AGENT, case_id, "resume", now=MONDAY_10_TAIPEI + dt.timedelta(hours=3))
    assert _get(db, case_id).first_reply_due_at == before + dt.timedelta(hours=2)


def test_closing_needs_a_resolution_first(db):
    case_id = _case(db)
    with pytest.raises(CaseVerbNotAllowed):
        act(db, AGENT, case_id, "close")
    with pytest.raises(CaseNeeds):
        act(db, AGENT, case_id, "resolve", CaseAction(resolution="magic"))
    act(
        db,
        AGENT,
        case_id,
        "resolve",
        CaseAction(resolution="explanation", text="The colour is as pictured"),
    )
    act(db, AGENT, case_id, "follow_up", CaseAction(satisfaction=5, text="Happy"))
    act(db, AGENT, case_id, "close")
    case = _get(db, case_id)
    assert (case.status, case.resolution, case.satisfaction) == ("closed", "explanation", 5)


def test_a_satisfaction_outside_1_to_5_is_refused(db):
    case_id = _case(db)
    act(db, AGENT, case_id, "resolve", CaseAction(resolution="explanation"))
    with pytest.raises(CaseNeeds):
        act(db, AGENT, case_id, "follow_up", CaseAction(satisfaction=6))


def test_a_stale_version_is_refused(db):
    case_id = _case(db)
    version = _get(db, case_id).version
    act(db, AGENT, case_id, "wait", expected_version=version)  # desk A
    with pytest.raises(ConcurrentUpdate):  # desk B, still looking at the open case
        act(
            db, AGENT, case_id, "resolve", CaseAction(resolution="refund"), expected_version=version
        )
    assert _get(db, case_id).status == "waiting"


def test_someone_without_case_rights_cannot_resolve(db):
    case_id = _case(db)
    with pytest.raises(PermissionDenied):
        act(db, make_actor(Role.WAREHOUSE), case_id, "resolve", CaseAction(resolution="refund"))


def test_every_case_action_is_audited(db):
    case_id = _case(db)
    act(db, AGENT, case_id, "wait")
    with db.unit_of_work() as uow:
        actions = uow.session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_type == "case")
        ).all()
    assert actions == ["open", "wait"]


def _shipped_shipment(db, status="lost", days_ago=1):
    with db.unit_of_work() as uow:
        s = uow.session
        order = f.order(s, f.customer(s), status="shipped", lines=[(f.product(s), 1)])
        shipment = f.shipment(s, order, f.warehouse(s), status=status)
        shipment.shipped_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
        s.flush()
        s.add(  # what the carrier said last
            TrackingEvent(
                shipment_id=shipment.id, tracking_number=f"T{shipment.id}", carrier="ups",
                occurred_at=shipment.shipped_at, status=status, event_key=f"k{shipment.id}",
            )
        )  # fmt: skip
        uow.commit()
        return shipment.id


def test_the_watch_opens_one_case_per_shipment_and_reason_however_often_it_runs(db):
    shipment_id = _shipped_shipment(db, "lost")
    _shipped_shipment(db, "in_transit", days_ago=0)  # fine: nothing to do
    first = run_watch(db, AGENT)
    again = run_watch(db, AGENT)
    assert (len(first.opened), first.by_reason) == (1, {"lost": 1})
    assert again.opened == []
    with db.unit_of_work() as uow:
        case = uow.session.scalar(select(Case))
        assert (case.shipment_id, case.category, case.source) == (
            shipment_id,
            "lost",
            "logistics_watch",
        )
        assert uow.session.scalar(select(func.count(Case.id))) == 1


def test_a_watch_case_subject_reads_in_the_readers_language(db, monkeypatch):
    _shipped_shipment(db, "lost")
    run_watch(db, AGENT)
    with db.unit_of_work() as uow:
        (row,) = list_cases(uow.session)
    assert row.subject.startswith("Parcel lost: SH-")


def test_the_list_puts_the_most_urgent_first_and_flags_overdue(db):
    late = _case(db, now=dt.datetime(2026, 1, 5, 2, tzinfo=dt.UTC))
    _case(db)
    with db.unit_of_work() as uow:
        rows = list_cases(uow.session, now=dt.datetime(2026, 11, 30, 3, tzinfo=dt.UTC))
        overdue = list_cases(
            uow.session, overdue=True, now=dt.datetime(2026, 11, 30, 3, tzinfo=dt.UTC)
        )
    assert rows[0].id == late
    assert [row.id for row in overdue] == [late]


def test_the_list_refuses_a_status_that_does_not_exist_and_names_those_that_do(db):
    _case(db)
    with db.unit_of_work() as uow, pytest.raises(InvalidInput) as refused:
        list_cases(uow.session, status="opne")
    assert "open / waiting / resolved / closed" in refused.value.message
