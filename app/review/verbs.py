"""The review desk's verbs, declared once as data.

Each verb names the order states it may start from, the permission it needs, the state it
leads to (``None`` when the rules decide, or the order stays where it is) and whether a
written reason is needed. The same declaration is read by the services (``require_verb``
refuses), by the screen (``verb_states`` says which verbs to show for an order's status and,
for each one shown, whether it can run now or why not) and by the CLI
(``orderdesk review --verbs ORDER``). No Qt, no SQLAlchemy: plain data in, plain data out.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import PermissionDenied
from app.i18n import N_, _, translate_stored
from app.numbers import order_number
from app.permissions import Actor, Permission
from app.review.errors import NotInQueue
from app.workflow import OrderStatus as OS

P = Permission

QUEUE_STATUSES = (OS.NEEDS_INFO, OS.STOCK_SHORT, OS.PAYMENT_PROBLEM, OS.ON_HOLD)
REVIEWABLE = (OS.RECEIVED, *QUEUE_STATUSES)
# Orders a review desk may still cancel: nothing reserved or picked yet.
BEFORE_ALLOCATION = (*REVIEWABLE, OS.APPROVED)


@dataclass(frozen=True)
class Verb:
    key: str
    label: str  # N_(): translated when shown
    shortcut: str
    from_states: tuple[str, ...]
    permission: Permission
    target: str | None  # None: the rules decide, or the order stays in its state
    reason_needed: bool = False
    also_needs: Permission | None = None  # a second permission (correcting needs both)


VERBS: tuple[Verb, ...] = (
    Verb("approve", N_("Approve"), "Ctrl+Return", REVIEWABLE, P.REVIEW_ORDERS, OS.APPROVED),
    Verb(
        "override",
        N_("Approve over findings…"),
        "Ctrl+Shift+Return",
        REVIEWABLE,
        P.OVERRIDE_REVIEW,
        OS.APPROVED,
        reason_needed=True,
        also_needs=P.REVIEW_ORDERS,
    ),
    Verb("rereview", N_("Review now"), "F6", REVIEWABLE, P.REVIEW_ORDERS, None),
    Verb(
        "request_info",
        N_("Request information"),
        "Ctrl+I",
        (OS.RECEIVED, OS.NEEDS_INFO),
        P.REVIEW_ORDERS,
        OS.NEEDS_INFO,
    ),
    Verb(
        "correct",
        N_("Correct phone/address…"),
        "Ctrl+E",
        REVIEWABLE,
        P.CHANGE_ORDERS,
        None,
        also_needs=P.REVIEW_ORDERS,
    ),
    Verb(
        "offer_stock",
        N_("Offer date/substitutes"),
        "Ctrl+O",
        (OS.STOCK_SHORT,),
        P.REVIEW_ORDERS,
        None,
    ),
    Verb(
        "stock_answer", N_("Customer's answer…"), "Ctrl+W", (OS.STOCK_SHORT,), P.REVIEW_ORDERS, None
    ),
    Verb(
        "ask_payment", N_("Ask for payment"), "Ctrl+P", (OS.PAYMENT_PROBLEM,), P.REVIEW_ORDERS, None
    ),
    Verb(
        "resolve_payment",
        N_("Record payment…"),
        "Ctrl+Shift+P",
        (OS.PAYMENT_PROBLEM,),
        P.REVIEW_ORDERS,
        None,
    ),
    Verb(
        "resolve_duplicates",
        N_("Keep this, cancel duplicates"),
        "Ctrl+U",
        REVIEWABLE,
        P.REVIEW_ORDERS,
        None,
    ),
    Verb("keep_stored", N_("Keep stored order"), "Ctrl+Shift+U", REVIEWABLE, P.REVIEW_ORDERS, None),
    Verb("plan", N_("Write plan…"), "Ctrl+Shift+N", (OS.ON_HOLD,), P.REVIEW_ORDERS, None),
    Verb(
        "hold",
        N_("Hold (unreachable)…"),
        "Ctrl+H",
        REVIEWABLE,
        P.REVIEW_ORDERS,
        OS.ON_HOLD,
        reason_needed=True,
    ),
    Verb(
        "release",
        N_("Release hold"),
        "Ctrl+Shift+H",
        (OS.ON_HOLD,),
        P.REVIEW_ORDERS,
        None,
        reason_needed=True,
    ),
    Verb(
        "ban",
        N_("Ban customer…"),
        "Ctrl+B",
        REVIEWABLE,
        P.BAN_CUSTOMERS,
        OS.CANCELLED,
        reason_needed=True,
    ),
    Verb(
        "cancel",
        N_("Cancel order…"),
        "Ctrl+Delete",
        BEFORE_ALLOCATION,
        P.CANCEL_ORDERS,
        OS.CANCELLED,
        reason_needed=True,
    ),
)

VERB = {verb.key: verb for verb in VERBS}

# What a verb is called in a refusal ("… is only possible in …").
_DOING = {
    "approve": N_("approve"),
    "override": N_("approve over findings"),
    "rereview": N_("review again"),
    "request_info": N_("request information"),
    "correct": N_("correct contact details"),
    "offer_stock": N_("offer stock options"),
    "stock_answer": N_("record the customer's answer"),
    "ask_payment": N_("ask for payment"),
    "resolve_payment": N_("resolve the payment"),
    "resolve_duplicates": N_("cancel as a duplicate"),
    "keep_stored": N_("keep the stored order"),
    "plan": N_("write a plan"),
    "hold": N_("hold"),
    "release": N_("release"),
    "ban": N_("ban the customer"),
    "cancel": N_("cancel at the review desk"),
}


def _permission_names(verb: Verb) -> tuple[Permission, ...]:
    return (verb.permission,) + ((verb.also_needs,) if verb.also_needs else ())


def require_verb(actor: Actor, order_id: int, status: str, key: str) -> Verb:
    """The service's check: refuse a verb the declaration does not allow now."""
    verb = VERB[key]
    for permission in _permission_names(verb):
        if not actor.may(permission):
            raise PermissionDenied(actor.username, permission.value)
    if status not in verb.from_states:
        raise NotInQueue(order_number(order_id), status, _DOING[key], verb.from_states)
    return verb


