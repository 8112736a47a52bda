"""Verbs of shipping, one transaction each: choose a shipment's carrier service, record a
parcel's tracking number, import a carrier-issued label, hand a parcel over by scanning
its label (the shipment ships when its last parcel leaves; the order follows).

The verbs run at every parcel, so they read and write through statements built once
(Core on the session's connection, no ORM objects): each reads what it decides on in one
statement and writes with guarded updates whose row counts say whether another desk got
there first. The carrier tables come from the per-process copy (``carrier_table``).
"""

from __future__ import annotations

import dataclasses
import decimal
from collections import namedtuple

from sqlalchemy import bindparam, func, literal_column, select, type_coerce, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from app.audit import record_event
from app.errors import AlreadyExists, ConcurrentUpdate, InvalidInput, NotFound
from app.i18n import N_, NP_
from app.numbers import entity_number, order_number, parse_number
from app.permissions import Actor, Permission, require
from app.prepared import Prepared
from app.shipping.carrier_table import carrier_table
from app.shipping.errors import ShipmentNotReady, UnknownLabelScan
from app.shipping.model import HandOver, ParcelNeeds, ServiceChoice
from app.shipping.rules import choose_service, level_of
from app.shipping.tracking_numbers import (
    check_tracking_number,
    normalise,
    own_fleet_tracking_number,
)
from app.uow import UnitOfWork
from app.workflow import (
    OrderStatus,
    RecordState,
    ShipmentStatus,
    apply_plans_guarded,
    may_transition,
    plan_transition,
)
from db.models import Order, OrderLine, Product, Shipment, ShipmentLine, utcnow
from db.models_picking import Reservation
from db.models_shipping import Parcel

SS = ShipmentStatus
# A shipment in one of these has left the building.
DISPATCHED = frozenset(
    {SS.SHIPPED, SS.IN_TRANSIT, SS.DELIVERED, SS.DELAYED, SS.LOST, SS.DAMAGED, SS.RETURNED}
)

_shipments = Shipment.__table__
_orders = Order.__table__
_parcels = Parcel.__table__
_lines = ShipmentLine.__table__
_order_lines = OrderLine.__table__


def _named(statement, name: str):
    """A builder of rows read by attribute from ``Prepared``'s tuples (its columns' keys)."""
    return namedtuple(name, [column.key for column in statement.selected_columns])._make


# --------------------------------------------------------------------------- carrier choice

# The goods of a shipment: their value, the parcels' weighed total, the products' weights.
_GOODS_VALUE = (
    select(
        func.coalesce(
            func.sum(OrderLine.line_total_cents * ShipmentLine.quantity / OrderLine.quantity), 0
        )
    )
    .select_from(ShipmentLine)
    .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
    .where(ShipmentLine.shipment_id == bindparam("sid"))
    .scalar_subquery()
)
_WEIGHED = (
    select(func.sum(Parcel.weight_g))
    .where(Parcel.shipment_id == bindparam("sid"), Parcel.status != "voided")
    .scalar_subquery()
)
_PRODUCTS_WEIGHT = (
    select(func.coalesce(func.sum(Product.weight_g * ShipmentLine.quantity), 0))
    .select_from(ShipmentLine)
    .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
    .join(Product, Product.id == OrderLine.product_id)
    .where(ShipmentLine.shipment_id == bindparam("sid"))
    .scalar_subquery()
)
_GOODS = (
    _GOODS_VALUE.label("value"),
    _WEIGHED.label("weighed"),
    _PRODUCTS_WEIGHT.label("products_weight"),
)
# Everything the choice reads, in one statement.
_CHOICE_READ = (
    select(
        _shipments.c.id,
        _shipments.c.status,
        _shipments.c.version,
        _shipments.c.weight_g,
        _orders.c.requested_service,
        _orders.c.currency,
        _orders.c.ship_country,
        # Read as the driver gives it (``_cents`` converts): PostgreSQL's NUMERIC result
        # conversion needs the column's type code, which a driver-run statement lacks.
        type_coerce(_GOODS_VALUE, NullType()).label("value"),
        *_GOODS[1:],
    )
    .select_from(_shipments.join(_orders, _orders.c.id == _shipments.c.order_id))
    .where(_shipments.c.id == bindparam("sid"))
)
_CHOICE_ROW = _named(_CHOICE_READ, "ChoiceRow")
_CHOICE_READ_RUN = Prepared(_CHOICE_READ)
_SET_SHIPMENT_SERVICE = (
    update(_shipments)
    .where(_shipments.c.id == bindparam("sid"), _shipments.c.version == bindparam("seen"))
    .values(
        carrier=bindparam("carrier_code"),
        service=bindparam("service_code"),
        version=_shipments.c.version + 1,
    )
)
_SET_PARCELS_SERVICE = (
    update(_parcels)
    .where(_parcels.c.shipment_id == bindparam("sid"), _parcels.c.status != "voided")
    .values(
        carrier_service_id=bindparam("service_id"),
        signature_required=bindparam("signature"),
        insured=bindparam("insurance"),
        version=_parcels.c.version + 1,
    )
)
_SET_SHIPMENT_SERVICE_RUN = Prepared(_SET_SHIPMENT_SERVICE)
_SET_PARCELS_SERVICE_RUN = Prepared(_SET_PARCELS_SERVICE)


