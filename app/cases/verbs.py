"""The case verbs, declared once: from which states, the permission, where the case goes and
what the verb needs. The service refuses with it, the screen enables its buttons from it
(saying why a shown verb cannot run), the CLI offers it."""

from __future__ import annotations

from dataclasses import dataclass

from app.cases.model import CaseStatus
from app.i18n import N_
from app.permissions import Actor, Permission

CS = CaseStatus
_LIVE = frozenset({CS.OPEN, CS.WAITING})
_NOT_CLOSED = frozenset({CS.OPEN, CS.WAITING, CS.RESOLVED})


@dataclass(frozen=True)
class CaseVerb:
    name: str
    label: str  # N_-marked, translated at the screen
    from_states: frozenset[str]
    to_state: str | None  # None: the case stays where it is
    permission: Permission = Permission.HANDLE_CASES
    needs: str | None = None  # "text", "resolution", "satisfaction", "assignee"


VERBS: dict[str, CaseVerb] = {
    verb.name: verb
    for verb in (
        CaseVerb("note", N_("Add note"), _NOT_CLOSED, None, needs="text"),
        CaseVerb("call", N_("Log call"), _NOT_CLOSED, None, needs="text"),
        CaseVerb("reply", N_("Reply to customer"), _NOT_CLOSED, None, needs="text"),
        CaseVerb("customer_wrote", N_("Customer wrote"), _NOT_CLOSED, CS.OPEN, needs="text"),
        CaseVerb("wait", N_("Wait for customer"), frozenset({CS.OPEN}), CS.WAITING),
        CaseVerb("resume", N_("Customer answered"), frozenset({CS.WAITING}), CS.OPEN),
        CaseVerb("assign", N_("Assign to me"), _NOT_CLOSED, None, needs="assignee"),
        CaseVerb("resolve", N_("Resolve"), _LIVE, CS.RESOLVED, needs="resolution"),
        CaseVerb(
            "follow_up",
            N_("Record follow-up"),
            frozenset({CS.RESOLVED}),
            None,
            needs="satisfaction",
        ),
        CaseVerb("close", N_("Close"), frozenset({CS.RESOLVED}), CS.CLOSED),
        CaseVerb("reopen", N_("Reopen"), frozenset({CS.RESOLVED, CS.CLOSED}), CS.OPEN),
    )
}


@dataclass(frozen=True)
class VerbState:
    verb: CaseVerb
    enabled: bool
    why_not: str = ""  # N_-marked reason when disabled


def why_not(verb: CaseVerb, status: str, actor: Actor) -> str:
    """ "" when ``actor`` may run ``verb`` on a case in ``status`` now; else the reason."""
    if status not in verb.from_states:
        return N_("not possible on a case that is {status}")
    if not actor.may(verb.permission):
        return N_("your role may not do this")
    return ""


def verb_states(status: str, actor: Actor) -> list[VerbState]:
    """Every verb a case in ``status`` shows: the status decides which are shown (a closed
    case shows only Reopen), the actor's rights decide which are enabled."""
    shown = [verb for verb in VERBS.values() if status in verb.from_states]
    return [
        VerbState(verb, not why_not(verb, status, actor), why_not(verb, status, actor))
        for verb in shown
    ]
