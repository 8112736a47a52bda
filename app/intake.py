"""Order intake: a file of channel orders into the shared database, exactly once.

``import_file`` reads the file with the reader for its format (``app.formats``) and writes
the orders in batches of ``BATCH_ORDERS``. **Each batch is one transaction** (the
exception to "one user action = one transaction", on purpose): a file of 200,000 rows is
not one giant transaction that holds the database and loses everything on a crash, and a
killed or cancelled import leaves whole orders only — never half of one. Running the same
import again finishes the job, because:

- the ``(channel, channel_order_id)`` unique constraint is the backstop: an order is
  inserted with ``ON CONFLICT DO NOTHING``, so two desks importing the same file at once
  cannot make two orders;
- an order already present with the same content fingerprint counts as already present;
  with a different fingerprint it is **not overwritten** but recorded as an
  ``IntakeConflict`` for the review desk (once per distinct content).

Orders land in status ``received`` with their stage times, lines (``product_id`` resolved
from the SKU, NULL when unknown — review flags it), a marketplace payment when the channel
says it is paid, and an ``imported`` audit event naming the file and rows. Customers are
matched by the channel's buyer id, else e-mail, else (only when neither is given) phone,
or created — atomically: buyer id and e-mail are unique keys in the database, and a new
customer is inserted with ``ON CONFLICT DO NOTHING`` and read back by key, so desks
importing the same buyers at once make one customer each. All lookups are ``IN`` queries
per batch, never one query per row.
Amazon-fulfilled and cancelled orders are counted, not stored (they are not our
warehouse's work) — unless the order is already here, in which case different content is
a conflict like any other (e.g. the channel now says "cancelled").
"""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import logging
import marshal
import multiprocessing
import multiprocessing.process
import operator
import os
import signal
import socket
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import String, Table, any_, bindparam, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.audit import add_events
from app.database import Database
from app.errors import InvalidInput, ReaderStopped
from app.formats import read_orders
from app.formats.common import (
    NO_CURRENCY,
    IncomingOrder,
    RejectedOrder,
    RejectedRow,
    normalise_email,
    normalise_phone,
)
from app.formats.stream import OrderStream, SourceOrder, source_as_tuple, source_from_tuple
from app.i18n import Sentence as S
from app.permissions import Actor, Permission, require
from app.views.search_keys import customer_search_keys
from db.models import (
    Address,
    Customer,
    ImportBatch,
    IntakeConflict,
    Order,
    OrderImport,
    OrderLine,
    Payment,
    Product,
    utcnow,
)

log = logging.getLogger(__name__)

BATCH_ORDERS = 1000
# From this many rows (units) on, a worker process reads and parses while this one writes.
WORKER_FROM_UNITS = 20_000
ORDER_STAGE = "intake_orders_stage"  # PostgreSQL temporary table, per connection
# Rejected rows are all counted; the first this many are kept with their cells for the
# summary and the "save rejected rows" export, so a wholly broken file cannot fill memory.
MAX_KEPT_REJECTED_ROWS = 20_000
MAX_CHANNEL_LENGTH = 40

Progress = Callable[[int, int], None]  # (units done, units total; 0 = unknown)
Cancelled = Callable[[], bool]


@dataclass
class ImportSummary:
    file: str
    format: str
    import_batch_id: int
    units_total: int = 0
    units_done: int = 0
    new_orders: int = 0
    already_present: int = 0
    conflicts: int = 0
    not_for_warehouse: int = 0  # Amazon-fulfilled or cancelled, not stored
    rejected_orders: int = 0
    rejected_row_count: int = 0
    rejected_rows: list[RejectedRow] = field(default_factory=list)
    new_customers: int = 0
    unknown_skus: int = 0  # order lines whose SKU is not in the catalogue
    cancelled: bool = False
    header: tuple[str, ...] = ()

    def as_json(self) -> dict:
        return {
            "file": self.file,
            "format": self.format,
            "import_batch_id": self.import_batch_id,
            "new_orders": self.new_orders,
            "already_present": self.already_present,
            "conflicts": self.conflicts,
            "not_for_warehouse": self.not_for_warehouse,
            "rejected_orders": self.rejected_orders,
            "rejected_row_count": self.rejected_row_count,
            "rejected_rows": [
                {"row": r.row, "order_id": r.order_id, "reason": r.reason}
                for r in self.rejected_rows
            ],
            "new_customers": self.new_customers,
            "unknown_skus": self.unknown_skus,
            "cancelled": self.cancelled,
        }


# --------------------------------------------------------------------------- the verb


