"""Desk work on the demo: the real desks' services run over a small part of the demo data.

``generate_demo`` writes rows in bulk and stays fast; this second step makes what only the
desks make, through their own services and as the demo's own users, so the demo database
shows exactly what the import, review and exception desks produce:

* **intake** (as ``cs``): an Amazon order report of a few dozen orders (some with several
  items, one with a truncated row, one fulfilled by Amazon, four for sold-out products,
  five from one new buyer within the hour, one with a promotion) is imported with
  ``import_file``; then a second report that repeats its newer half, with one order's
  ship-to changed, plus a few new orders -- import batches, "already present" counts, a
  rejected order and an intake conflict;
* **promotions**: 10 % off the category and the product whose demo discounts cluster most in
  some weeks (so the promotions explain part of the demo's discounted lines: the generator
  gives ~8 % of the orders past review 10 % off at random, so most stay unexplained), a
  euro amount off one product that an imported order used, and one open-ended offer. There
  is no promotion service yet, so they are written as rows;
* **review** (as ``cs``): ``review_orders`` over the received orders placed before the last
  ``LEFT_FOR_REVIEW`` (the newest stay in "to review"), at most ``MAX_REVIEWED`` of them;
* **incoming stock** (rows; no service yet) with expected dates for the sold-out products
  the stock-short queue waits for;
* **desk actions** through the verbs: information requested (one from a Chinese customer,
  so a message in Chinese is drafted), an unreachable customer held with a call-back,
  payment asked for, resolved and cancelled, each stock-short answer (wait, substitute,
  decline) and an open offer, one of a duplicate pair kept, the new buyer's burst banned by
  the supervisor (block list), their second account then caught by the block list, and a
  plan written on an account exception.

A verb that refuses (the data did not produce that queue) is tried on the next candidate;
a state no candidate allows is named in ``DeskWorkSummary.missing``. The same seed and
reference time give the same records (apart from the times the services stamp). About
600 orders are touched at most, whatever the size of the demo.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.lists import format_list
from sqlalchemy import func, select

from app.database import Database
from app.demo.desk_actions import _Desk
from app.demo.desk_files import LEFT_FOR_REVIEW, _add_promotions, _read_world, _write_reports
from app.demo.generate import DemoResult, demo_reference_time, generate_demo
from app.errors import NotFound
from app.i18n import _, current_language
from app.intake import import_file
from app.permissions import Actor, Role
from app.review.model import QUEUE_COUNT_WORDS
from app.review.queries import queue_counts
from app.review.service import (
    review_orders,
)
from app.review.stock_short import (
    short_lines,
)
from db.models import (
    BlockListEntry,
    IncomingStock,
    Order,
    Product,
    User,
    Warehouse,
)

log = logging.getLogger(__name__)

# The review run's bound: the newest received orders placed before the cut-off.
MAX_REVIEWED = 600
# Every state the desk actions leave behind.
DESK_STATES = (
    "information_requested",
    "information_requested_zh",
    "unreachable_held",
    "payment_asked",
    "payment_resolved",
    "payment_cancelled",
    "stock_offered",
    "stock_wait",
    "stock_substitute",
    "stock_decline",
    "duplicate_kept",
    "customer_banned",
    "block_list_caught",
    "exception_plan",
)


@dataclass(frozen=True)
class DeskWorkSummary:
    """What the desk work left in the demo database (``orderdesk demo --json``)."""

    import_batches: int
    imported_orders: int
    already_present: int
    intake_conflicts: int
    not_for_warehouse: int
    rejected_orders: int
    reviewed: int
    promotions: int
    discounted_lines: int
    explained_lines: int  # discounted demo lines a promotion now explains
    incoming_stock: int
    block_list_entries: int
    states: dict[str, str]  # desk state -> the order number that shows it
    missing: tuple[str, ...]  # desk states (or "intake") this demo's data did not allow
    queues: dict[str, int]
    # Later desks' demo stages (stock, picking …), each a summary with its own as_text().
    later: tuple[Any, ...] = ()
    # Allocation and pick lists made by the services (issue 11; app/demo/picking.py).
    picking: dict[str, int] = field(default_factory=dict)

    def as_text(self) -> str:
        later = "".join("\n" + summary.as_text() for summary in self.later)
        return self._own_text() + later

    def _own_text(self) -> str:
        queues = format_list(
            [_(QUEUE_COUNT_WORDS[name]).format(count=count) for name, count in self.queues.items()],
            locale=current_language(),
        )
        own = _(
            "Desk work: {imports} imports ({new} new orders, {present} already present, "
            "{conflicts} conflict, {rejected} rejected, {amazon} Amazon-fulfilled); "
            "{reviewed} reviewed; {actions} desk actions; {promotions} promotions (explain "
            "{explained} of {discounted} discounted lines), {incoming} incoming deliveries, "
            "{blocked} block-list entries; queues: {queues}; states missing: {missing}."
        ).format(
            imports=self.import_batches,
            new=self.imported_orders,
            present=self.already_present,
            conflicts=self.intake_conflicts,
            rejected=self.rejected_orders,
            amazon=self.not_for_warehouse,
            reviewed=self.reviewed,
            actions=len(self.states),
            promotions=self.promotions,
            explained=self.explained_lines,
            discounted=self.discounted_lines,
            incoming=self.incoming_stock,
            blocked=self.block_list_entries,
            queues=queues,
            missing=", ".join(self.missing) or _("none"),
        )
        if not self.picking:
            return own
        return (
            own
            + " "
            + _(
                "Picking: {allocated} allocated ({split} split, {stock_short} stock short), "
                "{pick_lists} pick lists ({finished} finished, {short_picked} short-picked, "
                "{claimed} claimed, {open} open)."
            ).format(**self.picking)
        )


def _later_stages() -> list[Callable[..., Any]]:
    """The demo stages of the desks built on review, in the order the work flows."""
    from app.demo.service_desk import stage_fulfilment, stage_service_desk
    from app.demo.stock import stage_stock_work

    return [stage_stock_work, stage_fulfilment, stage_service_desk]


def generate_demo_with_desk_work(
    database: Database, orders: int, seed: int, *, reference_time: dt.datetime | None = None
) -> tuple[DemoResult, DeskWorkSummary]:
    """The demo data and the desks' work on it, all in one transaction: interrupted, killed
    or failed anywhere, nothing is kept (the database stays empty, a re-run starts over)."""
    staged: list[DeskWorkSummary] = []

    def desk_work(inside: Database, result: DemoResult) -> None:
        summary = stage_desk_work(inside, result, seed, reference_time=reference_time)
        later = tuple(
            stage(inside, result, seed, reference_time=reference_time) for stage in _later_stages()
        )
        staged.append(dataclasses.replace(summary, later=later))

    result = generate_demo(
        database, orders=orders, seed=seed, reference_time=reference_time, then=desk_work
    )
    return result, staged[0]


def stage_desk_work(
    database: Database,
    result: DemoResult,
    seed: int,
    *,
    reference_time: dt.datetime | None = None,
) -> DeskWorkSummary:
    """Run the desks' services over a small part of a freshly generated demo (see above)."""
    now = reference_time or demo_reference_time()
    rng = random.Random(seed * 1_000_003 + 4)
    staff = _staff(database, result)
    clerk, supervisor = staff[Role.CUSTOMER_SERVICE], staff[Role.SUPERVISOR]
    world = _read_world(database, rng)
    promoted = world.promoted_product
    promotions, discounted, explained = _add_promotions(database, world, promoted, now)
    imports = []
    if world.can_fill_reports:
        with tempfile.TemporaryDirectory(prefix="orderdesk-demo-") as folder:
            first, second = _write_reports(Path(folder), world, rng, now)
            imports = [import_file(database, clerk, path) for path in (first, second)]
    reviewed = _review_all_but_newest(database, clerk, now)
    incoming = _add_incoming_stock(database, rng, now)
    desk = _Desk(database, clerk, supervisor, now)
    desk.work_the_queues()
    from app.demo.picking import stage_picking

    picking = stage_picking(database, supervisor)
    with database.unit_of_work() as uow:
        counts = queue_counts(uow.session, clerk)
        blocked = uow.session.scalar(select(func.count()).select_from(BlockListEntry)) or 0
    return DeskWorkSummary(
        import_batches=len(imports),
        imported_orders=sum(s.new_orders for s in imports),
        already_present=sum(s.already_present for s in imports),
        intake_conflicts=sum(s.conflicts for s in imports),
        not_for_warehouse=sum(s.not_for_warehouse for s in imports),
        rejected_orders=sum(s.rejected_orders for s in imports),
        reviewed=reviewed,
        promotions=promotions,
        discounted_lines=discounted,
        explained_lines=explained,
        incoming_stock=incoming,
        block_list_entries=blocked,
        states=desk.states,
        missing=("intake",) * (not imports)
        + tuple(state for state in DESK_STATES if state not in desk.states),
        queues={name: getattr(counts, name) for name in counts.__dataclass_fields__},
        picking=picking,
    )


