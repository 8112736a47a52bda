"""Pure decisions of the stock capability: no SQLAlchemy, no Qt, plain data in and out.

* quantities: what a typed or scanned quantity may be;
* which quants a move or a count takes units from (oldest received first, never reserved
  units), and where a receipt or a gain goes;
* what a receipt does to an expected incoming line;
* the reorder suggestion and the replenishment of pick faces;
* the scan dialogues of the stock desk (receive, move, count) as a small state machine,
  so the screen only says what the rules decided.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from app.errors import InvalidInput
from app.i18n import _
from app.stock.model import (
    MAX_UNITS,
    BinKind,
    BinRef,
    CountPlan,
    DialogueState,
    ProductRef,
    QuantChange,
    QuantFacts,
)

# --------------------------------------------------------------------------- quantities


def parse_quantity(field: str, value: object, *, allow_zero: bool = False) -> int:
    """A whole number of units, 1..MAX_UNITS (0 allowed for a count); else InvalidInput."""
    lowest = 0 if allow_zero else 1
    expected = _("a whole number of units from {low} to {high:,}").format(
        low=lowest, high=MAX_UNITS
    )
    if isinstance(value, bool):
        raise InvalidInput(field, value, expected)
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not text.lstrip("-").isdigit():
            raise InvalidInput(field, value, expected)
        number = int(text)
    if number < lowest or number > MAX_UNITS:
        raise InvalidInput(field, value, expected)
    return number


def looks_like_quantity(text: str) -> bool:
    """A short run of digits is a quantity; a barcode (EAN, UPC) is longer."""
    text = text.strip()
    return text.isdigit() and len(text) <= len(str(MAX_UNITS))


# --------------------------------------------------------------------------- quants


def take_oldest_first(quants: Sequence[QuantFacts], units: int) -> list[tuple[QuantFacts, int]]:
    """Free units (never reserved ones) from the oldest received quants first.

    Returns (quant, units taken) pairs; fewer than ``units`` in total when the quants
    do not hold enough -- the caller refuses then.
    """
    taken: list[tuple[QuantFacts, int]] = []
    left = units
    for quant in sorted(quants, key=lambda q: (q.received_date, q.id)):
        if left <= 0:
            break
        portion = min(quant.free, left)
        if portion > 0:
            taken.append((quant, portion))
            left -= portion
    return taken


def free_units(quants: Iterable[QuantFacts]) -> int:
    return sum(max(0, quant.free) for quant in quants)


def plan_count(quants: Sequence[QuantFacts], counted: int, today: dt.date) -> CountPlan:
    """How a counted quantity replaces the system's one in a bin.

    A loss comes off the free units of the oldest quants first (pickers take oldest first,
    so those are the ones most likely gone); a gain joins the newest quant, or a new quant
    received today when the bin held none. A count below what is reserved is the caller's
    to refuse (``CountPlan.counted < reserved``); this plan never touches reserved units.
    """
    system = sum(q.on_hand for q in quants)
    reserved = sum(q.reserved for q in quants)
    difference = counted - system
    changes: list[QuantChange] = []
    if difference > 0:
        if quants:
            newest = max(quants, key=lambda q: (q.received_date, q.id))
            changes.append(QuantChange(newest.id, difference, newest.received_date))
        else:
            changes.append(QuantChange(None, difference, today))
    elif difference < 0:
        for quant, units in take_oldest_first(quants, -difference):
            changes.append(QuantChange(quant.id, -units, quant.received_date))
    return CountPlan(system=system, counted=counted, reserved=reserved, changes=tuple(changes))


def count_is_possible(plan: CountPlan) -> bool:
    return plan.counted >= plan.reserved and sum(c.change for c in plan.changes) == plan.difference


# --------------------------------------------------------------------------- incoming


@dataclass(frozen=True)
class IncomingAfterReceipt:
    left: int  # still expected on the line
    closed: bool
    surplus: int  # received beyond what the line still expected


def incoming_after_receipt(expected_left: int, received: int) -> IncomingAfterReceipt:
    """Receiving against a line reduces what it still expects, and closes it when met."""
    if received >= expected_left:
        return IncomingAfterReceipt(0, True, received - expected_left)
    return IncomingAfterReceipt(expected_left - received, False, 0)


def choose_incoming_line(
    lines: Sequence[tuple[int, int | None, dt.date]], warehouse_id: int
) -> int | None:
    """The line a receipt books against: this warehouse's first (then any warehouse's).

    ``lines``: (id, warehouse id or None, expected date) of the product's expected lines.
    """
    own = [line for line in lines if line[1] == warehouse_id]
    unassigned = [line for line in lines if line[1] is None]
    for candidates in (own, unassigned):
        if candidates:
            return min(candidates, key=lambda line: (line[2], line[0]))[0]
    return None


# --------------------------------------------------------------------------- reordering


def warehouse_demand(
    product_demand: int, shipped_here: int, shipped_everywhere: int, ruled_warehouses: int
) -> int:
    """A warehouse's part of a product's demand over the window.

    Orders have no warehouse until they are allocated, so demand is per product; a
    warehouse carries the share it shipped of that product, or an equal share among the
    warehouses with a threshold for it when nothing was shipped.
    """
    if product_demand <= 0:
        return 0
    if shipped_everywhere > 0:
        return math.ceil(product_demand * shipped_here / shipped_everywhere)
    return math.ceil(product_demand / max(1, ruled_warehouses))


def suggested_reorder(
    *, min_quantity: int, pack_size: int, available: int, incoming: int, demand: int
) -> int:
    """Enough for another window like the last one plus the threshold, less what is here
    or on its way, in whole packs; never negative."""
    wanted = demand + min_quantity - max(0, available) - incoming
    if wanted <= 0:
        return 0
    pack = max(1, pack_size)
    return math.ceil(wanted / pack) * pack


def is_low(available: int, min_quantity: int | None) -> bool:
    return min_quantity is not None and available < min_quantity


# --------------------------------------------------------------------------- replenishment


@dataclass(frozen=True)
class PickFaceFacts:
    product_id: int
    bin_code: str
    on_hand: int
    min_quantity: int
    max_quantity: int


@dataclass(frozen=True)
class ReserveBinFacts:
    """Free stock of the product in a bin that feeds pick faces (overflow, storage)."""

    product_id: int
    bin_code: str
    kind: str
    free: int
    oldest: dt.date


def plan_replenishment(
    faces: Sequence[PickFaceFacts], reserves: Sequence[ReserveBinFacts]
) -> list[tuple[PickFaceFacts, ReserveBinFacts, int]]:
    """Pick faces below their minimum, refilled to their maximum from overflow first, then
    storage, oldest stock first; (face, source bin, units) per suggested move."""
    by_product: dict[int, list[ReserveBinFacts]] = {}
    for reserve in reserves:
        if reserve.free > 0 and reserve.kind in (BinKind.OVERFLOW, BinKind.STORAGE):
            by_product.setdefault(reserve.product_id, []).append(reserve)
    left = {id(r): r.free for r in reserves}
    moves = []
    for face in sorted(faces, key=lambda f: (f.on_hand - f.min_quantity, f.bin_code)):
        if face.on_hand >= face.min_quantity:
            continue
        wanted = face.max_quantity - face.on_hand
        sources = sorted(
            by_product.get(face.product_id, ()),
            key=lambda r: (r.kind != BinKind.OVERFLOW, r.oldest, r.bin_code),
        )
        for source in sources:
            if wanted <= 0:
                break
            units = min(wanted, left[id(source)])
            if units > 0:
                moves.append((face, source, units))
                left[id(source)] -= units
                wanted -= units
    return moves


# --------------------------------------------------------------------------- bins


def check_walk_order(sequences: Mapping[str, int]) -> list[str]:
    """Bins of one warehouse sharing a walk position: the walk would be ambiguous."""
    seen: dict[int, str] = {}
    problems = []
    for code, sequence in sorted(sequences.items(), key=lambda item: (item[1], item[0])):
        if sequence in seen:
            problems.append(
                _("bins {first} and {second} share walk position {position}").format(
                    first=seen[sequence], second=code, position=sequence
                )
            )
        else:
            seen[sequence] = code
    return problems


# --------------------------------------------------------------------------- scan dialogues


@dataclass(frozen=True)
class Token:
    """One scan or typed entry, as the shell identified it."""

    kind: str  # product, bin, number, empty, unknown
    text: str = ""
    product: ProductRef | None = None
    bin: BinRef | None = None
    number: int | None = None


@dataclass(frozen=True)
class Step:
    state: DialogueState
    prompt: str
    error: str = ""
    ready: bool = False  # the state holds a complete action: book it now
    preview: bool = False  # count: show the difference, book on the next Enter


def start(verb: str) -> Step:
    state = DialogueState(verb=verb)
    return Step(state, prompt_for(state))


def prompt_for(state: DialogueState) -> str:
    if state.verb == "receive":
        if state.product is None:
            return _("Scan the product (barcode or SKU)")
        return _("{qty} × {sku}: scan again for more, type a quantity, or scan the bin").format(
            qty=state.quantity or 1, sku=state.product.sku
        )
    if state.verb == "move":
        if state.from_bin is None:
            return _("Scan the bin to take from")
        if state.product is None:
            return _("From {bin}: scan the product").format(bin=state.from_bin.code)
        return _(
            "{qty} × {sku} from {bin}: scan again for more, type a quantity, or scan the "
            "bin to put it in"
        ).format(qty=state.quantity or 1, sku=state.product.sku, bin=state.from_bin.code)
    # count
    if state.from_bin is None:
        return _("Scan the bin to count")
    if state.product is None:
        return _("Counting {bin}: scan the product").format(bin=state.from_bin.code)
    if state.quantity is None:
        return _("Counting {sku} in {bin}: scan each unit or type the count").format(
            sku=state.product.sku, bin=state.from_bin.code
        )
    return _("{qty} × {sku} counted in {bin}: press Enter to book, or keep counting").format(
        qty=state.quantity, sku=state.product.sku, bin=state.from_bin.code
    )


def advance(state: DialogueState, token: Token) -> Step:
    """The next step of a dialogue after one scan; the given state is not changed."""
    new = dataclasses.replace(state, notes=list(state.notes))
    if token.kind == "unknown":
        return Step(state, prompt_for(state), error=token.text)
    if state.verb == "receive":
        return _advance_receive(state, new, token)
    if state.verb == "move":
        return _advance_move(state, new, token)
    return _advance_count(state, new, token)


def _refuse(state: DialogueState, message: str) -> Step:
    return Step(state, prompt_for(state), error=message)


def _add_product(state: DialogueState, new: DialogueState, token: Token, start_at: int) -> Step:
    assert token.product is not None
    if state.product is None:
        new.product = token.product
        new.quantity = start_at
        return Step(new, prompt_for(new))
    if state.product.id != token.product.id:
        return _refuse(
            state,
            _("{other} is another product: finish {sku} first, or press Esc to start over").format(
                other=token.product.sku, sku=state.product.sku
            ),
        )
    new.quantity = min(MAX_UNITS, (state.quantity or 0) + 1)
    return Step(new, prompt_for(new))


def _set_number(state: DialogueState, new: DialogueState, token: Token, allow_zero: bool) -> Step:
    if state.product is None:
        return _refuse(state, _("Scan the product before typing a quantity"))
    lowest = 0 if allow_zero else 1
    if token.number is None or not lowest <= token.number <= MAX_UNITS:
        return _refuse(
            state,
            _("Quantity: {value} is not a number of units from {low} to {high:,}").format(
                value=token.text, low=lowest, high=MAX_UNITS
            ),
        )
    new.quantity = token.number
    return Step(new, prompt_for(new))


def _advance_receive(state: DialogueState, new: DialogueState, token: Token) -> Step:
    if token.kind == "product":
        return _add_product(state, new, token, 1)
    if token.kind == "number":
        return _set_number(state, new, token, allow_zero=False)
    if token.kind == "bin":
        if state.product is None:
            return _refuse(state, _("Scan the product first, then the bin it goes into"))
        new.to_bin = token.bin
        return Step(new, prompt_for(new), ready=True)
    return Step(state, prompt_for(state))


def _advance_move(state: DialogueState, new: DialogueState, token: Token) -> Step:
    if token.kind == "bin":
        if state.from_bin is None:
            new.from_bin = token.bin
            return Step(new, prompt_for(new))
        if state.product is None:
            return _refuse(state, _("Scan the product to move before the bin to put it in"))
        assert token.bin is not None
        if token.bin.id == state.from_bin.id:
            return _refuse(
                state,
                _("{bin} is the bin you take from: scan another bin").format(bin=token.bin.code),
            )
        new.to_bin = token.bin
        return Step(new, prompt_for(new), ready=True)
    if token.kind == "product":
        if state.from_bin is None:
            return _refuse(state, _("Scan the bin to take from first"))
        return _add_product(state, new, token, 1)
    if token.kind == "number":
        return _set_number(state, new, token, allow_zero=False)
    return Step(state, prompt_for(state))


def _advance_count(state: DialogueState, new: DialogueState, token: Token) -> Step:
    if token.kind == "bin":
        if state.from_bin is not None and state.product is not None:
            return _refuse(
                state,
                _("Finish counting {bin} (Enter) or press Esc").format(bin=state.from_bin.code),
            )
        new.from_bin = token.bin
        return Step(new, prompt_for(new))
    if token.kind == "product":
        if state.from_bin is None:
            return _refuse(state, _("Scan the bin to count first"))
        # The first scan names the product and is its first unit; a typed number replaces it.
        step = _add_product(state, new, token, 1)
        return dataclasses.replace(step, preview=not step.error)
    if token.kind == "number":
        step = _set_number(state, new, token, allow_zero=True)
        return dataclasses.replace(step, preview=not step.error)
    if token.kind == "empty":
        if state.product is None or state.quantity is None:
            return Step(state, prompt_for(state))
        return Step(state, prompt_for(state), ready=True)
    return Step(state, prompt_for(state))