def import_file(
    database: Database,
    actor: Actor,
    path: Path | str,
    format: str | None = None,
    channel: str | None = None,
    progress: Progress | None = None,
    cancel: Cancelled | None = None,
    batch_orders: int | None = None,
    encoding: str | None = None,
) -> ImportSummary:
    """Import the orders in ``path``; raises ``FormatError`` when the file cannot be read.

    ``cancel`` is asked between batches: what was committed stays (whole orders only) and
    the summary says ``cancelled``; importing the file again finishes the job.
    ``encoding`` names the file's code page when it is not UTF-8 (default: the
    marketplace's legacy one, see ``app.formats.delimited``).
    """
    require(actor, Permission.IMPORT_ORDERS)
    if channel is not None and not 0 < len(channel.strip()) <= MAX_CHANNEL_LENGTH:
        raise InvalidInput(
            "channel", channel, S("a name of 1 to {n} characters", n=MAX_CHANNEL_LENGTH)
        )
    path = Path(path)
    stream = read_orders(path, format, channel.strip() if channel else None, encoding)
    mark_interrupted_imports(database)
    batch_id = _start_batch(database, actor, path, stream.format, channel, stream.total_units)
    summary = ImportSummary(
        str(path), stream.format, batch_id, units_total=stream.total_units, header=stream.header
    )
    writer = _BatchWriter(actor, path.name, batch_id, database.dialect)
    status = "failed"
    try:
        with _fewer_gc_pauses():
            size = batch_orders or BATCH_ORDERS
            _run_batches(database, stream, writer, summary, size, progress, cancel)
        status = "cancelled" if summary.cancelled else "done"
    finally:
        _finish_batch(database, summary, status)
    return summary


def _run_batches(
    database: Database,
    stream: OrderStream,
    writer: _BatchWriter,
    summary: ImportSummary,
    batch_orders: int,
    progress: Progress | None,
    cancel: Cancelled | None,
) -> None:
    with _source_batches(stream, batch_orders, summary) as batches:
        _write_batches(database, batches, writer, summary, progress, cancel)


def _write_batches(
    database: Database,
    batches: Iterable[list[SourceOrder]],
    writer: _BatchWriter,
    summary: ImportSummary,
    progress: Progress | None,
    cancel: Cancelled | None,
) -> None:
    for batch in batches:
        before = _snapshot(summary)  # a batch that fails is rolled back: so are its counts
        with _restored_on_failure(summary, before), database.unit_of_work() as uow:
            # Writing first takes SQLite's write lock for the whole batch, so nothing can
            # slip in between looking up what is present and inserting the rest.
            _record_progress(uow.session, summary)
            if database.dialect == "postgresql":
                # The driver prepares statements it runs often; a plan made while the
                # tables were still small (a full scan) would be kept as they grow.
                uow.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
            writer.write(uow.session, batch, summary)
            _record_progress(uow.session, summary)
            uow.commit()
        if progress:
            progress(summary.units_done, summary.units_total)
        if cancel and cancel():
            summary.cancelled = True
            break


_COUNTED = (
    "units_done",
    "new_orders",
    "already_present",
    "conflicts",
    "not_for_warehouse",
    "rejected_orders",
    "rejected_row_count",
    "new_customers",
    "unknown_skus",
)


def _snapshot(summary: ImportSummary) -> dict:
    return {name: getattr(summary, name) for name in _COUNTED} | {
        "kept_rejected": len(summary.rejected_rows)
    }


@contextmanager
def _restored_on_failure(summary: ImportSummary, before: dict) -> Iterator[None]:
    try:
        yield
    except BaseException:
        for name in _COUNTED:
            setattr(summary, name, before[name])
        del summary.rejected_rows[before["kept_rejected"] :]
        raise