# --------------------------------------------------------------------------- what the screen shows


@dataclass(frozen=True)
class OrderFacts:
    """What decides which verbs apply to one order, as plain data (from the review view)."""

    status: str
    held: bool = False
    reviewed: bool = True
    blocking: tuple[str, ...] = ()  # blocking findings, in words
    open_exception_kinds: frozenset[str] = frozenset()
    open_conflicts: bool = False
    open_info_task: bool = False
    has_customer: bool = True


@dataclass(frozen=True)
class VerbState:
    key: str
    label: str  # translated
    shortcut: str
    enabled: bool
    why_not: str = ""  # translated, when not enabled
    why_code: str = ""  # the same, language-neutral: "held", "blocked", "asked", "permission"


_PERMISSION_WORDS = {
    P.OVERRIDE_REVIEW: N_("a supervisor may do this"),
    P.BAN_CUSTOMERS: N_("a supervisor may do this"),
    P.CHANGE_ORDERS: N_("you may not change orders"),
    P.CANCEL_ORDERS: N_("you may not cancel orders"),
    P.REVIEW_ORDERS: N_("you may not review orders"),
}


def _applies(key: str, facts: OrderFacts) -> bool:
    """Whether the verb belongs on screen for this order (beyond its from-states)."""
    if key == "override":
        return bool(facts.blocking)
    if key == "resolve_duplicates":
        return "duplicate" in facts.open_exception_kinds
    if key == "keep_stored":
        return facts.open_conflicts and facts.status in (OS.RECEIVED, OS.NEEDS_INFO, OS.ON_HOLD)
    if key == "plan":
        return bool(facts.open_exception_kinds)
    if key == "release":
        return facts.held
    if key == "ban":
        return facts.has_customer
    return True


def _blocked(key: str, facts: OrderFacts) -> tuple[str, str]:
    """Why a verb that applies cannot run now, as (code, words); ("", "") when it can."""
    if key in ("approve", "rereview") and facts.held:
        return "held", _("held until the call-back: release it first")
    if key == "approve" and facts.blocking:
        words = _("blocked: {finding}").format(finding=translate_stored(facts.blocking[0]))
        return "blocked", words
    if key == "request_info" and facts.open_info_task:
        return "asked", _("already asked; waiting for the customer")
    return "", ""


def verb_states(actor: Actor, facts: OrderFacts) -> tuple[VerbState, ...]:
    """The verbs to show for this order, in declaration order, each enabled or with why not."""
    states = []
    for verb in VERBS:
        if facts.status not in verb.from_states or not _applies(verb.key, facts):
            continue
        missing = next((p for p in _permission_names(verb) if not actor.may(p)), None)
        if missing is not None:
            code = f"permission:{missing.value}"
            why = _(_PERMISSION_WORDS.get(missing, N_("you may not do this")))
        else:
            code, why = _blocked(verb.key, facts)
        label = _(verb.label)
        states.append(VerbState(verb.key, label, verb.shortcut, not why, why, code))
    return tuple(states)