# --------------------------------------------------------------------------- who acts


def _staff(database: Database, result: DemoResult) -> dict[Role, Actor]:
    """The demo's customer-service clerk and supervisor, as the services see people."""
    wanted = {Role.CUSTOMER_SERVICE, Role.SUPERVISOR}
    names = {Role(user.role): user.username for user in result.users if user.role in wanted}
    staff = {}
    with database.unit_of_work() as uow:
        for role in wanted:
            username = names.get(role, "")
            user = uow.session.scalars(select(User).where(User.username == username)).first()
            if user is None:
                raise NotFound("demo user", username or role.value)
            staff[role] = Actor(
                user.id, user.username, frozenset(r.name for r in user.roles), user.full_name
            )
    return staff


# --------------------------------------------------------------------------- review


def _review_all_but_newest(database: Database, actor: Actor, now: dt.datetime) -> int:
    """Review the newest received orders placed before the cut-off, at most MAX_REVIEWED."""
    with database.unit_of_work() as uow:
        placed = func.coalesce(Order.purchased_at, Order.received_at)
        ids = list(
            uow.session.scalars(
                select(Order.id)
                .where(Order.status == "received", placed < now - LEFT_FOR_REVIEW)
                .order_by(Order.id.desc())
                .limit(MAX_REVIEWED)
            )
        )
    return review_orders(database, actor, ids).reviewed if ids else 0