@contextmanager
def _fewer_gc_pauses() -> Iterator[None]:
    """An import makes millions of short-lived, acyclic objects; the default threshold
    runs the cycle collector every 700 of them, which costs a fifth of the import."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def _source_batches(
    stream: OrderStream, size: int, summary: ImportSummary
) -> Iterator[Iterator[list[SourceOrder]]]:
    """The file's orders in batches of ``size``, parsed in a forked worker where it pays.

    Reading a file (two passes, parsing, fingerprints) and writing it take about the same
    time, and desks have at least two cores: a worker process reads and parses the next
    batch while this one writes the last. The first batch is always read here, and it
    decides: when most of its orders were already present (a re-import), parsing them
    would be wasted work, so the rest is read here too (already-present orders are not
    parsed at all). Small files and platforms without ``fork`` also stay here. The
    batches are the same either way, so the commits, counts and results are too.

    The worker only reads the file: no database, no locks, no Qt. It is forked (no
    imports, no re-run of the caller's main module) and leaves through ``os._exit`` like
    every forked ``multiprocessing`` child, so the connections it inherits are never used.
    """
    workers: list[multiprocessing.process.BaseProcess] = []

    def batches() -> Iterator[list[SourceOrder]]:
        here = _batches(stream.sources, size)
        first = next(here)
        present_before = summary.already_present
        yield first
        mostly_new = summary.already_present - present_before <= len(first) // 2
        if not (
            len(first) == size  # else the file has ended
            and mostly_new
            and stream.total_units >= WORKER_FROM_UNITS
            and sys.platform == "linux"
        ):
            yield from here
            return
        yield from _batches_from_worker(stream.sources, size, workers)

    try:
        yield batches()
    finally:
        for worker in workers:
            if worker.is_alive():  # only when writing stopped early: it waits to send
                worker.terminate()
            worker.join()


def _batches_from_worker(
    sources: Iterator[SourceOrder], size: int, workers: list
) -> Iterator[list[SourceOrder]]:
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe(duplex=False)
    worker = context.Process(
        target=_read_in_worker,
        args=(theirs, ours, os.getpid(), sources, size),
        name="orderdesk-intake-reader",
    )
    worker.daemon = True
    worker.start()
    workers.append(worker)
    theirs.close()  # so that a worker that dies shows up here as end of file
    with ours:
        try:
            while (batch := marshal.loads(ours.recv_bytes())) is not None:
                yield [source_from_tuple(data) for data in batch]
            failure = ours.recv()
        except (EOFError, ConnectionError):
            worker.join(timeout=5)
            raise ReaderStopped(worker.exitcode) from None
    if failure is not None:
        raise failure


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent_pid: int) -> None:
    """The reader goes when the import goes, even by ``kill -9``: the kernel sends it
    SIGKILL when its parent dies (Linux), and it leaves at once if that already happened."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the closed pipe still stops it
        pass
    if os.getppid() != parent_pid:
        os._exit(1)


def _read_in_worker(
    pipe, parents_end, parent_pid: int, sources: Iterator[SourceOrder], size: int
) -> None:
    """The worker's side: each batch parsed, as marshal bytes; then ``None`` and the error
    that stopped it, if any (the same error the reading would raise in this process)."""
    _die_with_parent(parent_pid)
    # The fork copied the importing process's end of the pipe: closed here, so that end
    # closes when that process dies and a blocked send fails instead of waiting forever.
    parents_end.close()
    gc.disable()  # a short-lived process making millions of acyclic objects
    failure: BaseException | None = None
    try:
        for batch in _batches(sources, size):
            pipe.send_bytes(marshal.dumps([source_as_tuple(source) for source in batch]))
    except Exception as error:
        failure = error
    pipe.send_bytes(marshal.dumps(None))
    try:
        pipe.send(failure)
    except Exception:  # an error that cannot be pickled: its traceback, as text
        pipe.send(RuntimeError("reading the file failed:\n" + traceback.format_exc()))


def _batches(sources: Iterable[SourceOrder], size: int) -> Iterator[list[SourceOrder]]:
    batch: list[SourceOrder] = []
    for source in sources:
        batch.append(source)
        if len(batch) >= size:
            yield batch
            batch = []
    yield batch  # possibly empty: still commits the final counts


def _tally_rejection(summary: ImportSummary, item: RejectedOrder) -> None:
    summary.rejected_orders += 1
    summary.rejected_row_count += len(item.rows)
    room = MAX_KEPT_REJECTED_ROWS - len(summary.rejected_rows)
    if room > 0:
        summary.rejected_rows.extend(item.rows[:room])


# --------------------------------------------------------------------------- batch record


def _start_batch(
    database: Database, actor: Actor, path: Path, fmt: str, channel: str | None, total: int
) -> int:
    with database.unit_of_work() as uow:
        batch = ImportBatch(
            file_name=path.name[:255],
            format=fmt,
            channel=channel,
            actor_id=actor.user_id,
            actor_name=actor.username,
            status="running",
            units_total=total,
            host=_HOST[:255],
            pid=os.getpid(),
            heartbeat_at=utcnow(),
        )
        uow.session.add(batch)
        uow.flush()
        batch_id = batch.id
        uow.commit()
    return batch_id


def _counts(summary: ImportSummary) -> dict:
    return {
        "units_done": summary.units_done,
        "new_orders": summary.new_orders,
        "already_present": summary.already_present,
        "conflicts": summary.conflicts,
        "not_for_warehouse": summary.not_for_warehouse,
        "rejected_orders": summary.rejected_orders,
        "rejected_rows": summary.rejected_row_count,
    }


def _record_progress(session: Session, summary: ImportSummary) -> None:
    session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == summary.import_batch_id)
        .values(heartbeat_at=utcnow(), **_counts(summary))
    )


_HOST = socket.gethostname()
# A batch on another machine that has not committed for this long has lost its process
# (a batch of orders takes seconds).
STALE_IMPORT_AFTER = dt.timedelta(minutes=15)


