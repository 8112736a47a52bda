"""The declared case verbs and the logistics watch's decisions, as plain data."""

import datetime as dt

from app.cases.rules import ShipmentFacts, watch_finding
from app.cases.verbs import VERBS, verb_states
from app.permissions import Role
from tests.conftest import make_actor

NOW = dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC)


def test_a_closed_case_shows_only_reopen():
    states = verb_states("closed", make_actor(Role.CUSTOMER_SERVICE))
    assert [state.verb.name for state in states] == ["reopen"]


def test_a_shown_verb_the_role_may_not_run_is_disabled_with_the_reason():
    states = {state.verb.name: state for state in verb_states("open", make_actor(Role.WAREHOUSE))}
    assert "resolve" in states
    assert not states["resolve"].enabled
    assert states["resolve"].why_not == "your role may not do this"


def test_resolving_needs_a_resolution_and_closing_only_follows_resolving():
    assert VERBS["resolve"].needs == "resolution"
    assert VERBS["close"].from_states == {"resolved"}


def _facts(status="in_transit", shipped_days_ago=1, last_event_hours_ago=None, **more):
    shipped = NOW - dt.timedelta(days=shipped_days_ago)
    last = (
        NOW - dt.timedelta(hours=last_event_hours_ago) if last_event_hours_ago is not None else None
    )
    return ShipmentFacts(1, status, shipped, last, **more)


def _said(trouble: str) -> ShipmentFacts:
    return _facts(trouble, last_event_hours_ago=1, last_event_status=trouble)


def test_carrier_trouble_opens_a_case_of_its_kind():
    assert watch_finding(_said("lost"), NOW).category == "lost"
    assert watch_finding(_said("damaged"), NOW).priority == "high"
    assert watch_finding(_said("delayed"), NOW).reason == "delayed"


def test_a_status_the_carrier_did_not_report_is_not_carrier_trouble():
    assert watch_finding(_facts("returned", shipped_days_ago=30), NOW) is None


def test_no_news_for_longer_than_the_service_allows_is_a_finding():
    assert watch_finding(_facts(last_event_hours_ago=10), NOW) is None
    assert (
        watch_finding(_facts(shipped_days_ago=4, last_event_hours_ago=80), NOW).reason == "silent"
    )
    assert watch_finding(_facts(last_event_hours_ago=10, silent_hours=6), NOW).reason == "silent"


def test_past_the_promised_delivery_is_late_even_with_news():
    assert watch_finding(_facts(shipped_days_ago=8, last_event_hours_ago=1), NOW).reason == "late"
    assert (
        watch_finding(
            _facts(shipped_days_ago=3, last_event_hours_ago=1, transit_days=2), NOW
        ).reason
        == "late"
    )


def test_delivered_and_not_yet_shipped_shipments_need_nothing():
    assert watch_finding(_facts("delivered", shipped_days_ago=30), NOW) is None
    assert watch_finding(ShipmentFacts(1, "packed", None, None), NOW) is None
