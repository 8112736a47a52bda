"""Plain data of the stock capability: what the verbs take and return, what screens show.

No SQLAlchemy, no Qt. The verbs are declared here once (``VERBS``): the service refuses
from it, the screen enables its actions from it, the CLI names its commands after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from app.i18n import N_
from app.permissions import Permission

# A quantity typed or scanned above this is a slip of the finger, not a delivery.
MAX_UNITS = 100_000
# Demand window of the reorder suggestion.
DEMAND_DAYS = 30
MIN_REASON_LENGTH = 3


class BinKind(StrEnum):
    RECEIVING = "receiving"
    STORAGE = "storage"
    PICK_FACE = "pick_face"
    OVERFLOW = "overflow"


BIN_KIND_TEXT = {
    BinKind.RECEIVING: N_("Receiving"),
    BinKind.STORAGE: N_("Storage"),
    BinKind.PICK_FACE: N_("Pick face"),
    BinKind.OVERFLOW: N_("Overflow"),
}


class MoveKind(StrEnum):
    """``stock_moves.kind`` values written here; reserve/release/pick belong to picking."""

    RECEIPT = "receipt"
    MOVE = "move"
    ADJUST = "adjust"


# The moves this capability writes; each changes on hand (``to_bin`` adds, ``from_bin``
# takes). Reserve and release (picking) change only ``reserved``.
STOCK_DESK_MOVE_KINDS = ("receipt", "move", "adjust")


class IncomingStatus(StrEnum):
    EXPECTED = "expected"
    RECEIVED = "received"
    CANCELLED = "cancelled"


# The incoming line's life: declared once, refused by the service when not listed.
INCOMING_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (IncomingStatus.EXPECTED, IncomingStatus.EXPECTED),  # partly received
        (IncomingStatus.EXPECTED, IncomingStatus.RECEIVED),
        (IncomingStatus.EXPECTED, IncomingStatus.CANCELLED),
    }
)


@dataclass(frozen=True)
class StockVerb:
    key: str
    label: str  # source text, translated when shown
    permission: Permission
    reason_needed: bool
    shortcut: str = ""


RECEIVE = StockVerb("receive", N_("Receive"), Permission.ADJUST_STOCK, False, "F2")
MOVE = StockVerb("move", N_("Move"), Permission.ADJUST_STOCK, False, "F3")
COUNT = StockVerb("count", N_("Count"), Permission.MANAGE_STOCK, True, "F4")
ADJUST = StockVerb("adjust", N_("Adjust"), Permission.MANAGE_STOCK, True)
ADD_INCOMING = StockVerb("incoming", N_("Add incoming stock"), Permission.MANAGE_STOCK, False)
CANCEL_INCOMING = StockVerb(
    "cancel_incoming", N_("Cancel incoming stock"), Permission.MANAGE_STOCK, True
)
SET_THRESHOLD = StockVerb(
    "threshold", N_("Set low-stock threshold"), Permission.MANAGE_STOCK, False
)
SET_UP = StockVerb("setup", N_("Warehouse setup"), Permission.MANAGE_STOCK, False)

VERBS: dict[str, StockVerb] = {
    verb.key: verb
    for verb in (
        RECEIVE,
        MOVE,
        COUNT,
        ADJUST,
        ADD_INCOMING,
        CANCEL_INCOMING,
        SET_THRESHOLD,
        SET_UP,
    )
}


# --------------------------------------------------------------------------- quants


@dataclass(frozen=True)
class QuantFacts:
    """One quant as the pure rules see it."""

    id: int
    on_hand: int
    reserved: int
    received_date: dt.date

    @property
    def free(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class QuantChange:
    quant_id: int | None  # None: a new quant
    change: int
    received_date: dt.date


@dataclass(frozen=True)
class CountPlan:
    system: int
    counted: int
    reserved: int
    changes: tuple[QuantChange, ...]

    @property
    def difference(self) -> int:
        return self.counted - self.system


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ProductRef:
    id: int
    sku: str
    name: str
    barcode: str | None = None
    fragile: bool = False
    high_value: bool = False


@dataclass(frozen=True)
class BinRef:
    id: int
    code: str
    warehouse_id: int
    warehouse_code: str
    kind: str


@dataclass(frozen=True)
class ReceiveResult:
    sku: str
    name: str
    quantity: int
    bin_code: str
    warehouse_code: str
    received_date: dt.date
    on_hand_in_bin: int
    incoming_id: int | None = None
    incoming_reference: str = ""
    incoming_left: int = 0  # still expected on that line after this receipt
    surplus: int = 0  # units beyond what the line expected


@dataclass(frozen=True)
class MoveResult:
    sku: str
    quantity: int
    from_bin: str
    to_bin: str
    warehouse_code: str
    left_in_from_bin: int
    now_in_to_bin: int


@dataclass(frozen=True)
class CountPreview:
    sku: str
    name: str
    bin_code: str
    warehouse_code: str
    system: int
    counted: int
    reserved: int

    @property
    def difference(self) -> int:
        return self.counted - self.system


@dataclass(frozen=True)
class CountResult:
    sku: str
    bin_code: str
    before: int
    after: int
    reason: str

    @property
    def difference(self) -> int:
        return self.after - self.before


@dataclass(frozen=True)
class IncomingRow:
    id: int
    sku: str
    name: str
    warehouse_code: str | None
    quantity: int
    expected_date: dt.date
    reference: str
    status: str


@dataclass(frozen=True)
class ImportResult:
    file_name: str
    rows: int
    added: int


# --------------------------------------------------------------------------- reads


@dataclass(frozen=True)
class StockRow:
    """One product in one warehouse on the stock screen."""

    product_id: int
    warehouse_id: int
    sku: str
    name: str
    barcode: str | None
    warehouse_code: str
    on_hand: int
    reserved: int
    incoming: int
    min_quantity: int | None
    oldest_received: dt.date | None

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def key(self) -> tuple[str, str]:
        return (self.sku, self.warehouse_code)

    @property
    def is_low(self) -> bool:
        return self.min_quantity is not None and self.available < self.min_quantity


@dataclass(frozen=True)
class QuantRow:
    quant_id: int
    bin_code: str
    bin_kind: str
    pick_sequence: int
    on_hand: int
    reserved: int
    received_date: dt.date
    age_days: int


@dataclass(frozen=True)
class StockDetail:
    row: StockRow
    quants: tuple[QuantRow, ...]
    incoming: tuple[IncomingRow, ...]
    fragile: bool
    high_value: bool


@dataclass(frozen=True)
class LowStockRow:
    sku: str
    name: str
    warehouse_code: str
    on_hand: int
    reserved: int
    available: int
    min_quantity: int
    incoming: int
    next_arrival: dt.date | None
    demand_30d: int
    suggested: int


@dataclass(frozen=True)
class Replenishment:
    """Move ``quantity`` of a product from an overflow/storage bin to its pick face."""

    sku: str
    name: str
    warehouse_code: str
    from_bin: str
    to_bin: str
    quantity: int
    pick_face_now: int
    pick_face_min: int


@dataclass
class DialogueState:
    """Where a scan dialogue (receive, move, count) stands; see ``rules.advance``."""

    verb: str
    product: ProductRef | None = None
    quantity: int | None = None
    from_bin: BinRef | None = None
    to_bin: BinRef | None = None
    done: bool = False
    notes: list[str] = field(default_factory=list)