def mark_interrupted_imports(database: Database) -> int:
    """Batches left ``running`` by a process that is gone (killed, crashed, the machine
    restarted) become ``interrupted``; how many. On this machine the process is looked
    for; elsewhere a batch is gone when it has not committed for ``STALE_IMPORT_AFTER``.
    Their committed orders are whole; importing the file again finishes the job."""
    now = utcnow()
    with database.unit_of_work() as uow:
        running = uow.session.execute(
            select(
                ImportBatch.id,
                ImportBatch.host,
                ImportBatch.pid,
                ImportBatch.heartbeat_at,
                ImportBatch.started_at,
            ).where(ImportBatch.status == "running")
        ).all()
        gone = [
            batch_id
            for batch_id, host, pid, heartbeat_at, started_at in running
            if (
                not _process_alive(pid)
                if host == _HOST[:255] and pid
                else (heartbeat_at or started_at) < now - STALE_IMPORT_AFTER
            )
        ]
        if gone:
            uow.session.execute(
                update(ImportBatch)
                .where(ImportBatch.id.in_(gone), ImportBatch.status == "running")
                .values(status="interrupted", finished_at=now)
            )
            uow.commit()
    for batch_id in gone:
        log.warning("import batch %s was interrupted: its process is gone", batch_id)
    return len(gone)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    try:  # a killed process nobody has reaped yet is a zombie: gone all the same
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _finish_batch(database: Database, summary: ImportSummary, status: str) -> None:
    try:
        with database.unit_of_work() as uow:
            uow.session.execute(
                update(ImportBatch)
                .where(ImportBatch.id == summary.import_batch_id)
                .values(status=status, finished_at=utcnow(), **_counts(summary))
            )
            uow.commit()
    except Exception:  # the import's own error matters more than this bookkeeping
        log.exception("could not record the end of import batch %s", summary.import_batch_id)


# --------------------------------------------------------------------------- one batch


@dataclass(frozen=True)
class _Present:
    order_id: int
    fingerprint: str | None
    source_digest: str | None


