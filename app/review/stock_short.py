"""Stock short: when the missing units arrive, what could replace them, what the customer chose.

``short_lines`` is the read the screen shows (expected arrival from incoming stock, up to
three substitutes per line); the verbs draft the offer and record the answer: wait for the
date, take a substitute (the line is replaced and re-priced, then the order is reviewed
again), or decline (the order is cancelled with the reason and the message drafted).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.money import format_money
from app.numbers import order_number
from app.permissions import Actor, Permission, require
from app.review.errors import ContactAlreadyOpen, SubstituteNotOffered
from app.review.kit import (
    ActionResult,
    action_result,
    audit,
    cancel_in_session,
    close_tasks,
    customer_of,
    draft,
    new_task,
    open_task,
    order_for_action,
    require_reason,
    review_one,
)
from app.review.loading import RunCache, fill_stock, load_batch
from app.review.messages import MessageKind, arrival_sentence, substitutes_paragraph
from app.review.model import ProductFacts, ReviewSettings
from app.review.substitutes import expected_arrival, suggest_substitutes
from app.review.task_text import task_text
from app.review.verbs import require_verb
from app.uow import UnitOfWork
from app.workflow import bump_version
from db.models import IncomingStock, Order, OrderLine, Product, utcnow

# Candidates fetched per short line before the pure choice of the best three.
CANDIDATES_PER_LINE = 50


@dataclass(frozen=True)
class SubstituteOption:
    sku: str
    name: str
    price_cents: int
    currency: str
    available: int
    price_difference_cents: int


@dataclass(frozen=True)
class ShortLine:
    line_no: int
    sku: str
    name: str
    wanted: int
    available: int
    short: int
    discontinued: bool
    warehouses: tuple[tuple[str, int], ...]  # (warehouse code, available there)
    expected_arrival: dt.date | None
    substitutes: tuple[SubstituteOption, ...]


class StockAnswer(StrEnum):
    WAIT = "wait"
    SUBSTITUTE = "substitute"
    DECLINE = "decline"


def short_lines(
    session: Session, order: Order, settings: ReviewSettings | None = None
) -> list[ShortLine]:
    """Each line of ``order`` that stock cannot cover now, with its arrival and substitutes."""
    settings = settings or ReviewSettings()
    cache = RunCache(settings)
    batch = load_batch(session, [order], cache, utcnow())
    facts, world = batch.facts[0], batch.world
    wanted: dict[str, tuple[int, int]] = {}
    for line in facts.lines:
        if line.sku in world.products and isinstance(line.quantity, int) and line.quantity > 0:
            units, first = wanted.get(line.sku, (0, line.line_no))
            wanted[line.sku] = (units + line.quantity, first)
    found = []
    for sku, (units, line_no) in wanted.items():
        product = world.products[sku]
        position = world.stock.get(product.id)
        available = position.available(product.category) if position and product.active else 0
        if available >= units:
            continue
        shipping = position.shipping(product.category) if position else ()
        found.append(
            ShortLine(
                line_no=line_no,
                sku=sku,
                name=product.name,
                wanted=units,
                available=available,
                short=units - available,
                discontinued=not product.active,
                warehouses=tuple((w.warehouse_code, max(0, w.available)) for w in shipping),
                expected_arrival=None
                if not product.active
                else _arrival(session, product.id, units - available),
                substitutes=_substitutes(session, cache, product, units, settings),
            )
        )
    return sorted(found, key=lambda s: s.line_no)


def _arrival(session: Session, product_id: int, short: int) -> dt.date | None:
    today = utcnow().date()
    rows = session.execute(
        select(IncomingStock.expected_date, IncomingStock.quantity).where(
            IncomingStock.product_id == product_id,
            IncomingStock.status == "expected",
            IncomingStock.expected_date >= today,
        )
    )
    return expected_arrival(short, [(day, quantity) for day, quantity in rows])


def _substitutes(
    session: Session,
    cache: RunCache,
    original: ProductFacts,
    wanted: int,
    settings: ReviewSettings,
) -> tuple[SubstituteOption, ...]:
    band = original.price_cents * settings.substitute_price_band_percent // 100
    query = (
        select(
            Product.id,
            Product.sku,
            Product.name,
            Product.spec,
            Product.model,
            Product.category,
            Product.price_cents,
            Product.currency,
            Product.active,
        )
        .where(
            Product.category == original.category,
            Product.active.is_(True),
            Product.currency == original.currency,
            Product.sku != original.sku,
            Product.price_cents.between(original.price_cents - band, original.price_cents + band),
        )
        .order_by(func.abs(Product.price_cents - original.price_cents), Product.sku)
        .limit(CANDIDATES_PER_LINE)
    )
    candidates = [ProductFacts(*row) for row in session.execute(query)]
    fill_stock(session, cache, [c.id for c in candidates])
    with_stock = [(c, cache.ledger[c.id].available(c.category)) for c in candidates]
    chosen = suggest_substitutes(
        original, wanted, with_stock, band_percent=settings.substitute_price_band_percent
    )
    return tuple(
        SubstituteOption(
            s.product.sku,
            s.product.name,
            s.product.price_cents,
            s.product.currency,
            s.available,
            s.price_difference_cents,
        )
        for s in chosen
    )


# --------------------------------------------------------------------------- verbs


def offer_stock_options(
    uow: UnitOfWork,
    actor: Actor,
    order_id: int,
    *,
    expected_version: int,
    settings: ReviewSettings | None = None,
) -> ActionResult:
    """Open a contact task and draft the message: arrival date and substitutes."""
    require(actor, Permission.REVIEW_ORDERS)
    with uow:
        session = uow.session
        order = order_for_action(session, order_id, expected_version)
        require_verb(actor, order.id, order.status, "offer_stock")
        existing = open_task(session, order.id, "stock_short")
        if existing is not None:
            raise ContactAlreadyOpen(order_number(order.id), existing.id)
        lines = short_lines(session, order, settings)
        customer = customer_of(session, order)
        language = customer.language if customer else None
        what = task_text("review.stock_short", shorts=[[s.sku, s.short] for s in lines])
        task = new_task(session, actor, order, "stock_short", what)
        arrivals = [s.expected_arrival for s in lines if s.expected_arrival]
        all_dated = len(arrivals) == len(lines) and arrivals
        message = draft(
            session,
            actor,
            order,
            MessageKind.STOCK_SHORT,
            task=task,
            item=", ".join(s.name or s.sku for s in lines),
            arrival=arrival_sentence(max(arrivals).isoformat() if all_dated else None, language),
            substitutes=substitutes_paragraph(
                (
                    f"{o.name} ({o.sku}), {format_money(o.price_cents, o.currency)}"
                    for s in lines
                    for o in s.substitutes
                ),
                language,
            ),
        )
        bump_version(order)
        audit(session, actor, order, "offer_stock_options", task=task.id, message=message.id)
        uow.commit()
        return action_result(order, task_id=task.id, message_id=message.id)


def answer_stock_short(
    uow: UnitOfWork,
    actor: Actor,
    order_id: int,
    *,
    expected_version: int,
    answer: StockAnswer | str,
    line_no: int | None = None,
    substitute_sku: str | None = None,
    wait_until: dt.date | None = None,
    note: str = "",
    settings: ReviewSettings | None = None,
) -> ActionResult:
    """Record the customer's answer to a stock-short order and act on it."""
    require(actor, Permission.REVIEW_ORDERS)
    try:
        answer = StockAnswer(answer)
    except ValueError as exc:
        raise InvalidInput("answer", answer, "wait, substitute or decline") from exc
    with uow:
        session = uow.session
        order = order_for_action(session, order_id, expected_version)
        require_verb(actor, order.id, order.status, "stock_answer")
        if answer is StockAnswer.WAIT:
            result = _wait(session, actor, order, wait_until, note, settings)
        elif answer is StockAnswer.SUBSTITUTE:
            result = _take_substitute(session, actor, order, line_no, substitute_sku, settings)
        else:
            result = _decline(session, actor, order, note, settings)
        uow.commit()
        return result