def _needs(
    requested_service: str | None,
    currency: str,
    country: str | None,
    shipment_weight_g: int | None,
    goods: Row,
) -> ParcelNeeds:
    """Value of the goods in the shipment, and its weight: the parcels' weighed total, else
    the shipment's, else the products' weights."""
    weight = goods.weighed or shipment_weight_g or goods.products_weight
    return ParcelNeeds(
        requested_level=level_of(requested_service),
        value_cents=_cents(goods.value),
        currency=currency,
        weight_g=int(weight or 0),
        country_code=country or "",
    )


def _cents(value) -> int:
    """The goods' value in whole cents, truncated, as SQLAlchemy's NUMERIC reading would
    give it: a float (SQLite's division) through ten decimal places first."""
    if not value:
        return 0
    if isinstance(value, float):
        return int(decimal.Decimal(f"{value:.10f}"))
    return int(value)


def read_for_choice(session: Session, shipment_id: int):
    """The shipment as the carrier choice reads it (level asked, destination, weights,
    value, version); None when there is no such shipment."""
    found = _CHOICE_READ_RUN.first(session, {"sid": shipment_id})
    return None if found is None else _CHOICE_ROW(found)


def rules_choice_for(session: Session, row) -> ServiceChoice:
    """The carrier service the rules choose for a shipment read by ``read_for_choice``."""
    needs = _needs(row.requested_service, row.currency, row.ship_country, row.weight_g, row)
    return choose_service(carrier_table(session).options, needs)


def record_choice(session: Session, actor: Actor, row, choice: ServiceChoice) -> int:
    """``choice`` written on the shipment (guarded by the version ``row`` was read at) and
    on its parcels not voided, and audited, in the caller's transaction; the shipment's
    version after it."""
    option = choice.option
    changed = _SET_SHIPMENT_SERVICE_RUN.rowcount(
        session,
        {
            "sid": row.id,
            "seen": row.version,
            "carrier_code": option.carrier_code,
            "service_code": option.service_code,
        },
    )
    if changed != 1:
        raise ConcurrentUpdate(entity_number("shipment", row.id))
    _SET_PARCELS_SERVICE_RUN.rowcount(
        session,
        {
            "sid": row.id,
            "service_id": option.service_id,
            "signature": choice.signature,
            "insurance": choice.insurance,
        },
    )
    _record_choice(session, actor, row.id, choice)
    return row.version + 1