class _BatchWriter:
    """Writes batches of orders; remembers customers and SKUs across batches of one file."""

    def __init__(self, actor: Actor, file_name: str, batch_id: int, dialect: str) -> None:
        self.actor = actor
        self.file_name = file_name
        self.batch_id = batch_id
        self.dialect = dialect
        self.customer_ids: dict[tuple[str, str], int] = {}
        self.product_ids: dict[str, int | None] = {}

    def write(self, session: Session, sources: list[SourceOrder], summary: ImportSummary) -> None:
        if not sources:
            return
        now = utcnow()
        keys = {(s.channel, s.order_id) for s in sources if s.channel and s.order_id}
        present = self._present(session, keys)
        orders: list[IncomingOrder] = []
        for source in sources:
            summary.units_done += source.units
            found = present.get((source.channel, source.order_id))  # type: ignore[arg-type]
            if found is not None and source.digest and found.source_digest == source.digest:
                summary.already_present += 1  # the very rows imported before: not even parsed
                continue
            item = source.parse()
            if isinstance(item, RejectedOrder):
                _tally_rejection(summary, item)
            else:
                orders.append(item)
        unlooked = {(o.channel, o.channel_order_id) for o in orders} - keys
        if unlooked:
            present.update(self._present(session, unlooked))
        new: list[IncomingOrder] = []
        conflicting: list[tuple[IncomingOrder, _Present]] = []
        for order in _unique(orders):
            found = present.get((order.channel, order.channel_order_id))
            if found is None:
                if order.for_our_warehouse:
                    new.append(order)
                else:
                    summary.not_for_warehouse += 1
            elif found.fingerprint == order.fingerprint:
                summary.already_present += 1
            else:
                conflicting.append((order, found))
        digests = {(s.channel, s.order_id): s.digest for s in sources}
        inserted, raced = self._insert_new(session, new, digests, summary, now)
        if raced:  # another desk inserted some of them since we looked: judge them again
            again = self._present(session, {(o.channel, o.channel_order_id) for o in raced})
            for order in raced:
                found = again[(order.channel, order.channel_order_id)]
                if found.fingerprint == order.fingerprint:
                    summary.already_present += 1
                else:
                    conflicting.append((order, found))
        self._record_conflicts(session, conflicting, summary, now)
        summary.new_orders += inserted

    # ------------------------------------------------------------------ reads

    def _present(
        self, session: Session, keys: set[tuple[str, str]]
    ) -> dict[tuple[str, str], _Present]:
        by_channel: dict[str, list[str]] = {}
        for channel, order_id in keys:
            by_channel.setdefault(channel, []).append(order_id)
        found: dict[tuple[str, str], _Present] = {}
        if self.dialect == "sqlite":  # straight through the driver: once or twice a batch
            connection = session.connection()
            for channel, ids in by_channel.items():
                marks = ", ".join("?" * len(ids))
                rows = connection.exec_driver_sql(
                    "SELECT o.id, o.channel_order_id, i.fingerprint, i.source_digest "
                    "FROM orders o LEFT OUTER JOIN order_imports i ON i.order_id = o.id "
                    f"WHERE o.channel = ? AND o.channel_order_id IN ({marks})",
                    (channel, *ids),
                )
                for order_id, channel_order_id, fingerprint, digest in rows:
                    found[(channel, channel_order_id)] = _Present(order_id, fingerprint, digest)
            return found
        for channel, ids in by_channel.items():
            rows = session.execute(
                select(
                    Order.id,
                    Order.channel_order_id,
                    OrderImport.fingerprint,
                    OrderImport.source_digest,
                )
                .outerjoin(OrderImport, OrderImport.order_id == Order.id)
                .where(Order.channel == channel, self._one_of(Order.channel_order_id, ids))
            )
            for order_id, channel_order_id, fingerprint, digest in rows:
                found[(channel, channel_order_id)] = _Present(order_id, fingerprint, digest)
        return found

    def _one_of(self, column, values: list[str]):
        """``column IN (...)``; on PostgreSQL ``= ANY(array)``: one parameter, so the
        server plans one short statement instead of one with a thousand parameters."""
        if self.dialect == "postgresql":
            return column == any_(bindparam("values", values, type_=postgresql.ARRAY(String)))
        return column.in_(values)

    def _resolve_products(self, session: Session, orders: Sequence[IncomingOrder]) -> None:
        wanted = {line.sku for order in orders for line in order.lines} - self.product_ids.keys()
        if not wanted:
            return
        query = select(Product.sku, Product.id).where(Product.sku.in_(wanted))
        found = {sku: product_id for sku, product_id in session.execute(query)}
        for sku in wanted:
            self.product_ids[sku] = found.get(sku)

    def _resolve_customers(
        self, session: Session, orders: Sequence[IncomingOrder], summary: ImportSummary
    ) -> dict[str, int | None]:
        """Customer id per channel order id; creates the customers not found.

        Found or created atomically: new customers are inserted with ``ON CONFLICT DO
        NOTHING`` against the unique buyer-id and e-mail keys, and whatever another desk
        created first (the insert waits for its transaction) is read back by key.
        """
        candidates = {order.channel_order_id: customer_keys(order) for order in orders}
        unknown = {
            key for keys in candidates.values() for key in keys if key not in self.customer_ids
        }
        self._look_up_customers(session, unknown)
        to_create: dict[tuple[str, str], IncomingOrder] = {}
        claimed: set[tuple[str, str]] = set()  # keys a customer created in this batch will have
        for order in orders:
            keys = candidates[order.channel_order_id]
            if keys and not any(key in self.customer_ids or key in claimed for key in keys):
                to_create[keys[0]] = order
                claimed.update(keys)
        if to_create:
            summary.new_customers += self._create_customers(session, to_create)
            taken_elsewhere = {
                key
                for order in to_create.values()
                for key in customer_keys(order)
                if key not in self.customer_ids
            }
            if taken_elsewhere:
                self._look_up_customers(session, taken_elsewhere)
        return {
            order_id: next((self.customer_ids[k] for k in keys if k in self.customer_ids), None)
            for order_id, keys in candidates.items()
        }

    def _look_up_customers(self, session: Session, keys: set[tuple[str, str]]) -> None:
        columns = {
            "buyer": Customer.channel_buyer_id,
            "email": func.lower(Customer.email),
            "phone": Customer.phone,
        }
        for kind, column in columns.items():
            values = [value for k, value in keys if k == kind]
            if not values:
                continue
            # Oldest customer wins when several share a phone (not a key: households share).
            rows = session.execute(
                select(column, func.min(Customer.id)).where(column.in_(values)).group_by(column)
            )
            for value, customer_id in rows:
                self.customer_ids[(kind, value)] = customer_id

    def _create_customers(
        self, session: Session, to_create: dict[tuple[str, str], IncomingOrder]
    ) -> int:
        """Insert the customers no key found; returns how many were ours to create.

        Rows go in sorted by key, so desks creating overlapping customers at once wait for
        each other in the same order instead of deadlocking.
        """
        now = utcnow()
        rows = []
        for _key, order in sorted(to_create.items(), key=operator.itemgetter(0)):
            buyer = order.buyer
            name = buyer.name or order.ship_to.name or buyer.email or buyer.phone or ""
            email, phone = normalise_email(buyer.email), normalise_phone(buyer.phone)
            keys = customer_search_keys(name[:200], email, phone, order.ship_to.country_code)
            rows.append(
                {
                    "name": name[:200],
                    "email": email,
                    "phone": phone,
                    "search_text": keys.search_text,
                    "search_phone": keys.search_phone,
                    "channel_buyer_id": buyer.channel_buyer_id,
                    "status": "active",
                    "language": "en",
                    "created_at": now,
                    "version": 1,
                }
            )
        customer_table: Table = Customer.__table__  # type: ignore[assignment]
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        created = session.execute(
            dialect_insert(customer_table)
            .on_conflict_do_nothing()
            .returning(
                customer_table.c.id,
                customer_table.c.channel_buyer_id,
                customer_table.c.email,
                customer_table.c.phone,
            ),
            rows,
        ).all()
        addresses = []
        for customer_id, buyer_id, email, phone in created:
            first_key = (
                ("buyer", buyer_id) if buyer_id else ("email", email) if email else ("phone", phone)
            )
            order = to_create[first_key]
            for key in customer_keys(order):  # later orders may carry only one of them
                self.customer_ids.setdefault(key, customer_id)
            ship = order.ship_to
            if ship.line1 or ship.city:
                addresses.append(
                    {
                        "customer_id": customer_id,
                        "recipient": ship.name,
                        "line1": ship.line1,
                        "line2": ship.line2,
                        "line3": ship.line3,
                        "city": ship.city,
                        "region": ship.region,
                        "postal_code": ship.postal_code,
                        "country_code": ship.country_code,
                        "phone": ship.phone,
                        "is_default": True,
                    }
                )
        if addresses:
            bulk_insert(session, Address.__table__, addresses)
        return len(created)

    # ------------------------------------------------------------------ writes

    def _insert_new(
        self,
        session: Session,
        orders: list[IncomingOrder],
        digests: dict[tuple[str | None, str | None], str | None],
        summary: ImportSummary,
        now: dt.datetime,
    ) -> tuple[int, list[IncomingOrder]]:
        """Insert orders not yet present; returns (how many, those another desk took first)."""
        if not orders:
            return 0, []
        self._resolve_products(session, orders)
        customers = self._resolve_customers(session, orders, summary)
        rows = [order_row(order, customers[order.channel_order_id]) for order in orders]
        ids = self._insert_orders(session, rows, order_constants(now))
        inserted = [order for order in orders if order.channel_order_id in ids]
        raced = [order for order in orders if order.channel_order_id not in ids]
        lines, payments, imports, events = [], [], [], []
        for order in inserted:
            order_id = ids[order.channel_order_id]
            for line_no, line in enumerate(order.lines, start=1):
                product_id = self.product_ids.get(line.sku)
                if product_id is None:
                    summary.unknown_skus += 1
                lines.append(line_row(order_id, line_no, line, product_id))
            if order.is_paid and order.currency != NO_CURRENCY:
                payments.append(payment_row(order_id, order, now))
            imports.append(
                {
                    "order_id": order_id,
                    "fingerprint": order.fingerprint,
                    "source_digest": digests.get((order.channel, order.channel_order_id)),
                }
            )
            events.append(self._event(order_id, "imported", order))
        for model, values, same in (
            (OrderLine, lines, None),
            (Payment, payments, PAYMENT_CONSTANTS),
            (OrderImport, imports, {"import_batch_id": self.batch_id}),
        ):
            if values:
                bulk_insert(session, model.__table__, values, same=same)
        add_events(session, events, same=self._event_constants("imported", "received", now))
        return len(inserted), raced

    def _insert_orders(self, session: Session, rows: list[dict], same: dict) -> dict[str, int]:
        """Insert order rows; channel order id → new id, for the rows inserted here.

        SQLite: the batch has held the write lock since its first statement, so nothing
        absent when we looked can have appeared since: a plain executemany (the unique
        constraint would still refuse a duplicate), then the new ids are read back.
        PostgreSQL: other desks write at the same time, so ``ON CONFLICT DO NOTHING
        RETURNING`` tells which rows were ours; the unique constraint decides every race.
        """
        table: Table = Order.__table__  # type: ignore[assignment]
        if self.dialect == "sqlite":
            bulk_insert(session, table, rows, same=same)
            return _new_order_ids(session, rows)
        # Copied into a staging table (COPY is the fast way in), then moved across in one
        # statement that skips what another desk inserted meanwhile and says what was ours.
        rows = [row | same for row in rows]
        columns = ", ".join(rows[0])
        session.execute(
            text(
                f"CREATE TEMP TABLE IF NOT EXISTS {ORDER_STAGE} ON COMMIT DELETE ROWS AS "
                f"SELECT {columns} FROM orders WITH NO DATA"
            )
        )
        bulk_insert(session, table, rows, into=ORDER_STAGE)
        moved = session.execute(
            text(
                f"INSERT INTO orders ({columns}) SELECT {columns} FROM {ORDER_STAGE} "
                "ON CONFLICT DO NOTHING RETURNING id, channel_order_id"
            )
        )
        return {cid: order_id for order_id, cid in moved}

    def _record_conflicts(
        self,
        session: Session,
        conflicting: list[tuple[IncomingOrder, _Present]],
        summary: ImportSummary,
        now: dt.datetime,
    ) -> None:
        if not conflicting:
            return
        summary.conflicts += len(conflicting)
        table: Table = IntakeConflict.__table__  # type: ignore[assignment]
        rows = [
            {
                "order_id": found.order_id,
                "import_batch_id": self.batch_id,
                "stored_fingerprint": found.fingerprint,
                "incoming_fingerprint": order.fingerprint,
                "incoming": incoming_json(order),
                "created_at": now,
            }
            for order, found in conflicting
        ]
        statement = self._insert_ignoring_duplicates(table).returning(
            table.c.order_id, table.c.incoming_fingerprint
        )
        recorded = set(session.execute(statement, rows).all())
        events = [
            self._event(found.order_id, "import_conflict", order)
            for order, found in conflicting
            if (found.order_id, order.fingerprint) in recorded
        ]
        if events:
            add_events(session, events, same=self._event_constants("import_conflict", None, now))

    def _insert_ignoring_duplicates(self, table: Table):
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        return dialect_insert(table).on_conflict_do_nothing()

    def _event_constants(self, action: str, to_state: str | None, now: dt.datetime) -> dict:
        """What every audit event of one kind in a batch has in common (see ``_event``)."""
        return {
            "at": now,
            "actor_id": self.actor.user_id,
            "actor_name": self.actor.username,
            "entity_type": "order",
            "action": action,
            "from_state": None,
            "to_state": to_state,
            "reason": "",
        }

    def _event(self, order_id: int, action: str, order: IncomingOrder) -> dict:
        detail: dict = {
            "file": self.file_name,
            "rows": list(order.rows),
            "import_batch": self.batch_id,
        }
        if order.notes:
            detail["notes"] = list(order.notes)
        if action == "import_conflict":
            detail["incoming_fingerprint"] = order.fingerprint
        return {"entity_id": order_id, "detail": detail}


