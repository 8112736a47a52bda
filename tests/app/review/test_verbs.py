"""The review verbs declared as data: what shows, what runs, what the services refuse."""

from __future__ import annotations

import pytest

from app.errors import PermissionDenied
from app.permissions import Role
from app.review.errors import NotInQueue
from app.review.verbs import VERBS, OrderFacts, require_verb, verb_states
from tests.conftest import make_actor

REVIEWER = make_actor(Role.CUSTOMER_SERVICE, username="rita")
SUPERVISOR = make_actor(Role.SUPERVISOR, username="sam")
WAREHOUSE = make_actor(Role.WAREHOUSE, username="wes")


def keys(states) -> list[str]:
    return [s.key for s in states]


def test_the_orders_status_decides_which_verbs_are_shown():
    short = keys(verb_states(REVIEWER, OrderFacts(status="stock_short")))
    unpaid = keys(verb_states(REVIEWER, OrderFacts(status="payment_problem")))
    assert "offer_stock" in short and "ask_payment" not in short
    assert "ask_payment" in unpaid and "offer_stock" not in unpaid
    assert verb_states(REVIEWER, OrderFacts(status="shipped")) == ()
    assert keys(verb_states(REVIEWER, OrderFacts(status="approved"))) == ["cancel"]


def test_approve_is_shown_disabled_with_the_blocking_finding_beside_it():
    facts = OrderFacts(status="needs_info", blocking=("There is no phone number.",))
    states = {s.key: s for s in verb_states(REVIEWER, facts)}
    assert not states["approve"].enabled
    assert "There is no phone number." in states["approve"].why_not
    # The override is shown, but a reviewer is told it takes a supervisor.
    assert not states["override"].enabled and "supervisor" in states["override"].why_not
    supervisor = {s.key: s for s in verb_states(SUPERVISOR, facts)}
    assert supervisor["override"].enabled


def test_a_held_order_offers_release_and_refuses_approve_until_released():
    states = {s.key: s for s in verb_states(SUPERVISOR, OrderFacts(status="on_hold", held=True))}
    assert states["release"].enabled
    assert not states["approve"].enabled and "release" in states["approve"].why_not
    unheld = keys(verb_states(SUPERVISOR, OrderFacts(status="on_hold")))
    assert "release" not in unheld


def test_someone_without_the_permission_sees_no_runnable_verb():
    states = verb_states(WAREHOUSE, OrderFacts(status="needs_info"))
    assert states and not any(s.enabled for s in states)
    assert all(s.why_not for s in states)


def test_the_service_check_refuses_a_state_or_a_person_the_declaration_does_not_allow():
    with pytest.raises(NotInQueue):
        require_verb(REVIEWER, 5, "approved", "approve")
    with pytest.raises(PermissionDenied):
        require_verb(REVIEWER, 5, "needs_info", "ban")
    assert require_verb(SUPERVISOR, 5, "needs_info", "ban").target == "cancelled"


def test_every_verb_has_its_own_key():
    shortcuts = [v.shortcut for v in VERBS]
    assert len(set(shortcuts)) == len(shortcuts)
    assert len({v.key for v in VERBS}) == len(VERBS)


def test_every_verb_with_a_target_moves_along_the_order_workflow_table():
    from app.workflow import may_transition

    for verb in VERBS:
        if verb.target is None:
            continue
        for state in verb.from_states:
            if state != verb.target:  # staying put is no move (a hold of a held order)
                assert may_transition("order", state, verb.target), (verb.key, state)
