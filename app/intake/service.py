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
  with a different fingerprint the channel's later word is applied where it is safe
  (``channel_updates``: paid, real amounts for an estimate, a cancellation, a new address
  before packing …, audited with old and new values), and what is not safe is recorded
  as an ``IntakeConflict`` for the review desk with its reason (once per distinct content).

Orders land in status ``received`` with their stage times, lines (``product_id`` resolved
from the SKU, NULL when unknown — review flags it), a marketplace payment when the channel
says it is paid, and an ``imported`` audit event naming the file and rows. Customers are
matched by the channel's buyer id, else e-mail, else (only when neither is given) phone,
or created — atomically: buyer id and e-mail are unique keys in the database, and a new
customer is inserted with ``ON CONFLICT DO NOTHING`` and read back by key, so desks
importing the same buyers at once make one customer each. All lookups are ``IN`` queries
per batch, never one query per row.
Amazon-fulfilled and cancelled orders are counted, not stored (they are not our
warehouse's work) — unless the order is already here: then the channel's cancellation
cancels it as the desk would (``app.changes``), while it is still in the warehouse.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import multiprocessing
import os
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from app.bulk.forked import Send, can_fork, forked_batches
from app.database import Database
from app.errors import InvalidInput
from app.formats import read_orders
from app.formats.amazon_report import FORMAT as REPORT_FORMAT
from app.formats.amazon_report import known_facts
from app.formats.stream import OrderStream, SourceOrder
from app.i18n import Sentence as S
from app.intake.model import Cancelled, ImportSummary, Progress
from app.intake.readers import source_batches
from app.intake.writer import BatchWriter
from app.permissions import Actor, Permission, require
from db.engine import make_engine, make_session_factory
from db.models import (
    ImportBatch,
    utcnow,
)

log = logging.getLogger(__name__)

BATCH_ORDERS = 1000
MAX_CHANNEL_LENGTH = 40


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
    with _fewer_gc_pauses():
        stream = read_orders(path, format, channel.strip() if channel else None, encoding)
        mark_interrupted_imports(database)
        batch_id = _start_batch(database, actor, path, stream.format, channel, stream.total_units)
        summary = ImportSummary(
            str(path),
            stream.format,
            batch_id,
            units_total=stream.total_units,
            header=stream.header,
        )
        known = known_facts(stream.header) if stream.format == REPORT_FORMAT else None
        writer = BatchWriter(actor, path.name, batch_id, database.dialect, known)
        status = "failed"
        try:
            size = batch_orders or BATCH_ORDERS
            _run_batches(database, stream, writer, summary, size, progress, cancel)
            status = "cancelled" if summary.cancelled else "done"
        finally:
            _finish_batch(database, summary, status)
    return summary


def import_file_apart(
    database: Database,
    actor: Actor,
    path: Path | str,
    format: str | None = None,
    channel: str | None = None,
    progress: Progress | None = None,
    cancel: Cancelled | None = None,
    encoding: str | None = None,
) -> ImportSummary:
    """``import_file`` in a forked process of its own, for a window: the scan, parsing and
    writing of a 200,000-row file then never hold this process's interpreter, so the
    window keeps answering. The same batches, commits and summary; ``progress`` and
    ``cancel`` work across the pipe (cancel is asked after each batch, as in-process).
    Where there is no ``fork``, it is ``import_file`` itself."""
    if not can_fork():
        return import_file(
            database, actor, path, format, channel, progress, cancel, encoding=encoding
        )
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    # One answer per batch: after reporting a batch, the import waits until this process
    # has asked its own ``cancel``, so a cancel is seen after the same batch as in-process.
    answered = context.Semaphore(0)

    def cancelled() -> bool:
        answered.acquire()
        return stop.is_set()

    def produce(send: Send) -> ImportSummary:
        # Never the connections this process inherited: its own engine, same URL.
        database.engine.dispose(close=False)
        engine = make_engine(database.url)
        own = Database(engine, make_session_factory(engine), database.url)
        try:
            return import_file(
                own,
                actor,
                path,
                format,
                channel,
                progress=lambda done, total: send((done, total)),
                cancel=cancelled,
                encoding=encoding,
            )
        finally:
            engine.dispose()

    with forked_batches(produce, "orderdesk-import", may_fork_again=True) as forked:
        for done, total in forked.batches:  # type: ignore[misc]
            if progress:
                progress(done, total)
            if cancel and cancel():
                stop.set()
            answered.release()
    return forked.outcome  # type: ignore[return-value]


def _run_batches(
    database: Database,
    stream: OrderStream,
    writer: BatchWriter,
    summary: ImportSummary,
    batch_orders: int,
    progress: Progress | None,
    cancel: Cancelled | None,
) -> None:
    with source_batches(stream, batch_orders, summary) as batches:
        _write_batches(database, batches, writer, summary, progress, cancel)


def _write_batches(
    database: Database,
    batches: Iterable[list[SourceOrder]],
    writer: BatchWriter,
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
    "channel_updates",
    "channel_cancellations",
    "not_for_warehouse",
    "rejected_orders",
    "rejected_row_count",
    "new_customers",
    "unknown_skus",
    "estimated_amounts",
    "unknown_amounts",
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
    runs the cycle collector every 700 of them, which costs a fifth of the import. (A
    window's import runs apart, ``import_file_apart``: its collections never stall it.)"""
    before = gc.get_threshold()
    gc.set_threshold(100_000, before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)


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