def _new_order_ids(session: Session, rows: list[dict]) -> dict[str, int]:
    """Channel order id → id of the order rows just inserted (SQLite: the ids are only
    known by reading them back). Straight through the driver: a thousand ids a batch."""
    by_channel: dict[str, list[str]] = {}
    for row in rows:
        by_channel.setdefault(row["channel"], []).append(row["channel_order_id"])
    connection = session.connection()
    ids: dict[str, int] = {}
    for channel, order_ids in by_channel.items():
        marks = ", ".join("?" * len(order_ids))
        found = connection.exec_driver_sql(
            f"SELECT channel_order_id, id FROM orders WHERE channel = ? "
            f"AND channel_order_id IN ({marks})",
            (channel, *order_ids),
        )
        ids.update((channel_order_id, order_id) for channel_order_id, order_id in found)
    return ids


# --------------------------------------------------------------------------- plain mapping


def customer_keys(order: IncomingOrder) -> list[tuple[str, str]]:
    """What a buyer is matched by, strongest first: channel buyer id, then e-mail.

    Phone counts only when there is neither: households and offices share phones, so a
    phone match would merge customers whose e-mails say they are different people.
    """
    buyer = order.buyer
    keys = []
    if buyer.channel_buyer_id:
        keys.append(("buyer", buyer.channel_buyer_id))
    email = normalise_email(buyer.email)
    if email:
        keys.append(("email", email))
    phone = normalise_phone(buyer.phone)
    if phone and not keys:
        keys.append(("phone", phone))
    return keys