def _answer_task(session: Session, actor: Actor, order: Order):
    return open_task(session, order.id, "stock_short") or new_task(
        session, actor, order, "stock_short", task_text("review.stock_call")
    )


def _wait(
    session: Session,
    actor: Actor,
    order: Order,
    wait_until: dt.date | None,
    note: str,
    settings: ReviewSettings | None,
) -> ActionResult:
    if wait_until is None:
        arrivals = [s.expected_arrival for s in short_lines(session, order, settings)]
        if not arrivals or None in arrivals:
            raise InvalidInput("wait until", None, "a date (no delivery is expected yet)")
        wait_until = max(a for a in arrivals if a)
    task = _answer_task(session, actor, order)
    close_tasks(
        session,
        actor,
        order.id,
        kinds=("stock_short",),
        answer="wait",
        outcome=f"waits until {wait_until.isoformat()}. {note}".strip(),
    )
    task.wait_until = wait_until
    bump_version(order)
    audit(session, actor, order, "stock_answer", note, answer="wait", until=wait_until.isoformat())
    return action_result(order, task_id=task.id)


def _take_substitute(
    session: Session,
    actor: Actor,
    order: Order,
    line_no: int | None,
    substitute_sku: str | None,
    settings: ReviewSettings | None,
) -> ActionResult:
    if line_no is None or not substitute_sku:
        raise InvalidInput("substitute", substitute_sku, "a line number and a substitute SKU")
    ref = order_number(order.id)
    offered = {s.line_no: s for s in short_lines(session, order, settings)}
    short = offered.get(line_no)
    choice = (
        next((o for o in short.substitutes if o.sku == substitute_sku), None) if short else None
    )
    if choice is None:
        raise SubstituteNotOffered(ref, line_no, substitute_sku)
    task = _answer_task(session, actor, order)
    _replace_line(session, actor, order, line_no, choice)
    close_tasks(
        session,
        actor,
        order.id,
        kinds=("stock_short",),
        answer="substitute",
        outcome=f"line {line_no}: {short.sku} → {choice.sku}",  # type: ignore[union-attr]
    )
    review = review_one(session, actor, order, settings)
    return action_result(order, review, task_id=task.id)


