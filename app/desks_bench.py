"""Many desks on one database at once: the real mix, then the invariants that must hold.

Used by the standing test (``tests/pg/test_many_desks.py``, a fixed number of rounds) and
by ``orderdesk bench desks --n DESKS`` (a fixed time): each desk is a process of its own
with its own engine, as at a warehouse, doing in turn

* an import of one of several overlapping Amazon reports (the same orders and the same
  buyers in several files, imported by several desks at the same moment),
* an auto-review run over every received order (``app.review`` batch),
* a shop-counter sale to a walk-in customer from a small pool (two desks often create
  the same new customer at once),
* a review verb on an order in a queue (review again, or a supervisor's approval),
* a login with a wrong password, for a known user or a name nobody has.

Afterwards ``check_invariants`` lists every violation, in words: duplicate customers by
buyer id or e-mail, an order taken off ``received`` twice (or re-reviewed by a run that
should only take received orders), an order whose lines are not all there, an order
whose audit trail does not lead to its status, failed logins not all counted.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import random
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app import auth
from app.address import PostalAddress
from app.bench import BenchResult
from app.counter.model import (
    CounterOrderDraft,
    CounterPayment,
    DraftLine,
    NewCustomer,
)
from app.counter.service import place_counter_order
from app.database import Database, open_database, parse_url, upgrade_database
from app.errors import LoginFailed, LoginThrottled, OrderdeskError
from app.intake import import_file
from app.intake.bench import HEADER, _ensure_catalogue, _row, _sku
from app.permissions import Actor, Role
from app.review.service import approve_order, rereview_order, review_orders
from app.review.verbs import QUEUE_STATUSES
from db.models import AuditEvent, Customer, Order, OrderLine, Product, User
from db.models_auth import LoginThrottle

log = logging.getLogger(__name__)

KINDS = ("import", "review", "counter", "verb", "login")
BENCH_SECONDS = 20.0
FILES = 4
ORDERS_PER_FILE = 120
BUYERS = 150
WALK_INS = 6
KNOWN_LOGIN_USERS = 2
WRONG_PASSWORD = "not the password at all"
REVIEW_BATCH = 50


@dataclass(frozen=True)
class MixPlan:
    """What every desk shares: the files, the users to fail logins for, the walk-ins."""

    tag: str
    files: tuple[str, ...]
    lines_per_order: dict[str, int]  # channel order id → lines in every file holding it
    login_names: tuple[str, ...]  # known users, then one name nobody has
    walk_in_emails: tuple[str, ...]
    product_ids: tuple[int, ...]
    product_price_cents: int


@dataclass
class DeskTally:
    """What one desk did and saw; plain data sent back from its process."""

    desk: int
    operations: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)  # expected refusals when desks race
    failed_logins: Counter = field(default_factory=Counter)  # name → LoginFailed seen
    counter_lines: dict[str, int] = field(default_factory=dict)  # SHOP id → lines sold
    errors: list[str] = field(default_factory=list)  # anything unexpected: a violation

    @property
    def total(self) -> int:
        return sum(self.operations.values())


# --------------------------------------------------------------------------- preparing


def prepare(database: Database, folder: Path, seed: int = 11) -> MixPlan:
    """Catalogue, users and overlapping report files for one run (distinct per tag)."""
    tag = uuid.uuid4().hex[:6]
    _ensure_catalogue(database)
    rng = random.Random(seed)
    buyers = [_buyer(rng, tag, i) for i in range(BUYERS)]
    total_orders = ORDERS_PER_FILE * (FILES + 1) // 2
    rows_of: dict[str, list[str]] = {}
    start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    for n in range(total_orders):
        order_rng = random.Random(f"{seed}-{n}")
        order_id = f"D{tag}-{n:07d}"
        buyer = buyers[n % BUYERS]
        purchased = start + dt.timedelta(minutes=n)
        items = 1 + n % 3
        rows_of[order_id] = [
            _row(order_rng, order_id, item, purchased, buyer, "Standard") for item in range(items)
        ]
    order_ids = list(rows_of)
    files = []
    step = ORDERS_PER_FILE // 2
    for k in range(FILES):  # file k holds orders [k·step, k·step + ORDERS_PER_FILE): overlaps
        chosen = order_ids[k * step : k * step + ORDERS_PER_FILE]
        path = folder / f"desks-{tag}-{k}.txt"
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(HEADER + "\n")
            for order_id in chosen:
                handle.writelines(row + "\n" for row in rows_of[order_id])
        files.append(str(path))
    admin = Actor(user_id=None, username="desks-bench", roles=frozenset({Role.ADMIN.value}))
    names = []
    for k in range(KNOWN_LOGIN_USERS):
        name = f"desk{k}{tag}"
        auth.add_user(database.unit_of_work(), admin, name, f"right password {tag}", ["warehouse"])
        names.append(name)
    names.append(f"nobody{tag}")
    with database.unit_of_work() as uow:
        products = uow.session.execute(
            select(Product.id, Product.price_cents)
            .where(Product.sku.in_([_sku(i) for i in range(10)]))
            .order_by(Product.id)
        ).all()
    return MixPlan(
        tag=tag,
        files=tuple(files),
        lines_per_order={order_id: len(rows) for order_id, rows in rows_of.items()},
        login_names=tuple(names),
        walk_in_emails=tuple(f"walkin{k}.{tag}@example.com" for k in range(WALK_INS)),
        product_ids=tuple(product_id for product_id, _ in products),
        product_price_cents=products[0].price_cents,
    )


def _buyer(rng: random.Random, tag: str, i: int) -> dict:
    city, region, postal_code, country = rng.choice(
        [("London", "", "E1 6AN", "GB"), ("York", "North Yorkshire", "YO1 7HH", "GB")]
    )
    return {
        "email": f"d{i:05d}{tag}@marketplace.amazon.co.uk",
        "name": f"Buyer {i}",
        "phone": f"+44 20 7946 {i % 10000:04d}",
        "line1": f"{1 + i % 250} Mill Lane",
        "city": city,
        "region": region,
        "postal_code": postal_code,
        "country": country,
        "currency": "GBP",
    }


# --------------------------------------------------------------------------- one desk


def run_desk(
    url: str, plan: MixPlan, desk: int, *, rounds: int | None, deadline: float | None
) -> DeskTally:
    """One desk's share of the mix: ``rounds`` of every kind, or until ``deadline``."""
    tally = DeskTally(desk)
    rng = random.Random(desk)
    database = open_database(url)
    clerk = Actor(None, f"clerk-d{desk}", frozenset({Role.CUSTOMER_SERVICE.value}))
    supervisor = Actor(None, f"supervisor-d{desk}", frozenset({Role.SUPERVISOR.value}))
    step = 0
    try:
        while True:
            if rounds is not None and step >= rounds * len(KINDS):
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
            kind = KINDS[(step + desk) % len(KINDS)]
            try:
                _one(kind, database, plan, desk, step, rng, clerk, supervisor, tally)
                tally.operations[kind] += 1
            except OrderdeskError as error:  # a refusal a desk would show: not a violation
                tally.operations[kind] += 1
                tally.refused[f"{kind}: {type(error).__name__}"] += 1
            except Exception as error:  # a traceback at a desk: a violation
                log.exception("desk %s: %s failed", desk, kind)
                tally.errors.append(f"desk {desk} {kind}: {type(error).__name__}: {error}")
            step += 1
    finally:
        database.dispose()
    return tally