def _unique(orders: list[IncomingOrder]) -> list[IncomingOrder]:
    """One order per (channel, id) in a batch: the readers already ensure it; cheap guard."""
    seen: dict[tuple[str, str], IncomingOrder] = {}
    for order in orders:
        seen.setdefault((order.channel, order.channel_order_id), order)
    return list(seen.values())


def order_constants(now: dt.datetime) -> dict:
    """What every new order row of a batch has in common (see ``order_row``)."""
    return {
        "status": "received",
        "priority": 0,
        "received_at": now,
        "status_changed_at": now,
        "version": 1,
    }


def order_row(order: IncomingOrder, customer_id: int | None) -> dict:
    """A new order's own values; with ``order_constants``, the whole row."""
    ship = order.ship_to
    return {
        "channel": order.channel,
        "channel_order_id": order.channel_order_id,
        "customer_id": customer_id,
        "requested_service": order.requested_service,
        "currency": order.currency,
        "subtotal_cents": order.subtotal_minor,
        "shipping_cents": order.shipping_minor,
        "tax_cents": order.tax_minor,
        "discount_cents": order.discount_minor,
        "total_cents": order.total_minor,
        "ship_name": ship.name,
        "ship_phone": ship.phone,
        "ship_line1": ship.line1,
        "ship_line2": ship.line2,
        "ship_line3": ship.line3,
        "ship_city": ship.city,
        "ship_region": ship.region,
        "ship_postal_code": ship.postal_code,
        "ship_country": ship.country_code,
        "purchased_at": order.purchased_at,
        "ship_by_at": order.ship_by_at,
    }


def line_row(order_id: int, line_no: int, line, product_id: int | None) -> dict:
    return {
        "order_id": order_id,
        "line_no": line_no,
        "product_id": product_id,
        "sku": line.sku,
        "product_name": line.product_name,
        "channel_line_id": line.channel_line_id,
        "quantity": line.quantity,
        "unit_price_cents": line.unit_price_minor,
        "line_total_cents": line.line_total_minor,
        "tax_cents": line.tax_minor,
        "discount_cents": line.discount_minor,
    }


PAYMENT_CONSTANTS = {"method": "marketplace", "status": "captured"}


def payment_row(order_id: int, order: IncomingOrder, now: dt.datetime) -> dict:
    """A marketplace payment's own values; with ``PAYMENT_CONSTANTS``, the whole row."""
    return {
        "order_id": order_id,
        "amount_cents": order.total_minor,
        "currency": order.currency,
        "paid_at": order.paid_at or order.purchased_at or now,
    }


def incoming_json(order: IncomingOrder) -> dict:
    """The order as read, as plain JSON, for the review desk to compare."""
    data = asdict(order)
    for key in ("purchased_at", "ship_by_at", "paid_at"):
        value = data[key]
        data[key] = value.isoformat() if value else None
    data["total_minor"] = order.total_minor
    return data


