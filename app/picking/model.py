"""Plain data of allocation and picking: what the planner reads and decides, what the
screens show, and the pick-list verbs declared once (from-states, permission, reason)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from app.i18n import N_, _, current_language, ngettext
from app.permissions import Permission

# --------------------------------------------------------------------------- planner input


@dataclass(frozen=True)
class QuantFacts:
    quant_id: int
    product_id: int
    warehouse_id: int
    bin_id: int
    free: int  # on hand less reserved
    received_date: dt.date


@dataclass(frozen=True)
class LineNeed:
    order_line_id: int
    product_id: int
    category: str
    quantity: int


@dataclass(frozen=True)
class OrderNeed:
    order_id: int
    lines: tuple[LineNeed, ...]
    country: str = ""
    priority: int = 0
    ship_by_at: dt.datetime | None = None
    requested_service: str = "standard"
    placed_at: dt.datetime = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Routing:
    """category → warehouses allowed (absent: ``fallback``, each warehouse's own
    category list, empty = all); country → warehouses preferred, best first."""

    category_warehouses: Mapping[str, frozenset[int]] = field(default_factory=dict)
    country_preference: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    warehouse_categories: Mapping[int, frozenset[str]] = field(default_factory=dict)
    only: frozenset[int] | None = None  # e.g. the store's own stock at the shop counter

    def allowed(self, category: str) -> frozenset[int] | None:
        """Warehouses that may ship ``category``; None means every warehouse."""
        if self.only is not None:
            return self.only
        if category in self.category_warehouses:
            return self.category_warehouses[category]
        if not any(self.warehouse_categories.values()):
            return None
        return frozenset(
            w for w, cats in self.warehouse_categories.items() if not cats or category in cats
        )

    def preference(self, country: str) -> Callable[[int], tuple[int, int]]:
        preferred = self.country_preference.get(country, ())
        return lambda w: (preferred.index(w) if w in preferred else len(preferred), w)


# --------------------------------------------------------------------------- planner output


@dataclass(frozen=True)
class Take:
    order_line_id: int
    product_id: int
    quant_id: int
    warehouse_id: int
    quantity: int


@dataclass(frozen=True)
class ShortLine:
    product_id: int
    wanted: int
    available: int


@dataclass(frozen=True)
class OrderPlan:
    order_id: int
    takes: tuple[Take, ...]
    warehouses: tuple[int, ...]
    short: tuple[ShortLine, ...] = ()

    @property
    def filled(self) -> bool:
        return not self.short


# --------------------------------------------------------------------------- pick lists


@dataclass(frozen=True)
class ShipmentFacts:
    shipment_id: int
    carrier: str
    key: tuple  # priority_key of its order


@dataclass(frozen=True)
class TaskFacts:
    task_id: int
    slot: int
    bin_id: int
    bin_code: str
    pick_sequence: int
    product_id: int
    sku: str
    quantity: int


@dataclass(frozen=True)
class StopTask:
    task_id: int
    slot: int
    quantity: int


@dataclass(frozen=True)
class Stop:
    number: int
    bin_id: int
    bin_code: str
    product_id: int
    sku: str
    tasks: tuple[StopTask, ...]

    @property
    def quantity(self) -> int:
        return sum(t.quantity for t in self.tasks)


class ShortPickChoice(StrEnum):
    """What happens to a shipment with a short line (the default is a setting)."""

    SHIP_PARTIAL = "ship_partial"  # ship what was picked; the rest follows
    HOLD = "hold"  # hold the whole shipment until customer service decides


@dataclass(frozen=True)
class PickingSettings:
    batch_size: int = 8  # shipments per batch list
    short_pick_default: ShortPickChoice = ShortPickChoice.SHIP_PARTIAL
    max_attempts: int = 5  # transient lock/serialization errors retried this often


# --------------------------------------------------------------------------- verbs as data


class ListStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    FINISHED = "finished"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PickVerb:
    name: str
    label: str  # N_()-marked; translate where shown
    from_states: frozenset[str]
    permission: Permission
    target: str | None = None  # the list's status after it; None = unchanged
    reason_needed: bool = False
    supervisor: bool = False  # another picker's list: needs ALLOCATE_STOCK + supervisor role
    own_list: bool = False  # only the picker holding the list (or a supervisor)
    shortcut: str = ""


_CLAIMED = frozenset({ListStatus.CLAIMED.value})
_PICK = Permission.PICK_AND_PACK

PICK_VERBS: dict[str, PickVerb] = {
    v.name: v
    for v in (
        PickVerb("claim", N_("Claim"), frozenset({"open"}), _PICK, "claimed"),
        PickVerb("scan", N_("Scan"), _CLAIMED, _PICK, own_list=True),
        PickVerb("undo", N_("Undo last scan"), _CLAIMED, _PICK, own_list=True, shortcut="F4"),
        PickVerb("confirm", N_("Confirm handling"), _CLAIMED, _PICK, own_list=True),
        PickVerb("short", N_("Short pick"), _CLAIMED, _PICK, own_list=True, shortcut="F8"),
        PickVerb("finish", N_("Finish"), _CLAIMED, _PICK, "finished", own_list=True),
        PickVerb("release", N_("Release"), _CLAIMED, _PICK, "open", own_list=True),
        PickVerb(
            "take_over",
            N_("Take over"),
            _CLAIMED,
            Permission.SUPERVISE_WAREHOUSE,
            "claimed",
            reason_needed=True,
            supervisor=True,
        ),
    )
}


@dataclass(frozen=True)
class VerbState:
    enabled: bool
    why_not: str = ""


# --------------------------------------------------------------------------- what screens read


@dataclass(frozen=True)
class AllocationSummary:
    allocated: int = 0
    split: int = 0
    stock_short: int = 0
    shipments: int = 0

    def __add__(self, other: AllocationSummary) -> AllocationSummary:
        return AllocationSummary(
            self.allocated + other.allocated,
            self.split + other.split,
            self.stock_short + other.stock_short,
            self.shipments + other.shipments,
        )

    def as_json(self) -> dict[str, int]:
        return {
            "allocated": self.allocated,
            "split": self.split,
            "stock_short": self.stock_short,
            "shipments": self.shipments,
        }


def allocation_text(summary: AllocationSummary, *, by_system: bool = False) -> str:
    """What an allocation run did, in one sentence (the CLI, the picking and review desks)."""
    n = summary.allocated
    head = (
        ngettext("The system allocated {count} order", "The system allocated {count} orders", n)
        if by_system
        else ngettext("Allocated {count} order", "Allocated {count} orders", n)
    ).format(count=n)
    parts = [
        ngettext("{count} shipment", "{count} shipments", summary.shipments),
        ngettext("{count} split over warehouses", "{count} split over warehouses", summary.split),
        ngettext("{count} back to stock short", "{count} back to stock short", summary.stock_short),
    ]
    counts = (summary.shipments, summary.split, summary.stock_short)
    from babel.lists import format_list

    rest = format_list(
        [p.format(count=c) for p, c in zip(parts, counts, strict=True)],
        locale=current_language(),
    )
    return _("{head}: {rest}.").format(head=head, rest=rest)


@dataclass(frozen=True)
class PickListRow:
    list_id: int
    number: str
    warehouse: str
    kind: str
    status: str
    shipments: int
    stops: int
    units: int
    carrier: str
    picker: str
    created_at: dt.datetime
    version: int


@dataclass(frozen=True)
class StopView:
    number: int
    bin_code: str
    sku: str
    barcode: str | None
    product_name: str
    spec: str
    quantity: int
    picked: int
    short: int
    totes: tuple[tuple[str, int, int], ...]  # (tote or slot label, wanted, picked)
    fragile: bool
    high_value: bool

    @property
    def done(self) -> bool:
        return self.picked + self.short >= self.quantity

    @property
    def needs_confirmation(self) -> bool:
        return self.fragile or self.high_value


class Step(StrEnum):
    """What the picker is asked for next."""

    TOTE = "tote"  # put a tote in place for the next shipment
    BIN = "bin"
    CONFIRM = "confirm"  # fragile / high value: confirm handling
    ITEM = "item"  # scan the item (or type the count)
    DONE = "done"  # every stop picked or short: finish


@dataclass(frozen=True)
class PickState:
    list_id: int
    number: str
    status: str
    picker: str
    version: int
    step: Step
    stop: StopView | None
    stops_done: int
    stops_total: int
    wrong_scans: int
    tote_for: str = ""  # shipment number awaiting a tote (step TOTE)
    last_scan: str = ""
    picker_id: int | None = None


@dataclass(frozen=True)
class ScanResult:
    ok: bool
    message: str
    state: PickState
    units: int = 0


# The stock check's rules and the things they name, in words (the JSON keeps the codes).
CHECK_RULE_WORDS = {
    "reserved_equals_reservations": N_("reserved equals the open reservations"),
    "nothing_negative": N_("nothing negative, reserved within on hand"),
    "reservation_of_open_order": N_("reservations belong to open orders"),
    "reservation_of_open_shipment": N_("reservations belong to open shipments"),
    "picked_left_stock": N_("picked units left stock"),
}
CHECK_SUBJECT_WORDS = {"quant": N_("stock record {id}"), "reservation": N_("reservation {id}")}


@dataclass(frozen=True)
class CheckViolation:
    """One broken stock invariant, as codes and values: ``detail`` is a marked template
    (``N_``) filled from ``values``; ``said()`` makes the line in the reader's language and
    ``as_json`` stays language-neutral."""

    rule: str
    subject: str  # "quant", "reservation" (with its id) or "order" (its number)
    subject_id: int | str
    detail_template: str
    values: Mapping[str, object] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return (
            str(self.subject_id) if self.subject == "order" else f"{self.subject} {self.subject_id}"
        )

    @property
    def detail(self) -> str:
        """The detail in English (the source text), for logs."""
        return self.detail_template.format(**self.values)

    def said(self) -> str:
        """``rule: where: detail`` in the current language."""
        from app.i18n import _
        from app.orders.history import status_words

        values = {
            name: status_words(str(value)) if name == "status" else value
            for name, value in self.values.items()
        }
        where = (
            _(CHECK_SUBJECT_WORDS[self.subject]).format(id=self.subject_id)
            if self.subject in CHECK_SUBJECT_WORDS
            else str(self.subject_id)
        )
        rule = _(CHECK_RULE_WORDS.get(self.rule, self.rule))
        return f"{rule}: {where}: {_(self.detail_template).format(**values)}"

    def as_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "where": self.where,
            "detail": self.detail,
            "values": dict(self.values),
        }
