"""The stock verbs: receive, move, count and adjust (incoming stock: ``incoming.py``).
One action, one transaction.

Every verb is ``verb(uow, actor, …)``: it checks the permission its declaration in
``model.VERBS`` names, validates every field before touching a row (bad input changes
nothing), decides with ``rules``, and writes quants, one stock move and one audit event per
change in the caller's unit of work, committing at the end.

Many desks: every change of a product's quants first locks that product's row (PostgreSQL
``SELECT … FOR UPDATE``; SQLite takes the database write lock with a no-op UPDATE, so the
read that follows is already inside the writer), then reads its quants ordered by id, so
desks queue per product in one fixed order and cannot deadlock; the quant updates are
also conditional (``on_hand + change >= reserved``), so a unit promised to an order by the
picking desk in the meantime can never be counted or moved away.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import (
    BinInOtherWarehouse,
    ConcurrentUpdate,
    CountBelowReserved,
    IncomingNotOpen,
    InvalidInput,
    NotEnoughStock,
    NotFound,
    StockChangedSinceCounted,
    StockWouldGoNegative,
    UnknownCode,
)
from app.i18n import _
from app.permissions import Actor, require
from app.stock import rules
from app.stock.model import (
    ADJUST,
    COUNT,
    MIN_REASON_LENGTH,
    MOVE,
    RECEIVE,
    BinRef,
    CountPlan,
    CountPreview,
    CountResult,
    IncomingStatus,
    MoveKind,
    MoveResult,
    ProductRef,
    QuantFacts,
    ReceiveResult,
    StockVerb,
)
from app.uow import UnitOfWork
from db.models import Bin, IncomingStock, Product, StockMove, StockQuant, Warehouse, utcnow

QUANT = StockQuant.__table__.c

# --------------------------------------------------------------------------- look-ups


def warehouse_of(session: Session, code: str | int, field: str = "warehouse") -> tuple[int, str]:
    """(id, code) of a warehouse given by code (case-insensitive) or id."""
    if isinstance(code, int):
        row = session.execute(
            select(Warehouse.id, Warehouse.code).where(Warehouse.id == code)
        ).first()
    else:
        row = session.execute(
            select(Warehouse.id, Warehouse.code).where(
                func.upper(Warehouse.code) == str(code).strip().upper()
            )
        ).first()
    if row is None:
        raise UnknownCode(field, str(code), _("a warehouse code"))
    return row[0], row[1]


def find_product(session: Session, code: str, field: str = "product") -> ProductRef:
    """A product by its barcode, else its SKU (exact, then ignoring case)."""
    text_code = (code or "").strip()
    if not text_code:
        raise InvalidInput(field, code, _("a product barcode or SKU"))
    columns = (
        Product.id,
        Product.sku,
        Product.name,
        Product.barcode,
        Product.fragile,
        Product.high_value,
    )
    for condition in (
        Product.barcode == text_code,
        Product.sku == text_code,
        func.upper(Product.sku) == text_code.upper(),
    ):
        row = session.execute(select(*columns).where(condition).limit(1)).first()
        if row is not None:
            return ProductRef(*row)
    raise UnknownCode(field, text_code, _("a product barcode or SKU"))


def find_bin(session: Session, warehouse_id: int, code: str, field: str = "bin") -> BinRef:
    """A bin of this warehouse; a bin of another one is named as such, not as unknown."""
    text_code = (code or "").strip().upper()
    if not text_code:
        raise InvalidInput(field, code, _("a bin code"))
    rows = session.execute(
        select(Bin.id, Bin.code, Bin.warehouse_id, Warehouse.code, Bin.kind)
        .join(Warehouse, Warehouse.id == Bin.warehouse_id)
        .where(func.upper(Bin.code) == text_code)
    ).all()
    for row in rows:
        if row[2] == warehouse_id:
            return BinRef(*row)
    here = session.scalar(select(Warehouse.code).where(Warehouse.id == warehouse_id)) or "?"
    if rows:
        raise BinInOtherWarehouse(field, rows[0][1], rows[0][3], here)
    raise UnknownCode(field, code.strip(), _("a bin of warehouse {code}").format(code=here))


def identify(session: Session, warehouse_id: int, scanned: str) -> rules.Token:
    """What one scan is: a quantity, a bin of this warehouse, a product, or nothing known."""
    code = (scanned or "").strip()
    if not code:
        return rules.Token("empty")
    try:
        return rules.Token("bin", code, bin=find_bin(session, warehouse_id, code))
    except BinInOtherWarehouse as error:
        return rules.Token("unknown", error.message)
    except UnknownCode:
        pass
    if rules.looks_like_quantity(code):
        return rules.Token("number", code, number=int(code))
    try:
        return rules.Token("product", code, product=find_product(session, code))
    except UnknownCode:
        here = session.scalar(select(Warehouse.code).where(Warehouse.id == warehouse_id)) or "?"
        return rules.Token(
            "unknown",
            _("{code!r} is no product barcode, SKU or bin of {warehouse}").format(
                code=code, warehouse=here
            ),
        )


def _require(actor: Actor, verb: StockVerb) -> None:
    require(actor, verb.permission)


def _reason(value: str, verb: StockVerb) -> str:
    reason = (value or "").strip()
    if verb.reason_needed and len(reason) < MIN_REASON_LENGTH:
        raise InvalidInput(
            "reason", value, _("a reason of at least {n} characters").format(n=MIN_REASON_LENGTH)
        )
    return reason


# --------------------------------------------------------------------------- locking


def lock_product(session: Session, product_id: int) -> None:
    """Serialise stock changes of one product across desks (see the module docstring)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Product.id).where(Product.id == product_id).with_for_update())
    else:
        session.execute(text("UPDATE products SET id = id WHERE id = :id"), {"id": product_id})