def bulk_insert(
    session: Session,
    table: Table,
    rows: list[dict],
    into: str | None = None,
    same: dict | None = None,
) -> None:
    """Insert many rows straight through the driver, values converted by the columns' types.

    SQLite: one executemany of the SQL SQLAlchemy would write, without its per-row
    bookkeeping (most of the cost of inserting 100,000s of rows). PostgreSQL: COPY, which
    is many times faster than row-by-row INSERTs there. Every row has the same keys.
    ``into`` names another table with those columns (a staging table). ``same``: columns
    with one value for every row; on SQLite they are written into the statement once
    instead of being bound row by row (fewer values to build, convert and bind).
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    keys = list(rows[0])
    convert = []  # (position, converter) of the columns whose values the driver cannot take
    for position, key in enumerate(keys):
        step = _bind_step(table, key, dialect)
        if step is not None:
            convert.append((position, _remembering(step)))
    pick = operator.itemgetter(*keys) if len(keys) > 1 else lambda row: (row[keys[0]],)
    if convert:
        values: list = []
        for row in rows:
            value = list(pick(row))
            for position, step in convert:
                value[position] = step(value[position])
            values.append(tuple(value))
    else:
        values = list(map(pick, rows))
    same = same or {}
    constants = [
        step(value) if (step := _bind_step(table, key, dialect)) else value
        for key, value in same.items()
    ]
    if dialect.name == "postgresql":
        from psycopg import sql

        keys = keys + list(same)
        values = [(*row, *constants) for row in values]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(into or table.name), sql.SQL(", ").join(map(sql.Identifier, keys))
        )
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor, cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(row)
        return
    placeholders = ", ".join(["?"] * len(keys) + [_sqlite_literal(v) for v in constants])
    columns = ", ".join([*keys, *same])
    connection.exec_driver_sql(
        f"INSERT INTO {into or table.name} ({columns}) VALUES ({placeholders})", values
    )


def _bind_step(table: Table, key: str, dialect) -> Callable | None:
    return table.c[key].type.dialect_impl(dialect).bind_processor(dialect)


def _sqlite_literal(value) -> str:
    """A value as SQLite reads it in a statement (already converted for the driver)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQLite literal for {value!r}")


def _remembering(step: Callable) -> Callable:
    """A converter that reuses its last result: a batch repeats the same values (its time
    stamp, above all) row after row, and converting a datetime is not free."""
    last: list = [object(), None]

    def convert(value):
        if value is not last[0]:
            last[0], last[1] = value, step(value)
        return last[1]

    return convert


# --------------------------------------------------------------------------- preview


@dataclass(frozen=True)
class PreviewRow:
    rows: str  # "2–3": where in the file
    order_id: str
    purchased_at: dt.datetime | None
    buyer: str
    ship_to: str
    lines: int
    total_minor: int
    currency: str
    remark: str  # why it is rejected or left out; notes for review; "" when plain
    rejected: bool = False


@dataclass(frozen=True)
class ImportPreview:
    path: str
    format: str
    units_total: int
    rows: list[PreviewRow]


def preview_file(
    path: Path | str,
    format: str | None = None,
    channel: str | None = None,
    limit: int = 20,
    encoding: str | None = None,
) -> ImportPreview:
    """The first ``limit`` orders as the import would read them; nothing is written.

    Raises ``FormatError`` like ``import_file`` when the file cannot be read.
    """
    stream = read_orders(Path(path), format, channel, encoding)
    rows = []
    for item in stream:
        rows.append(_preview_row(item))
        if len(rows) >= limit:
            break
    return ImportPreview(str(path), stream.format, stream.total_units, rows)


def _preview_row(item: IncomingOrder | RejectedOrder) -> PreviewRow:
    if isinstance(item, RejectedOrder):
        numbers = [r.row for r in item.rows]
        return PreviewRow(
            _span(numbers), item.order_id or "", None, "", "", 0, 0, "", item.reason, True
        )
    remark = ""
    if item.fulfilled_by_channel:
        remark = S("Amazon-fulfilled: not for our warehouse")
    elif item.cancelled:
        remark = S("cancelled by the channel: not for our warehouse")
    elif item.notes:
        remark = "; ".join(item.notes)
    ship = item.ship_to
    return PreviewRow(
        rows=_span(list(item.rows)),
        order_id=item.channel_order_id,
        purchased_at=item.purchased_at,
        buyer=item.buyer.name or item.buyer.email or "",
        ship_to=", ".join(part for part in (ship.name, ship.city, ship.country_code) if part),
        lines=len(item.lines),
        total_minor=item.total_minor,
        currency=item.currency,
        remark=remark,
    )


def _span(numbers: list[int]) -> str:
    numbers = [n for n in numbers if n > 0]  # 0: no place in the file (JSON items alone)
    if not numbers:
        return ""
    low, high = min(numbers), max(numbers)
    return str(low) if low == high else f"{low}–{high}"
