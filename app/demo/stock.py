"""Stock desk work on the demo, through the stock services as the demo's own staff.

After ``generate_demo`` (bins, lots received on many dates) and the desk work (incoming
deliveries for the sold-out products), this step makes what the stock desk makes:

* per warehouse a receiving bin, two overflow bins and three pick faces (supervisor);
* low-stock thresholds: every product a warehouse holds fewer than ten units of, plus a
  few well-stocked ones that are not low, so the low-stock list shows real suggestions;
* a delivery received partly against its incoming line into the receiving bin, half of it
  put away to storage; a free receipt into an overflow bin dated a week ago;
* a pick face with a minimum that has fallen below it (a replenishment suggestion);
* a count that found one unit fewer than the system (a booked difference with a reason).

A step that finds nothing to work on is skipped and named in ``missing``. Touches a few
dozen rows whatever the demo's size, so ``bench demo`` is unaffected (it does not run it).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import func, select

from app.database import Database
from app.demo import DemoResult, demo_reference_time
from app.errors import NotFound, OrderdeskError
from app.permissions import Actor, Role
from app.stock.model import BinKind
from app.stock.service import book_count, move_stock, receive_stock
from app.stock.setup import save_bin, set_pick_face_rule, set_reorder_rule
from db.models import Bin, IncomingStock, Product, StockQuant, User, Warehouse

LOW_BELOW = 10
RECEIVING_BIN, OVERFLOW_BINS, PICK_FACES = (
    "RCV-01",
    ("OVF-01", "OVF-02"),
    ("PF-01", "PF-02", "PF-03"),
)


@dataclass(frozen=True)
class StockWorkSummary:
    bins_added: int
    thresholds: int
    receipts: int
    moves: int
    counts: int
    missing: tuple[str, ...]

    def as_text(self) -> str:
        from app.i18n import _

        return _(
            "Stock desk: {bins} receiving/overflow/pick-face bins, {thresholds} low-stock "
            "thresholds, {receipts} receipts, {moves} moves, {counts} count; steps missing: "
            "{missing}."
        ).format(
            bins=self.bins_added,
            thresholds=self.thresholds,
            receipts=self.receipts,
            moves=self.moves,
            counts=self.counts,
            missing=", ".join(self.missing) or _("none"),
        )


def _actor(database: Database, result: DemoResult, role: Role) -> Actor:
    username = next((u.username for u in result.users if u.role == role.value), "")
    with database.unit_of_work() as uow:
        user = uow.session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound("demo user", username or role.value)
        return Actor(user.id, user.username, frozenset(r.name for r in user.roles), user.full_name)


def stage_stock_work(
    database: Database,
    result: DemoResult,
    seed: int,
    *,
    reference_time: dt.datetime | None = None,
) -> StockWorkSummary:
    now = reference_time or demo_reference_time()
    rng = random.Random(seed * 7_919 + 11)
    boss = _actor(database, result, Role.SUPERVISOR)
    hands = _actor(database, result, Role.WAREHOUSE)
    missing: list[str] = []
    with database.unit_of_work() as uow:
        warehouses = uow.session.execute(
            select(Warehouse.id, Warehouse.code).order_by(Warehouse.id)
        ).all()
    bins = 0
    for warehouse_id, code in warehouses:
        with database.unit_of_work() as uow:
            taken = set(
                uow.session.scalars(
                    select(Bin.pick_sequence).where(Bin.warehouse_id == warehouse_id)
                )
            )
            present = set(
                uow.session.scalars(select(Bin.code).where(Bin.warehouse_id == warehouse_id))
            )
        free = (n for n in range(1, 100_000) if n not in taken)
        for bin_code, kind in (
            (RECEIVING_BIN, BinKind.RECEIVING),
            *((c, BinKind.PICK_FACE) for c in PICK_FACES),
            *((c, BinKind.OVERFLOW) for c in OVERFLOW_BINS),
        ):
            if bin_code in present:
                continue
            position = (
                next(free) if kind is not BinKind.OVERFLOW else max(taken | {0}) + 10 * (bins + 1)
            )
            taken.add(position)
            with database.unit_of_work() as uow:
                save_bin(
                    uow, boss, warehouse=code, code=bin_code, pick_sequence=position, kind=kind
                )
            bins += 1

    thresholds = _thresholds(database, boss, rng)
    receipts, moves = _receive_and_put_away(database, hands, now, missing)
    r2, m2 = _pick_face_below_minimum(database, boss, hands, now, missing)
    counts = _count_with_difference(database, boss, missing)
    return StockWorkSummary(bins, thresholds, receipts + r2, moves + m2, counts, tuple(missing))


def _thresholds(database: Database, boss: Actor, rng: random.Random) -> int:
    with database.unit_of_work() as uow:
        s = uow.session
        rows = s.execute(
            select(
                StockQuant.product_id,
                StockQuant.warehouse_id,
                func.sum(StockQuant.on_hand - StockQuant.reserved),
            )
            .group_by(StockQuant.product_id, StockQuant.warehouse_id)
            .order_by(StockQuant.product_id, StockQuant.warehouse_id)
        ).all()
        skus = dict(s.execute(select(Product.id, Product.sku)).all())
        codes = dict(s.execute(select(Warehouse.id, Warehouse.code)).all())
    low = [row for row in rows if row[2] < LOW_BELOW][:40]
    plenty = [row for row in rows if row[2] >= 4 * LOW_BELOW]
    chosen = low + rng.sample(plenty, min(10, len(plenty)))
    for product_id, warehouse_id, _free in chosen:
        with database.unit_of_work() as uow:
            set_reorder_rule(
                uow, boss, product=skus[product_id], warehouse=codes[warehouse_id],
                min_quantity=LOW_BELOW + rng.choice((0, 5, 10)), pack_size=rng.choice((1, 6, 12)),
            )  # fmt: skip
    return len(chosen)


def _receive_and_put_away(
    database: Database, hands: Actor, now: dt.datetime, missing: list[str]
) -> tuple[int, int]:
    with database.unit_of_work() as uow:
        line = uow.session.execute(
            select(IncomingStock.id, IncomingStock.quantity, Product.sku, Warehouse.code)
            .join(Product, Product.id == IncomingStock.product_id)
            .join(Warehouse, Warehouse.id == IncomingStock.warehouse_id)
            .where(IncomingStock.status == "expected", IncomingStock.quantity >= 4)
            .order_by(IncomingStock.expected_date, IncomingStock.id)
            .limit(1)
        ).first()
        if line is not None:
            storage = uow.session.scalar(
                select(Bin.code)
                .join(Warehouse, Warehouse.id == Bin.warehouse_id)
                .where(Warehouse.code == line[3], Bin.kind == "storage")
                .order_by(Bin.pick_sequence)
                .limit(1)
            )
    if line is None or storage is None:
        missing.append("receipt against incoming stock")
        return 0, 0
    incoming_id, expected, sku, code = line
    part = max(2, expected // 2)
    with database.unit_of_work() as uow:
        receive_stock(
            uow, hands, warehouse=code, product=sku, quantity=part, bin_code=RECEIVING_BIN,
            incoming_id=incoming_id, received_date=now.date(), note="first pallet",
        )  # fmt: skip
    with database.unit_of_work() as uow:
        move_stock(
            uow, hands, warehouse=code, product=sku, quantity=part // 2, from_bin=RECEIVING_BIN,
            to_bin=storage,
        )  # fmt: skip
    return 1, 1


def _pick_face_below_minimum(
    database: Database, boss: Actor, hands: Actor, now: dt.datetime, missing: list[str]
) -> tuple[int, int]:
    with database.unit_of_work() as uow:
        row = uow.session.execute(
            select(Product.sku, Warehouse.code)
            .join(StockQuant, StockQuant.product_id == Product.id)
            .join(Warehouse, Warehouse.id == StockQuant.warehouse_id)
            .where(StockQuant.on_hand - StockQuant.reserved >= 30, Product.active.is_(True))
            .order_by(StockQuant.id)
            .limit(1)
        ).first()
    if row is None:
        missing.append("pick face to replenish")
        return 0, 0
    sku, code = row
    try:
        with database.unit_of_work() as uow:
            receive_stock(
                uow, hands, warehouse=code, product=sku, quantity=40, bin_code=OVERFLOW_BINS[0],
                free_receiving=True, received_date=now.date() - dt.timedelta(days=7),
                note="overflow pallet",
            )  # fmt: skip
        with database.unit_of_work() as uow:
            receive_stock(
                uow, hands, warehouse=code, product=sku, quantity=2, bin_code=PICK_FACES[0],
                free_receiving=True, received_date=now.date() - dt.timedelta(days=7),
            )  # fmt: skip
        with database.unit_of_work() as uow:
            set_pick_face_rule(
                uow, boss, warehouse=code, bin_code=PICK_FACES[0], product=sku, min_quantity=6,
                max_quantity=24,
            )  # fmt: skip
    except OrderdeskError:
        missing.append("pick face to replenish")
        return 0, 0
    return 2, 0


def _count_with_difference(database: Database, boss: Actor, missing: list[str]) -> int:
    with database.unit_of_work() as uow:
        row = uow.session.execute(
            select(Product.sku, Warehouse.code, Bin.code, func.sum(StockQuant.on_hand))
            .join(StockQuant, StockQuant.product_id == Product.id)
            .join(Bin, Bin.id == StockQuant.bin_id)
            .join(Warehouse, Warehouse.id == StockQuant.warehouse_id)
            .where(Bin.kind == "storage")
            .group_by(Product.sku, Warehouse.code, Bin.code)
            # A bin nothing is promised from: the count compares the whole bin.
            .having(func.sum(StockQuant.reserved) == 0, func.sum(StockQuant.on_hand) >= 5)
            .order_by(Product.sku, Warehouse.code, Bin.code)
            .limit(1)
        ).first()
    if row is None:
        missing.append("count")
        return 0
    sku, code, bin_code, system = row
    try:
        with database.unit_of_work() as uow:
            book_count(
                uow, boss, warehouse=code, product=sku, bin_code=bin_code, counted=int(system) - 1,
                reason="Cycle count: one unit damaged", expected_system=int(system),
            )  # fmt: skip
    except OrderdeskError:
        missing.append("count")
        return 0
    return 1
