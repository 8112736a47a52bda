"""Putting a cancelled order's picked items back: the units picked for its shipment leave
the tote and return to a bin — the bin they were picked from, or the one the person
scanned — each with a ``put_back`` stock move (on hand up, the reservation's picked units
down and released), audited, in one transaction. Afterwards ``orderdesk stock check``
finds the order's picked units equal to its pick moves less its put-backs, as before.

The packing station offers it for a cancelled shipment (F8, or scan the bin to put it
into); the picking desk too, for a picker holding a cancelled order's units in a tote (the
list in hand names them; F3 or scanning the tote, SH- or SO- number starts it, then scan
a bin or CONFIRM for the bins shown); and the command line
(``orderdesk packing put-back SH-… [--bin CODE]``). The reads below tell those screens
what there is to put back (``due_on_list``, ``due_for_code``) and whether a scan is a bin
(``bin_code_of``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from app.errors import ConcurrentUpdate, NotFound
from app.i18n import N_
from app.live import notify
from app.numbers import entity_number, order_number
from app.packing.errors import NothingToPutBack
from app.packing.model import PutBackLine, PutBackResult
from app.packing.queries import shipment_of_code
from app.packing.service import SHIPMENTS, _audit, _locked, _refuse_unless
from app.permissions import Actor
from app.picking.service import uow_factory, with_retries
from app.uow import UnitOfWork
from db.models import Bin, Product, Shipment, ShipmentLine, StockMove, StockQuant, utcnow
from db.models_picking import PickListShipment, Reservation, Tote


@dataclass(frozen=True)
class PutBackDue:
    """A cancelled shipment whose picked units are still out of stock (in a tote): what
    to put back, from which bins (where they were picked; another bin may be scanned)."""

    shipment_id: int
    number: str
    order: str
    tote: str  # "" when the list put it in no tote
    lines: tuple[PutBackLine, ...]

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def bins(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(line.bin_code for line in self.lines))


def put_back(source, actor: Actor, shipment_id: int, bin_code: str | None = None):
    """Return every unit picked for the cancelled shipment to stock (see the module)."""

    def work(uow: UnitOfWork) -> PutBackResult:
        session = uow.session
        shipment = _locked(session, shipment_id)
        number = entity_number("shipment", shipment_id)
        _refuse_unless("put_back", shipment, actor)
        held = list(
            session.scalars(
                select(Reservation)
                .join(ShipmentLine, ShipmentLine.id == Reservation.shipment_line_id)
                .where(ShipmentLine.shipment_id == shipment_id, Reservation.picked > 0)
                .order_by(Reservation.product_id, Reservation.quant_id)
            )
        )
        if not held:
            raise NothingToPutBack(number)
        sources = {
            q.id: q
            for q in session.scalars(
                select(StockQuant)
                .where(StockQuant.id.in_({r.quant_id for r in held}))
                .order_by(StockQuant.product_id, StockQuant.id)
                .with_for_update()
            )
        }
        target_bin = _bin(session, shipment.warehouse_id, bin_code) if bin_code else None
        per_quant: dict[int, int] = defaultdict(int)
        moves = []
        now = utcnow()
        for reservation in held:
            units = reservation.picked
            quant = sources[reservation.quant_id]
            if target_bin is not None and target_bin.id != quant.bin_id:
                quant = _quant_in(session, quant, target_bin.id)
            per_quant[quant.id] += units
            moves.append((reservation, quant, units))
        for quant_id, units in sorted(per_quant.items()):
            changed = session.execute(
                update(StockQuant)
                .where(StockQuant.id == quant_id)
                .values(on_hand=StockQuant.on_hand + units, version=StockQuant.version + 1)
                .execution_options(synchronize_session=False)
            ).rowcount
            if changed != 1:
                raise ConcurrentUpdate("Stock")
        bins = dict(
            session.execute(
                select(Bin.id, Bin.code).where(Bin.id.in_({q.bin_id for _r, q, _u in moves}))
            ).all()
        )
        skus = dict(
            session.execute(
                select(Product.id, Product.sku).where(
                    Product.id.in_({r.product_id for r, _q, _u in moves})
                )
            ).all()
        )
        lines: dict[tuple[str, str], int] = defaultdict(int)
        for reservation, quant, units in moves:
            session.add(
                StockMove(
                    at=now,
                    product_id=reservation.product_id,
                    warehouse_id=quant.warehouse_id,
                    from_bin_id=None,
                    to_bin_id=quant.bin_id,
                    quantity=units,
                    kind="put_back",
                    order_id=reservation.order_id,
                    actor_id=actor.user_id,
                    reason=f"{number} cancelled",
                )
            )
            reservation.picked -= units
            reservation.released += units
            if reservation.quantity == 0:
                reservation.state, reservation.closed_at = "released", now
            lines[(skus[reservation.product_id], bins[quant.bin_id])] += units
        result = PutBackResult(
            number,
            tuple(PutBackLine(sku, code, n) for (sku, code), n in sorted(lines.items())),
        )
        _audit(
            session,
            actor,
            "shipment",
            shipment_id,
            "put_back",
            "order cancelled",
            {"lines": result.as_json()["lines"]},
        )
        notify(session, SHIPMENTS)
        uow.commit()
        return result

    return with_retries(uow_factory(source), work, "put back")


def _bin(session, warehouse_id: int, code: str) -> Bin:
    found = session.scalar(
        select(Bin).where(Bin.warehouse_id == warehouse_id, Bin.code == code.strip().upper())
    ) or session.scalar(select(Bin).where(Bin.warehouse_id == warehouse_id, Bin.code == code))
    if found is None:
        raise NotFound(N_("bin"), code)
    return found


def _quant_in(session, like: StockQuant, bin_id: int) -> StockQuant:
    """The quant of ``like``'s product and receipt date in another bin (made if none)."""
    quant = session.scalar(
        select(StockQuant)
        .where(
            StockQuant.product_id == like.product_id,
            StockQuant.bin_id == bin_id,
            StockQuant.received_date == like.received_date,
        )
        .with_for_update()
    )
    if quant is None:
        quant = StockQuant(
            product_id=like.product_id,
            warehouse_id=like.warehouse_id,
            bin_id=bin_id,
            on_hand=0,
            reserved=0,
            received_date=like.received_date,
        )
        session.add(quant)
        session.flush()
    return quant