def _bin_quants(session: Session, product_id: int, bin_id: int) -> list[QuantFacts]:
    query = (
        select(QUANT.id, QUANT.on_hand, QUANT.reserved, QUANT.received_date)
        .where(QUANT.product_id == product_id, QUANT.bin_id == bin_id)
        .order_by(QUANT.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return [QuantFacts(*row) for row in session.execute(query)]


def _change_quant(session: Session, quant_id: int, change: int) -> None:
    """Conditional update: never below what is reserved, never negative."""
    result = session.execute(
        update(StockQuant.__table__)
        .where(QUANT.id == quant_id, QUANT.on_hand + change >= QUANT.reserved)
        .values(on_hand=QUANT.on_hand + change, version=QUANT.version + 1)
    )
    if result.rowcount != 1:
        raise ConcurrentUpdate(_("The stock of this bin"))


def _add_to_bin(
    session: Session,
    *,
    product_id: int,
    warehouse_id: int,
    bin_id: int,
    units: int,
    received_date: dt.date,
) -> int:
    """Units join the bin's quant of that received date, or a new quant; its id."""
    quant_id = session.scalar(
        select(QUANT.id)
        .where(
            QUANT.product_id == product_id,
            QUANT.bin_id == bin_id,
            QUANT.received_date == received_date,
        )
        .order_by(QUANT.id)
        .limit(1)
    )
    if quant_id is not None:
        _change_quant(session, quant_id, units)
        return quant_id
    return session.execute(
        insert(StockQuant.__table__)
        .values(
            product_id=product_id,
            warehouse_id=warehouse_id,
            bin_id=bin_id,
            on_hand=units,
            reserved=0,
            received_date=received_date,
            version=1,
        )
        .returning(QUANT.id)
    ).scalar_one()


def _bin_on_hand(session: Session, product_id: int, bin_id: int) -> int:
    return (
        session.scalar(
            select(func.coalesce(func.sum(QUANT.on_hand), 0)).where(
                QUANT.product_id == product_id, QUANT.bin_id == bin_id
            )
        )
        or 0
    )


def _move_row(
    session: Session,
    actor: Actor,
    *,
    product_id: int,
    warehouse_id: int,
    kind: MoveKind,
    quantity: int,
    from_bin_id: int | None = None,
    to_bin_id: int | None = None,
    reason: str = "",
) -> None:
    session.add(
        StockMove(
            at=utcnow(),
            product_id=product_id,
            warehouse_id=warehouse_id,
            from_bin_id=from_bin_id,
            to_bin_id=to_bin_id,
            quantity=quantity,
            kind=str(kind),
            actor_id=actor.user_id,
            reason=reason,
        )
    )


# --------------------------------------------------------------------------- receiving


def receive_stock(
    uow: UnitOfWork,
    actor: Actor,
    *,
    warehouse: str | int,
    product: str,
    quantity: object,
    bin_code: str,
    incoming_id: int | None = None,
    free_receiving: bool = False,
    received_date: dt.date | None = None,
    note: str = "",
) -> ReceiveResult:
    """Units of a product arrive in a bin: against the expected incoming line (the given
    one, else this warehouse's earliest) unless ``free_receiving``; a quant per bin and
    received date keeps first-in-first-out."""
    _require(actor, RECEIVE)
    session = uow.session
    units = rules.parse_quantity("quantity", quantity)
    warehouse_id, warehouse_code = warehouse_of(session, warehouse)
    item = find_product(session, product)
    place = find_bin(session, warehouse_id, bin_code)
    day = received_date or utcnow().date()
    lock_product(session, item.id)

    line = _incoming_line(session, item, warehouse_id, incoming_id, free_receiving)
    quant_id = _add_to_bin(
        session,
        product_id=item.id,
        warehouse_id=warehouse_id,
        bin_id=place.id,
        units=units,
        received_date=day,
    )
    after = None
    if line is not None:
        after = rules.incoming_after_receipt(line.quantity, units)
        status_before = line.status
        if after.closed:
            line.status = IncomingStatus.RECEIVED
        else:
            line.quantity = after.left
        record_event(
            session,
            actor,
            entity_type="incoming_stock",
            entity_id=line.id,
            action="receive",
            from_state=status_before,
            to_state=line.status,
            reason=note,
            detail={"received": units, "left": after.left, "surplus": after.surplus},
        )
    reason = (
        _("Against {reference}").format(reference=line.reference or f"#{line.id}")
        if line is not None
        else _("Free receiving")
    )
    if note:
        reason = f"{reason}: {note}"
    _move_row(
        session,
        actor,
        product_id=item.id,
        warehouse_id=warehouse_id,
        kind=MoveKind.RECEIPT,
        quantity=units,
        to_bin_id=place.id,
        reason=reason,
    )
    record_event(
        session,
        actor,
        entity_type="stock",
        entity_id=item.id,
        action="receive",
        reason=reason,
        detail={
            "warehouse": warehouse_code,
            "bin": place.code,
            "quantity": units,
            "quant_id": quant_id,
            "received_date": day.isoformat(),
            "incoming_id": line.id if line is not None else None,
        },
    )
    in_bin = _bin_on_hand(session, item.id, place.id)
    uow.commit()
    return ReceiveResult(
        sku=item.sku,
        name=item.name,
        quantity=units,
        bin_code=place.code,
        warehouse_code=warehouse_code,
        received_date=day,
        on_hand_in_bin=in_bin,
        incoming_id=line.id if line is not None else None,
        incoming_reference=(line.reference or f"#{line.id}") if line is not None else "",
        incoming_left=after.left if after else 0,
        surplus=after.surplus if after else 0,
    )


def _incoming_line(
    session: Session,
    item: ProductRef,
    warehouse_id: int,
    incoming_id: int | None,
    free_receiving: bool,
) -> IncomingStock | None:
    if incoming_id is not None:
        line = session.get(IncomingStock, incoming_id, with_for_update=True)
        if line is None:
            raise NotFound(_("incoming delivery"), f"#{incoming_id}")
        if line.status != IncomingStatus.EXPECTED:
            raise IncomingNotOpen(line.reference or f"#{line.id}", line.status)
        if line.product_id != item.id:
            raise InvalidInput(
                "product",
                item.sku,
                _("the product of incoming delivery {ref}").format(
                    ref=line.reference or f"#{line.id}"
                ),
            )
        if line.warehouse_id not in (None, warehouse_id):
            raise InvalidInput(
                "warehouse", warehouse_id, _("the warehouse the delivery is expected at")
            )
        return line
    if free_receiving:
        return None
    candidates = session.execute(
        select(IncomingStock.id, IncomingStock.warehouse_id, IncomingStock.expected_date).where(
            IncomingStock.product_id == item.id,
            IncomingStock.status == IncomingStatus.EXPECTED,
        )
    ).all()
    chosen = rules.choose_incoming_line([tuple(row) for row in candidates], warehouse_id)
    if chosen is None:
        return None
    return session.get(IncomingStock, chosen, with_for_update=True)


# --------------------------------------------------------------------------- moving


def move_stock(
    uow: UnitOfWork,
    actor: Actor,
    *,
    warehouse: str | int,
    product: str,
    quantity: object,
    from_bin: str,
    to_bin: str,
    reason: str = "",
) -> MoveResult:
    """Free units go from one bin to another of the same warehouse, oldest first, keeping
    their received dates (putaway, replenishment, tidying)."""
    _require(actor, MOVE)
    session = uow.session
    units = rules.parse_quantity("quantity", quantity)
    warehouse_id, warehouse_code = warehouse_of(session, warehouse)
    item = find_product(session, product)
    source = find_bin(session, warehouse_id, from_bin, "from bin")
    target = find_bin(session, warehouse_id, to_bin, "to bin")
    if source.id == target.id:
        raise InvalidInput("to bin", to_bin, _("another bin than the one taken from"))
    lock_product(session, item.id)
    quants = _bin_quants(session, item.id, source.id)
    taken = rules.take_oldest_first(quants, units)
    if sum(portion for _quant, portion in taken) < units:
        raise NotEnoughStock(item.sku, source.code, units, rules.free_units(quants))
    for quant, portion in taken:
        _change_quant(session, quant.id, -portion)
        _add_to_bin(
            session,
            product_id=item.id,
            warehouse_id=warehouse_id,
            bin_id=target.id,
            units=portion,
            received_date=quant.received_date,
        )
    why = reason.strip() or _default_move_reason(source.kind, target.kind)
    _move_row(
        session,
        actor,
        product_id=item.id,
        warehouse_id=warehouse_id,
        kind=MoveKind.MOVE,
        quantity=units,
        from_bin_id=source.id,
        to_bin_id=target.id,
        reason=why,
    )
    record_event(
        session,
        actor,
        entity_type="stock",
        entity_id=item.id,
        action="move",
        reason=why,
        detail={
            "warehouse": warehouse_code,
            "from_bin": source.code,
            "to_bin": target.code,
            "quantity": units,
            "quants": [[quant.id, portion] for quant, portion in taken],
        },
    )
    result = MoveResult(
        sku=item.sku,
        quantity=units,
        from_bin=source.code,
        to_bin=target.code,
        warehouse_code=warehouse_code,
        left_in_from_bin=_bin_on_hand(session, item.id, source.id),
        now_in_to_bin=_bin_on_hand(session, item.id, target.id),
    )
    uow.commit()
    return result


def _default_move_reason(from_kind: str, to_kind: str) -> str:
    if from_kind == "receiving":
        return _("Putaway")
    if to_kind == "pick_face":
        return _("Replenishment")
    return _("Moved between bins")


# --------------------------------------------------------------------------- counting


def preview_count(
    session: Session,
    actor: Actor,
    *,
    warehouse: str | int,
    product: str,
    bin_code: str,
    counted: object,
) -> CountPreview:
    """What booking this count would change; nothing is written."""
    _require(actor, COUNT)
    number = rules.parse_quantity("counted", counted, allow_zero=True)
    warehouse_id, warehouse_code = warehouse_of(session, warehouse)
    item = find_product(session, product)
    place = find_bin(session, warehouse_id, bin_code)
    quants = _bin_quants_read(session, item.id, place.id)
    return CountPreview(
        sku=item.sku,
        name=item.name,
        bin_code=place.code,
        warehouse_code=warehouse_code,
        system=sum(q.on_hand for q in quants),
        counted=number,
        reserved=sum(q.reserved for q in quants),
    )


def _bin_quants_read(session: Session, product_id: int, bin_id: int) -> list[QuantFacts]:
    return [
        QuantFacts(*row)
        for row in session.execute(
            select(QUANT.id, QUANT.on_hand, QUANT.reserved, QUANT.received_date)
            .where(QUANT.product_id == product_id, QUANT.bin_id == bin_id)
            .order_by(QUANT.id)
        )
    ]


def book_count(
    uow: UnitOfWork,
    actor: Actor,
    *,
    warehouse: str | int,
    product: str,
    bin_code: str,
    counted: object,
    reason: str,
    expected_system: int | None = None,
) -> CountResult:
    """The counted quantity becomes the bin's on hand, with a reason. ``expected_system``
    is the system quantity the person was shown: if another desk changed it since, the
    count is refused so the difference is looked at again."""
    _require(actor, COUNT)
    number = rules.parse_quantity("counted", counted, allow_zero=True)
    why = _reason(reason, COUNT)
    return _book(uow, actor, warehouse, product, bin_code, number, why, expected_system, "count")


def adjust_stock(
    uow: UnitOfWork,
    actor: Actor,
    *,
    warehouse: str | int,
    product: str,
    bin_code: str,
    change: int,
    reason: str,
) -> CountResult:
    """Add or take units in a bin with a reason (damaged, found, sample …)."""
    _require(actor, ADJUST)
    if isinstance(change, bool) or not isinstance(change, int) or change == 0:
        raise InvalidInput("change", change, _("a whole number of units other than 0"))
    rules.parse_quantity("change", abs(change))
    why = _reason(reason, ADJUST)
    session = uow.session
    warehouse_id, _code = warehouse_of(session, warehouse)
    item = find_product(session, product)
    place = find_bin(session, warehouse_id, bin_code)
    lock_product(session, item.id)
    system = sum(q.on_hand for q in _bin_quants(session, item.id, place.id))
    if system + change < 0:
        raise StockWouldGoNegative(item.sku, place.code, system, change)
    return _book(uow, actor, warehouse, product, bin_code, system + change, why, system, "adjust")


def _book(
    uow: UnitOfWork,
    actor: Actor,
    warehouse: str | int,
    product: str,
    bin_code: str,
    counted: int,
    reason: str,
    expected_system: int | None,
    action: str,
) -> CountResult:
    session = uow.session
    warehouse_id, warehouse_code = warehouse_of(session, warehouse)
    item = find_product(session, product)
    place = find_bin(session, warehouse_id, bin_code)
    lock_product(session, item.id)
    quants = _bin_quants(session, item.id, place.id)
    plan: CountPlan = rules.plan_count(quants, counted, utcnow().date())
    if expected_system is not None and plan.system != expected_system:
        raise StockChangedSinceCounted(item.sku, place.code, expected_system, plan.system)
    if plan.counted < plan.reserved:
        raise CountBelowReserved(item.sku, place.code, plan.counted, plan.reserved)
    if not rules.count_is_possible(plan):  # reserved units sit in quants the loss cannot use
        raise CountBelowReserved(item.sku, place.code, plan.counted, plan.reserved)
    for change in plan.changes:
        if change.quant_id is None:
            _add_to_bin(
                session,
                product_id=item.id,
                warehouse_id=warehouse_id,
                bin_id=place.id,
                units=change.change,
                received_date=change.received_date,
            )
        else:
            _change_quant(session, change.quant_id, change.change)
    if plan.difference:
        gain = plan.difference > 0
        _move_row(
            session,
            actor,
            product_id=item.id,
            warehouse_id=warehouse_id,
            kind=MoveKind.ADJUST,
            quantity=abs(plan.difference),
            from_bin_id=None if gain else place.id,
            to_bin_id=place.id if gain else None,
            reason=reason,
        )
    record_event(
        session,
        actor,
        entity_type="stock",
        entity_id=item.id,
        action=action,
        from_state=str(plan.system),
        to_state=str(plan.counted),
        reason=reason,
        detail={
            "warehouse": warehouse_code,
            "bin": place.code,
            "difference": plan.difference,
            "quants": [[c.quant_id, c.change] for c in plan.changes],
        },
    )
    uow.commit()
    return CountResult(item.sku, place.code, plan.system, plan.counted, reason)