def choose_carrier(uow: UnitOfWork, actor: Actor, shipment_id: int) -> ServiceChoice:
    """Choose and record the shipment's carrier service (on the shipment and its parcels)."""
    require(actor, Permission.PICK_AND_PACK)
    with uow:
        session = uow.session
        row = read_for_choice(session, shipment_id)
        if row is None:
            raise NotFound(N_("shipment"), entity_number("shipment", shipment_id))
        _refuse_if_gone(shipment_id, row.status)
        choice = rules_choice_for(session, row)
        record_choice(session, actor, row, choice)
        uow.commit()
        return choice


def _record_choice(session: Session, actor: Actor, shipment_id: int, choice: ServiceChoice):
    option = choice.option
    record_event(
        session,
        actor,
        entity_type="shipment",
        entity_id=shipment_id,
        action="carrier",
        detail={
            "carrier": option.carrier_code,
            "service": option.service_code,
            "signature": choice.signature,
            "insurance": choice.insurance,
            "faster_than_asked": choice.faster_than_asked,
        },
    )


# --------------------------------------------------------------------------- tracking numbers

_other_parcels = _parcels.alias("other_parcels")
# The parcel, and another parcel already holding the number it is to get.
_PARCEL_FOR_NUMBER = select(
    _parcels.c.shipment_id,
    _parcels.c.carrier_service_id,
    _parcels.c.tracking_number,
    _parcels.c.version,
    select(_other_parcels.c.id)
    .where(
        _other_parcels.c.tracking_number == bindparam("number"),
        _other_parcels.c.id != bindparam("pid"),
    )
    .limit(1)
    .scalar_subquery()
    .label("taken_by"),
).where(_parcels.c.id == bindparam("pid"))
_PARCEL_ROW = _named(_PARCEL_FOR_NUMBER, "ParcelRow")
_PARCEL_FOR_NUMBER_RUN = Prepared(_PARCEL_FOR_NUMBER)
_TAKEN = (
    select(_parcels.c.id)
    .where(_parcels.c.tracking_number == bindparam("number"), _parcels.c.id != bindparam("pid"))
    .limit(1)
)
_SET_NUMBER = (
    update(_parcels)
    .where(_parcels.c.id == bindparam("pid"), _parcels.c.version == bindparam("seen"))
    .values(tracking_number=bindparam("number"), version=_parcels.c.version + 1)
)
_TAKEN_RUN = Prepared(_TAKEN)
_SET_NUMBER_RUN = Prepared(_SET_NUMBER)


def record_tracking_number(
    uow: UnitOfWork, actor: Actor, parcel_id: int, text: str | None = None
) -> str:
    """Check ``text`` against the parcel's carrier (format, check digit) and record it; for
    our own fleet, an empty ``text`` generates the number. A number already on another
    parcel is refused."""
    require(actor, Permission.PICK_AND_PACK)
    blank = not (text or "").strip()
    # The number as it will be stored, if it passes: looked for on other parcels in the
    # same statement that reads the parcel.
    expected = _own_fleet_number(parcel_id) if blank else normalise(text or "")
    with uow:
        session = uow.session
        found = _PARCEL_FOR_NUMBER_RUN.first(session, {"pid": parcel_id, "number": expected})
        if found is None:
            raise NotFound(N_("parcel"), parcel_id)
        row = _PARCEL_ROW(found)
        carrier, _service = carrier_table(session).carrier_of_service(row.carrier_service_id)
        if carrier is None:
            raise InvalidInput("carrier", "", N_("a carrier service chosen for the parcel first"))
        if blank and carrier.code == "own_fleet":
            number = own_fleet_tracking_number(parcel_id)
        else:
            number = check_tracking_number(carrier.code, text or "", carrier.name)
        taken = row.taken_by
        if number != expected:  # not what was looked for: look again
            taken = _TAKEN_RUN.scalar(session, {"pid": parcel_id, "number": number})
        if taken is not None:
            raise AlreadyExists(N_("tracking number"), number)
        changed = _SET_NUMBER_RUN.rowcount(
            session, {"pid": parcel_id, "seen": row.version, "number": number}
        )
        if changed != 1:
            raise ConcurrentUpdate(entity_number("shipment", row.shipment_id))
        record_event(
            session,
            actor,
            entity_type="parcel",
            entity_id=parcel_id,
            action="tracking_number",
            from_state=row.tracking_number,
            to_state=number,
        )
        uow.commit()
        return number