# --------------------------------------------------------------------------- reads


# Built once: the picking desk asks on every live change while a list is in hand, and
# building a select costs more than running it on a list's few rows.
_CANCELLED_ON_LIST = (
    select(PickListShipment.shipment_id)
    .join(Shipment, Shipment.id == PickListShipment.shipment_id)
    .where(PickListShipment.pick_list_id == bindparam("list_id"), Shipment.status == "cancelled")
    .order_by(PickListShipment.slot)
)


def due_on_list(session: Session, list_id: int) -> list[PutBackDue]:
    """The cancelled shipments of a pick list that still hold picked units."""
    ids = list(session.scalars(_CANCELLED_ON_LIST, {"list_id": list_id}))
    return [due for sid in ids if (due := _due(session, sid)) is not None]


def due_for_code(session: Session, code: str) -> PutBackDue | None:
    """What a scanned tote, SH- or SO- number holds to put back (None: not a cancelled
    shipment, or nothing of it is out of stock any more)."""
    shipment_id = shipment_of_code(session, code)
    if shipment_id is None:
        return None
    status = session.scalar(select(Shipment.status).where(Shipment.id == shipment_id))
    return _due(session, shipment_id) if status == "cancelled" else None


def due_for_shipment(session: Session, shipment_id: int) -> PutBackDue | None:
    """What the shipment holds to put back (None: nothing out of stock for it)."""
    return _due(session, shipment_id)


def bin_code_of(session: Session, shipment_id: int, code: str) -> str | None:
    """The bin ``code`` names in the shipment's warehouse, as stored; None if none."""
    text = (code or "").strip()
    if not text:
        return None
    return session.scalar(
        select(Bin.code)
        .join(Shipment, Shipment.warehouse_id == Bin.warehouse_id)
        .where(Shipment.id == shipment_id, func.upper(Bin.code) == text.upper())
        .limit(1)
    )


def _due(session: Session, shipment_id: int) -> PutBackDue | None:
    rows = session.execute(
        select(Product.sku, Bin.code, func.sum(Reservation.picked))
        .join(ShipmentLine, ShipmentLine.id == Reservation.shipment_line_id)
        .join(StockQuant, StockQuant.id == Reservation.quant_id)
        .join(Bin, Bin.id == StockQuant.bin_id)
        .join(Product, Product.id == Reservation.product_id)
        .where(ShipmentLine.shipment_id == shipment_id, Reservation.picked > 0)
        .group_by(Product.sku, Bin.code)
        .order_by(Bin.code, Product.sku)
    ).all()
    if not rows:
        return None
    order_id = session.scalar(select(Shipment.order_id).where(Shipment.id == shipment_id))
    tote = session.scalar(
        select(Tote.code)
        .join(PickListShipment, PickListShipment.tote_id == Tote.id)
        .where(PickListShipment.shipment_id == shipment_id)
        .order_by(PickListShipment.pick_list_id.desc())
        .limit(1)
    )
    return PutBackDue(
        shipment_id,
        entity_number("shipment", shipment_id),
        order_number(order_id),
        tote or "",
        tuple(PutBackLine(sku, code, int(n)) for sku, code, n in rows),
    )