def _one(kind, database, plan, desk, step, rng, clerk, supervisor, tally) -> None:
    if kind == "import":
        path = plan.files[(desk + step // len(KINDS)) % len(plan.files)]
        import_file(database, clerk, path, batch_orders=25)
    elif kind == "review":
        run = Actor(None, f"auto-review-d{desk}-s{step}", frozenset({Role.SUPERVISOR.value}))
        review_orders(database, run, "all_received", batch_size=REVIEW_BATCH)
    elif kind == "counter":
        _counter_sale(database, plan, desk, rng, clerk, tally)
    elif kind == "verb":
        _review_verb(database, rng, supervisor)
    elif kind == "login":
        name = plan.login_names[(desk + step) % len(plan.login_names)]
        try:
            auth.login(database.unit_of_work(), name, WRONG_PASSWORD)
        except LoginFailed:
            tally.failed_logins[name] += 1
        except LoginThrottled:
            tally.refused["login: LoginThrottled"] += 1


def _counter_sale(database, plan, desk, rng, clerk, tally) -> None:
    email = rng.choice(plan.walk_in_emails)
    lines = tuple(
        DraftLine(product_id, 1) for product_id in rng.sample(plan.product_ids, rng.randint(1, 2))
    )
    draft = CounterOrderDraft(
        store_code=("BER", "MUC")[desk % 2],
        new_customer=NewCustomer(f"Walk-in {email[:7]}", phone="", email=email),
        address=PostalAddress(
            line1="Unter den Linden 5", city="Berlin", postal_code="10117", country_code="DE"
        ),
        lines=lines,
        payment=CounterPayment(method="cash", amount_cents=len(lines) * plan.product_price_cents),
    )
    placed = place_counter_order(database.unit_of_work(), clerk, draft)
    tally.counter_lines[placed.channel_order_id] = len(lines)


def _review_verb(database, rng, supervisor) -> None:
    with database.unit_of_work() as uow:
        candidates = uow.session.execute(
            select(Order.id, Order.version)
            .where(Order.status.in_([s for s in QUEUE_STATUSES if s != "on_hold"]))
            .order_by(Order.id.desc())
            .limit(20)
        ).all()
    if not candidates:
        return
    order_id, version = rng.choice(candidates)
    if rng.random() < 0.5:
        rereview_order(database.unit_of_work(), supervisor, order_id, expected_version=version)
    else:
        approve_order(
            database.unit_of_work(),
            supervisor,
            order_id,
            expected_version=version,
            override_reason="checked with the customer on the phone",
        )


# --------------------------------------------------------------------------- many desks


def run_desks(
    url: str,
    plan: MixPlan,
    desks: int,
    *,
    rounds: int | None = None,
    seconds: float | None = None,
) -> tuple[list[DeskTally], float]:
    """Start ``desks`` processes at once; their tallies and the seconds they took."""
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    results = context.Queue()
    start = context.Barrier(desks + 1)
    processes = [
        context.Process(
            target=_desk_process, args=(url, plan, desk, rounds, seconds, start, results)
        )
        for desk in range(desks)
    ]
    for process in processes:
        process.start()
    start.wait()
    began = time.monotonic()
    tallies = [results.get(timeout=600) for _ in processes]
    elapsed = time.monotonic() - began
    for process in processes:
        process.join()
    return sorted(tallies, key=lambda t: t.desk), elapsed


def _desk_process(url, plan, desk, rounds, seconds, start, results) -> None:
    start.wait()
    deadline = time.monotonic() + seconds if seconds is not None else None
    try:
        tally = run_desk(url, plan, desk, rounds=rounds, deadline=deadline)
    except Exception as error:  # e.g. the database could not be opened
        tally = DeskTally(desk, errors=[f"desk {desk}: {type(error).__name__}: {error}"])
    results.put(tally)


# --------------------------------------------------------------------------- invariants


def check_invariants(database: Database, plan: MixPlan, tallies: list[DeskTally]) -> list[str]:
    """Every way the shared database went wrong, in words; empty when all is well."""
    violations = [error for tally in tallies for error in tally.errors]
    with database.unit_of_work() as uow:
        session = uow.session
        violations += _duplicate_customers(session)
        violations += _reviewed_twice(session)
        violations += _lines_not_whole(session, plan, tallies)
        violations += _audit_not_matching_status(session)
        violations += _failed_logins_not_counted(session, plan, tallies)
    return violations


def _duplicate_customers(session) -> list[str]:
    found = []
    for label, column in (
        ("buyer id", Customer.channel_buyer_id),
        ("e-mail", func.lower(Customer.email)),
    ):
        rows = session.execute(
            select(column, func.count())
            .where(column.is_not(None))
            .group_by(column)
            .having(func.count() > 1)
        ).all()
        found += [f"{count} customers with {label} {value}" for value, count in rows]
    return found


def _reviewed_twice(session) -> list[str]:
    rows = session.execute(
        select(AuditEvent.actor_name, AuditEvent.entity_id, func.count())
        .where(
            AuditEvent.entity_type == "order",
            AuditEvent.action == "status",
            AuditEvent.from_state == "received",
        )
        .group_by(AuditEvent.actor_name, AuditEvent.entity_id)
        .having(func.count() > 1)
    ).all()
    found = [
        f"run {actor} took order {order_id} off received {n} times" for actor, order_id, n in rows
    ]
    retaken = session.execute(
        select(AuditEvent.actor_name, AuditEvent.entity_id).where(
            AuditEvent.entity_type == "order",
            AuditEvent.action == "status",
            AuditEvent.to_state == "received",
            AuditEvent.actor_name.like("auto-review-%"),
        )
    ).all()
    found += [
        f"run {actor} reviewed order {order_id} again after another run had moved it"
        for actor, order_id in retaken
    ]
    return found


def _lines_not_whole(session, plan: MixPlan, tallies: list[DeskTally]) -> list[str]:
    expected = dict(plan.lines_per_order)
    for tally in tallies:
        expected.update(tally.counter_lines)
    lines: dict[int, list[int]] = defaultdict(list)
    for order_id, line_no in session.execute(select(OrderLine.order_id, OrderLine.line_no)):
        lines[order_id].append(line_no)
    found = []
    for order_id, channel_order_id in session.execute(select(Order.id, Order.channel_order_id)):
        numbers = sorted(lines.get(order_id, []))
        want = expected.get(channel_order_id)
        if want is None:
            if channel_order_id.startswith("SHOP-") and not numbers:
                found.append(f"counter order {channel_order_id} has no lines")
            continue  # a counter sale whose desk did not hear back: checked for lines only
        if numbers != list(range(1, want + 1)):
            found.append(f"order {channel_order_id} has lines {numbers}, expected 1..{want}")
    return found


def _audit_not_matching_status(session) -> list[str]:
    status = dict(session.execute(select(Order.id, Order.status)).all())
    trail: dict[int, list[tuple]] = defaultdict(list)
    for order_id, action, from_state, to_state in session.execute(
        select(AuditEvent.entity_id, AuditEvent.action, AuditEvent.from_state, AuditEvent.to_state)
        .where(
            AuditEvent.entity_type == "order",
            AuditEvent.action.in_(("imported", "entered", "status")),
        )
        .order_by(AuditEvent.id)
    ):
        trail[order_id].append((action, from_state, to_state))
    found = []
    for order_id, current in status.items():
        events = trail.get(order_id, [])
        created = [e for e in events if e[0] in ("imported", "entered")]
        if len(created) != 1 or events[0] != created[0]:
            found.append(f"order {order_id} has {len(created)} creation events")
            continue
        state = created[0][2]
        for _action, from_state, to_state in events[1:]:
            if from_state != state:
                found.append(f"order {order_id}: an event moves it from {from_state} at {state}")
            state = to_state
        if state != current:
            found.append(f"order {order_id} is {current} but its audit trail ends at {state}")
    return found


def _failed_logins_not_counted(session, plan: MixPlan, tallies: list[DeskTally]) -> list[str]:
    seen: Counter = Counter()
    for tally in tallies:
        seen.update(tally.failed_logins)
    found = []
    *known, unknown = plan.login_names
    for name in known:
        user_id, stored = session.execute(
            select(User.id, User.failed_logins).where(User.username == name)
        ).one()
        events = session.scalar(
            select(func.count()).where(
                AuditEvent.entity_type == "user",
                AuditEvent.entity_id == user_id,
                AuditEvent.action == "login_failed",
            )
        )
        if not stored == events == seen[name]:
            found.append(
                f"user {name}: {seen[name]} failed logins seen, {stored} counted, {events} audited"
            )
    stored = session.scalar(
        select(LoginThrottle.failed_logins).where(LoginThrottle.name == unknown)
    )
    if (stored or 0) != seen[unknown]:
        found.append(f"unknown name: {seen[unknown]} failed logins seen, {stored} counted")
    return found


# --------------------------------------------------------------------------- the bench


@dataclass(frozen=True)
class DesksRun:
    desks: int
    seconds: float
    operations: int
    per_kind: dict[str, int]
    refused: dict[str, int]
    failed_logins: int
    violations: list[str]

    @property
    def per_second(self) -> float:
        return self.operations / self.seconds if self.seconds > 0 else 0.0


def run_mix(
    url: str, desks: int, *, rounds: int | None = None, seconds: float | None = None
) -> DesksRun:
    """Prepare, run the desks at once, check: what the test and the bench both do."""
    with tempfile.TemporaryDirectory(prefix="orderdesk-desks-") as folder:
        database = open_database(url)
        try:
            plan = prepare(database, Path(folder))
        finally:
            database.dispose()  # no connection crosses the fork
        tallies, elapsed = run_desks(url, plan, desks, rounds=rounds, seconds=seconds)
        database = open_database(url)
        try:
            violations = check_invariants(database, plan, tallies)
        finally:
            database.dispose()
    per_kind: Counter = Counter()
    refused: Counter = Counter()
    for tally in tallies:
        per_kind.update(tally.operations)
        refused.update(tally.refused)
    failed_logins = sum(sum(tally.failed_logins.values()) for tally in tallies)
    return DesksRun(
        desks,
        elapsed,
        sum(per_kind.values()),
        dict(per_kind),
        dict(refused),
        failed_logins,
        violations,
    )


def bench_desks(n: int, url: str) -> list[BenchResult]:
    """``orderdesk bench desks --n DESKS``: the mix for ``BENCH_SECONDS`` on a throwaway
    database (on the PostgreSQL server of ``--db`` or ``ORDERDESK_TEST_PG_URL``, else the
    bench's SQLite file); operations per second and the number of invariant violations."""
    # Throwaway accounts in a throwaway database: hashed at the quick cost.
    os.environ.setdefault(auth.PASSWORD_COST_ENV, "quick")
    with _throwaway_database(url) as target:
        run = run_mix(target, n, seconds=BENCH_SECONDS)
    for violation in run.violations[:20]:
        log.error("invariant violated: %s", violation)
    dialect = make_url(target).get_backend_name()
    return [
        BenchResult(
            bench="desks",
            n=run.operations,
            seconds=run.seconds,
            db=f"{dialect}, {n} desks, {run.per_kind}",
            extra={"desks": n, "violations": len(run.violations)},
        )
    ]


@contextmanager
def _throwaway_database(url: str) -> Iterator[str]:
    server = url if make_url(url).get_backend_name() == "postgresql" else None
    server = server or os.environ.get("ORDERDESK_TEST_PG_URL")
    if server is None:
        database = open_database(url)  # the bench's own temporary SQLite file
        database.dispose()
        yield url
        return
    name = f"orderdesk_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(parse_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    target = make_url(parse_url(server)).set(database=name).render_as_string(hide_password=False)
    try:
        database = open_database(target, check_schema=False)
        upgrade_database(database)
        database.dispose()
        yield target
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