def _own_fleet_number(parcel_id: int) -> str:
    try:
        return own_fleet_tracking_number(parcel_id)
    except ValueError:  # an id past ten digits: the verb says so once the carrier is known
        return ""


# --------------------------------------------------------------------------- hand-over

# What the order's and shipment's moves read (workflow.plan_transition stamps a stage
# time the first time only).
_ORDER_STAMPS = (
    "reviewed_at",
    "approved_at",
    "allocated_at",
    "shipped_at",
    "delivered_at",
    "cancelled_at",
)
_SHIPMENT_STAMPS = ("shipped_at", "delivered_at")
_scanned_parcels = _parcels.alias("scanned")
_sibling_shipments = _shipments.alias("siblings")
# The order's other shipments still in the building (a cancelled one never leaves).
_OTHERS_HERE = (
    select(func.count())
    .select_from(_sibling_shipments)
    .where(
        _sibling_shipments.c.order_id == _shipments.c.order_id,
        _sibling_shipments.c.id != _shipments.c.id,
        # The statuses written into the statement: no list parameter to expand per scan.
        _sibling_shipments.c.status.not_in(
            [literal_column(f"'{status}'") for status in sorted(DISPATCHED | {SS.CANCELLED})]
        ),
    )
    .scalar_subquery()
)
# Units still promised to the shipment but never picked (open reservations).
_UNPICKED = (
    select(func.coalesce(func.sum(Reservation.quantity), 0))
    .select_from(Reservation)
    .join(ShipmentLine, ShipmentLine.id == Reservation.shipment_line_id)
    .where(ShipmentLine.shipment_id == _shipments.c.id, Reservation.state == "open")
    .scalar_subquery()
)
# The shipment (locked: a cancel waits for the hand-over, or the hand-over sees it), its
# order, and all its parcels in sequence: one row per parcel.
_HAND_OVER_READ = (
    select(
        _shipments.c.id.label("shipment_id"),
        _shipments.c.status,
        _shipments.c.version,
        _shipments.c.order_id,
        _shipments.c.carrier,
        _shipments.c.tracking_number,
        # Whether each stage time is set (all a move reads of them): no times to parse.
        *(_shipments.c[c].is_not(None).label(c) for c in _SHIPMENT_STAMPS),
        _orders.c.status.label("order_status"),
        _orders.c.version.label("order_version"),
        *(_orders.c[c].is_not(None).label(f"order_{c}") for c in _ORDER_STAMPS),
        _OTHERS_HERE.label("others_here"),
        _UNPICKED.label("unpicked"),
        _parcels.c.id.label("parcel_id"),
        _parcels.c.sequence.label("parcel_sequence"),
        _parcels.c.status.label("parcel_status"),
        _parcels.c.tracking_number.label("parcel_tracking"),
        _parcels.c.carrier_service_id.label("parcel_service_id"),
    )
    .select_from(
        _shipments.join(_orders, _orders.c.id == _shipments.c.order_id).outerjoin(
            _parcels, _parcels.c.shipment_id == _shipments.c.id
        )
    )
    .order_by(_parcels.c.sequence)
    .with_for_update(of=_shipments)
)
_HAND_OVER_ROW = _named(_HAND_OVER_READ, "HandOverRow")
_BY_SHIPMENT = Prepared(_HAND_OVER_READ.where(_shipments.c.id == bindparam("sid")))
_BY_TRACKING_NUMBER = Prepared(
    _HAND_OVER_READ.where(
        _shipments.c.id
        == select(_scanned_parcels.c.shipment_id)
        .where(_scanned_parcels.c.tracking_number == bindparam("number"))
        .limit(1)
        .scalar_subquery()
    )
)
# Only a labelled parcel leaves: the row count says whether another scan took it first.
_HAND_PARCEL_OVER = Prepared(
    update(_parcels)
    .where(_parcels.c.id == bindparam("pid"), _parcels.c.status == "labelled")
    .values(
        status="handed_over",
        handed_over_at=bindparam("at", type_=_parcels.c.handed_over_at.type),
        handed_over_by=bindparam("by"),
        version=_parcels.c.version + 1,
    )
)


