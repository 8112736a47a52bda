"""One forked reader: a second process makes batches while this one writes them.

Reading or generating rows and writing them take about the same time, and desks have at
least two cores. The worker is forked (Linux only: no imports, no re-run of the caller's
main module), touches no database, lock or Qt, and leaves through ``os._exit`` like every
forked ``multiprocessing`` child, so the connections it inherits are never used. It dies
with its parent (even a ``kill -9``), and a worker that dies shows up here as
``ReaderStopped``.

Batches cross the pipe as ``marshal`` bytes: plain lists and tuples of str, int, float,
bool and None are all they carry, and marshal is ten times faster than pickle.
"""

from __future__ import annotations

import ctypes
import gc
import marshal
import multiprocessing
import multiprocessing.process
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from app.errors import ReaderStopped

T = TypeVar("T")
Send = Callable[[object], None]
# Runs in the worker: calls ``send`` once per batch and returns an outcome (picklable).
Producer = Callable[[Send], object]


def can_fork() -> bool:
    return sys.platform == "linux"


@dataclass
class ForkedBatches:
    """The batches a worker sends, in order; ``outcome`` is what its producer returned."""

    batches: Iterator[object]
    outcome: object = None
    workers: list = field(default_factory=list)


@contextmanager
def forked_batches(
    produce: Producer,
    name: str,
    *,
    may_fork_again: bool = False,
    stopped: Callable[[int | None], Exception] = ReaderStopped,
) -> Iterator[ForkedBatches]:
    """Start ``produce`` in a forked worker; iterate ``.batches`` for what it sends.

    After the last batch, ``.outcome`` holds what ``produce`` returned; an exception it
    raised is raised here (as itself when it can cross the pipe, else as a RuntimeError
    with its traceback). Leaving the block early stops the worker. ``may_fork_again``:
    the worker starts forked workers of its own (an import whose reader is forked too);
    multiprocessing refuses children to a daemon, so it is not one (it still dies with
    its parent). ``stopped(exit_code)``: the error raised when the worker dies without
    finishing (by default an import's ``ReaderStopped``).
    """
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe(duplex=False)
    _widen(theirs)
    worker = context.Process(
        target=_run_in_worker, args=(theirs, ours, os.getpid(), produce), name=name
    )
    worker.daemon = not may_fork_again
    worker.start()
    theirs.close()  # so that a worker that dies shows up here as end of file
    result = ForkedBatches(iter(()), workers=[worker])

    def receive() -> Iterator[object]:
        with ours:
            try:
                while (batch := marshal.loads(ours.recv_bytes())) is not None:
                    yield batch
                failed, outcome = ours.recv()
            except (EOFError, ConnectionError):
                worker.join(timeout=5)
                raise stopped(worker.exitcode) from None
        if failed:
            raise outcome
        result.outcome = outcome

    result.batches = receive()
    try:
        yield result
    finally:
        # Closed here, not whenever the generator is collected: by then the pipe's file
        # descriptor number may belong to another file.
        result.batches.close()  # type: ignore[attr-defined]
        ours.close()
        if worker.is_alive():  # only when the caller stopped early: the worker waits to send
            worker.terminate()
        worker.join()


# A batch of orders is some 600 KB of marshal bytes; a pipe holds 64 KB unless told
# otherwise, so the worker waited for this process to take each batch before it could read
# the next. With room for a few batches it reads ahead while this process writes, and a
# moment when either is held up (other work on the cores) no longer stalls the other.
PIPE_BYTES = (4 << 20, 1 << 20)  # the second: the most an unprivileged process may ask


def _widen(pipe) -> None:
    """Room in the pipe for a few batches (Linux; elsewhere, or if refused, as it was)."""
    try:
        import fcntl  # not on Windows (where nothing is forked anyway)
    except ImportError:
        return
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    if set_size is None:
        return
    for size in PIPE_BYTES:
        try:
            fcntl.fcntl(pipe.fileno(), set_size, size)
            return
        except OSError:
            continue


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent_pid: int) -> None:
    """The worker goes when its parent goes, even by ``kill -9``: the kernel sends it
    SIGKILL when its parent dies (Linux), and it leaves at once if that already happened."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the closed pipe still stops it
        pass
    if os.getppid() != parent_pid:
        os._exit(1)


def _run_in_worker(pipe, parents_end, parent_pid: int, produce: Producer) -> None:
    """The worker's side: each batch as marshal bytes; then ``None`` and
    ``(failed, outcome or error)``."""
    _die_with_parent(parent_pid)
    # The fork copied the parent's end of the pipe: closed here, so that end closes when
    # the parent dies and a blocked send fails instead of waiting forever.
    parents_end.close()
    gc.disable()  # a short-lived process making millions of acyclic objects

    def send(batch: object) -> None:
        pipe.send_bytes(marshal.dumps(batch))

    answer: tuple[bool, object]
    trace = ""
    try:
        answer = (False, produce(send))
    except Exception as error:
        answer, trace = (True, error), traceback.format_exc()
    pipe.send_bytes(marshal.dumps(None))
    try:
        pipe.send(answer)
    except Exception:  # an error (or outcome) that cannot be pickled: as text
        pipe.send((True, RuntimeError("the worker failed:\n" + (trace or traceback.format_exc()))))


def run_forked(work: Callable[[], T], name: str) -> T:
    """``work()`` in a forked worker, its result (or its error) here; in this process
    where there is no ``fork``. The calling thread waits on a pipe, holding no lock: a
    scan of a big file in the worker never stops this process's other threads (a window)."""
    if not can_fork():
        return work()
    with forked_batches(lambda _send: work(), name) as forked:
        for _batch in forked.batches:
            pass
        return forked.outcome  # type: ignore[return-value]