# --------------------------------------------------------------------------- incoming stock


def _add_incoming_stock(database: Database, rng: random.Random, now: dt.datetime) -> int:
    """A purchase order on its way for each product the stock-short queue waits for."""
    with database.unit_of_work() as uow:
        session = uow.session
        orders = list(
            session.scalars(
                select(Order).where(Order.status == "stock_short").order_by(Order.id).limit(50)
            )
        )
        short: Counter[str] = Counter()
        for order in orders:
            for line in short_lines(session, order):
                short[line.sku] += line.short
        products = session.execute(
            select(Product.id, Product.category, Product.sku)
            .where(Product.sku.in_(list(short)))
            .order_by(Product.id)
        ).all()
        warehouses = _warehouses_by_category(session)
        for number, (product_id, category, sku) in enumerate(products, start=1):
            units = short[sku]
            home = warehouses.get(category) or warehouses.get("") or []
            session.add(
                IncomingStock(
                    product_id=product_id,
                    warehouse_id=rng.choice(home) if home else None,
                    quantity=max(units, rng.choice((24, 36, 48, 60, 120))),
                    expected_date=(now + dt.timedelta(days=rng.randrange(4, 15))).date(),
                    reference=f"PO-{now:%Y}-{4100 + number:05d}",
                    status="expected",
                )
            )
        uow.commit()
        return len(products)


def _warehouses_by_category(session) -> dict[str, list[int]]:
    """Warehouse ids per category they stock ("" for warehouses that stock everything)."""
    found: dict[str, list[int]] = {}
    for warehouse_id, categories in session.execute(
        select(Warehouse.id, Warehouse.categories).order_by(Warehouse.id)
    ):
        for category in (categories or "").split(","):
            found.setdefault(category.strip(), []).append(warehouse_id)
    return found