@dataclasses.dataclass(frozen=True, slots=True)
class _ParcelAtDesk:
    id: int
    sequence: int
    status: str
    tracking_number: str | None
    carrier_service_id: int | None


def _refuse_if_gone(shipment_id: int, status: str) -> None:
    ref = entity_number("shipment", shipment_id)
    if status == SS.CANCELLED:
        raise ShipmentNotReady(
            N_("{shipment} is CANCELLED: do not ship it, put the goods back."), ref, "cancelled"
        )
    if status in DISPATCHED:
        raise ShipmentNotReady(
            N_("{shipment} has already shipped ({status}); it is not handed over twice."),
            ref,
            "shipped",
            status=status,
        )


def _read_scanned(session: Session, code: str) -> tuple[list, _ParcelAtDesk | None]:
    """A shipment number names the shipment (its next parcel is meant); a tracking number
    names one parcel. Returns the shipment's rows (one per parcel) and the parcel named."""
    parsed = parse_number(code)
    if parsed and parsed[0] == "shipment":
        rows = list(map(_HAND_OVER_ROW, _BY_SHIPMENT.all(session, {"sid": parsed[1]})))
        if not rows:
            raise UnknownLabelScan(code.strip())
        return rows, None
    number = normalise(code)
    rows = list(map(_HAND_OVER_ROW, _BY_TRACKING_NUMBER.all(session, {"number": number})))
    scanned = next((_parcel(r) for r in rows if r.parcel_tracking == number), None)
    if scanned is None:
        raise UnknownLabelScan(code.strip())
    return rows, scanned


def _parcel(row) -> _ParcelAtDesk:
    return _ParcelAtDesk(
        row.parcel_id,
        row.parcel_sequence,
        row.parcel_status,
        row.parcel_tracking,
        row.parcel_service_id,
    )


def hand_over(uow: UnitOfWork, actor: Actor, code: str) -> HandOver:
    """The parcel whose label was scanned leaves with the carrier (time and who recorded).
    The last parcel of a shipment ships the shipment; the order is then shipped, or partly
    shipped while another of its shipments is still here."""
    require(actor, Permission.SHIP_ORDERS)
    with uow:
        session = uow.session
        rows, scanned = _read_scanned(session, code)
        head = rows[0]
        ref = entity_number("shipment", head.shipment_id)
        _refuse_if_gone(head.shipment_id, head.status)
        if head.status != SS.PACKED:
            raise ShipmentNotReady(
                N_("{shipment} is {status}, not packed: finish packing and labelling first."),
                ref,
                "not_packed",
                status=head.status,
            )
        _refuse_if_unpicked(int(head.unpicked or 0), ref)
        parcels = [
            _parcel(r) for r in rows if r.parcel_id is not None and r.parcel_status != "voided"
        ]
        parcel = _parcel_to_hand_over(ref, parcels, scanned)
        now = utcnow()
        taken = _HAND_PARCEL_OVER.rowcount(
            session, {"pid": parcel.id, "at": now, "by": actor.user_id}
        )
        if taken != 1:  # another scan handed it over since it was read
            raise _already_handed_over(ref, parcel, len(parcels))
        record_event(
            session,
            actor,
            entity_type="parcel",
            entity_id=parcel.id,
            action="handed_over",
            from_state="labelled",
            to_state="handed_over",
            detail={"shipment": ref, "tracking_number": parcel.tracking_number},
        )
        left = sum(1 for p in parcels if p.status != "handed_over" and p.id != parcel.id)
        order_status = head.order_status
        if left == 0:
            order_status = _ship(session, actor, head, parcels, now)
        carrier, _service = carrier_table(session).carrier_of_service(parcel.carrier_service_id)
        uow.commit()
        return HandOver(
            shipment_number=ref,
            order_number=order_number(head.order_id),
            parcel_index=parcel.sequence,
            parcel_count=len(parcels),
            tracking_number=parcel.tracking_number,
            carrier=carrier.name if carrier else head.carrier,
            parcels_left=left,
            shipment_shipped=left == 0,
            order_status=order_status,
            handed_over_at=now,
        )


