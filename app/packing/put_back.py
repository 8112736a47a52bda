"""Putting a cancelled order's picked items back: the units picked for its shipment leave
the tote and return to a bin — the bin they were picked from, or the one the person
scanned — each with a ``put_back`` stock move (on hand up, the reservation's picked units
down and released), audited, in one transaction. Afterwards ``orderdesk stock check``
finds the order's picked units equal to its pick moves less its put-backs, as before.

The packing station offers it for a cancelled shipment (F8); the command line too
(``orderdesk packing put-back SH-… [--bin CODE]``), for a picker holding the tote.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select, update

from app.errors import ConcurrentUpdate, NotFound
from app.i18n import N_
from app.live import notify
from app.numbers import entity_number
from app.packing.errors import NothingToPutBack
from app.packing.model import PutBackLine, PutBackResult
from app.packing.service import SHIPMENTS, _audit, _locked, _refuse_unless
from app.permissions import Actor
from app.picking.service import uow_factory, with_retries
from app.uow import UnitOfWork
from db.models import Bin, Product, ShipmentLine, StockMove, StockQuant, utcnow
from db.models_picking import Reservation


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