def _replace_line(
    session: Session, actor: Actor, order: Order, line_no: int, choice: SubstituteOption
) -> None:
    """Every line of the short SKU becomes the substitute at its list price; totals follow."""
    first = session.scalars(
        select(OrderLine).where(OrderLine.order_id == order.id, OrderLine.line_no == line_no)
    ).one()
    lines = list(
        session.scalars(
            select(OrderLine).where(OrderLine.order_id == order.id, OrderLine.sku == first.sku)
        )
    )
    product = session.scalars(select(Product).where(Product.sku == choice.sku)).one()
    before = {"sku": first.sku, "total_cents": sum(line.line_total_cents for line in lines)}
    subtotal_change = discount_change = 0
    for line in lines:
        new_total = product.price_cents * line.quantity
        subtotal_change += new_total - line.line_total_cents
        discount_change -= line.discount_cents
        line.product_id = product.id
        line.sku = product.sku
        line.product_name = product.name
        line.unit_price_cents = product.price_cents
        line.line_total_cents = new_total
        line.discount_cents = 0
    order.subtotal_cents += subtotal_change
    order.discount_cents = max(0, order.discount_cents + discount_change)
    order.total_cents = max(0, order.total_cents + subtotal_change - discount_change)
    audit(
        session,
        actor,
        order,
        "substitute",
        f"line {line_no}: {before['sku']} → {product.sku}",
        line_no=line_no,
        before=before,
        after={"sku": product.sku, "unit_price_cents": product.price_cents},
        total_cents=order.total_cents,
    )


def _decline(
    session: Session,
    actor: Actor,
    order: Order,
    note: str,
    settings: ReviewSettings | None,
) -> ActionResult:
    lines = short_lines(session, order, settings)
    items = ", ".join(s.name or s.sku for s in lines) or "an item"
    reason = require_reason(
        note or f"customer declined to wait for {items}", "reason for the cancellation"
    )
    _answer_task(session, actor, order)
    close_tasks(session, actor, order.id, kinds=("stock_short",), answer="decline", outcome=reason)
    result = cancel_in_session(session, actor, order, reason, None)
    message = draft(
        session, actor, order, MessageKind.CANCELLED_STOCK, item=items, reason=note.strip()
    )
    return ActionResult(**{**result.__dict__, "message_id": message.id})


def incoming_by_product(session: Session, product_ids: list[int]) -> dict[int, list]:
    """Expected deliveries per product (for the detail screen)."""
    found: dict[int, list] = defaultdict(list)
    if not product_ids:
        return found
    rows = session.execute(
        select(
            IncomingStock.product_id,
            IncomingStock.expected_date,
            IncomingStock.quantity,
            IncomingStock.reference,
        )
        .where(IncomingStock.product_id.in_(product_ids), IncomingStock.status == "expected")
        .order_by(IncomingStock.expected_date)
    )
    for product_id, day, quantity, reference in rows:
        found[product_id].append((day, quantity, reference))
    return found