def _ship(session: Session, actor: Actor, head, parcels: list[_ParcelAtDesk], now) -> str:
    """The last parcel left: the shipment ships (with its first parcel's tracking number
    when it has none), and the order is shipped, or partly shipped while another of its
    shipments is still here. Returns the order's status."""
    shipment = RecordState(
        "shipment",
        head.shipment_id,
        head.status,
        head.version,
        frozenset(c for c in _SHIPMENT_STAMPS if getattr(head, c)),
    )
    plan = plan_transition(shipment, SS.SHIPPED, actor, now=now)
    if head.tracking_number is None:
        changes = {**plan.changes, "tracking_number": parcels[0].tracking_number}
        plan = dataclasses.replace(plan, changes=changes)
    plans = [plan]
    order_status = head.order_status
    target = OrderStatus.SHIPPED if head.others_here == 0 else OrderStatus.PARTLY_SHIPPED
    if order_status != target and may_transition("order", order_status, target):
        order = RecordState(
            "order",
            head.order_id,
            order_status,
            head.order_version,
            frozenset(c for c in _ORDER_STAMPS if getattr(head, f"order_{c}")),
        )
        plans.append(plan_transition(order, target, actor, now=now))
        order_status = target
    # Guarded by the versions read above: another desk's change in between is refused.
    apply_plans_guarded(session, plans)
    return order_status


def _refuse_if_unpicked(units: int, ref: str) -> None:
    # A parcel cannot hold what never left its bin; shipping it would leave a promise of
    # stock on a shipment that has gone (the stock check's invariant 3).
    if units:
        raise ShipmentNotReady(
            NP_(
                "{shipment} still has {units} unit that was never picked; it cannot leave.",
                "{shipment} still has {units} units that were never picked; it cannot leave.",
                count="units",
            ),
            ref,
            "not_picked",
            units=units,
        )


def _already_handed_over(ref: str, parcel: _ParcelAtDesk, count: int) -> ShipmentNotReady:
    return ShipmentNotReady(
        N_("Parcel {index} of {count} of {shipment} was already handed over."),
        ref,
        "handed_over",
        index=parcel.sequence,
        count=count,
    )


def _parcel_to_hand_over(
    ref: str, parcels: list[_ParcelAtDesk], scanned: _ParcelAtDesk | None
) -> _ParcelAtDesk:
    count = len(parcels)
    if scanned is None:
        waiting = [p for p in parcels if p.status == "labelled"]
        if not waiting:
            raise ShipmentNotReady(
                N_("{shipment} has no labelled parcel waiting to be handed over."),
                ref,
                "no_parcel",
            )
        return waiting[0]
    if scanned.status == "handed_over":
        raise _already_handed_over(ref, scanned, count)
    if scanned.status != "labelled":
        raise ShipmentNotReady(
            N_("Parcel {index} of {count} of {shipment} is not labelled yet."),
            ref,
            "not_labelled",
            index=scanned.sequence,
            count=count,
        )
    return scanned
