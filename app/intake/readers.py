"""The reading side of an import: the file's orders in batches, read and parsed in the
forked reader process (``app.bulk.forked``) where it pays, in this process otherwise.
What the formats read is plain data (``app.formats``); ``matching`` and ``writer`` follow."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager

from app.bulk.forked import Send, can_fork, forked_batches
from app.formats.stream import OrderStream, SourceOrder, source_as_tuple, source_from_tuple
from app.intake.model import ImportSummary

# From this many rows (units) on, a worker process reads and parses while this one writes.
WORKER_FROM_UNITS = 20_000


@contextmanager
def source_batches(
    stream: OrderStream, size: int, summary: ImportSummary
) -> Iterator[Iterator[list[SourceOrder]]]:
    """The file's orders in batches of ``size``, parsed in a forked worker where it pays.

    Reading a file (two passes, parsing, fingerprints) and writing it take about the same
    time: the forked reader (``app.bulk.forked``) reads and parses the next batch while
    this process writes the last. The first batch is always read here, and it decides:
    when most of its orders were already present (a re-import), parsing them would be
    wasted work, so the rest is read here too (already-present orders are not parsed at
    all). Small files and platforms without ``fork`` also stay here. The batches are the
    same either way, so the commits, counts and results are too.
    """
    with ExitStack() as workers:

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
                and can_fork()
            ):
                yield from here
                return
            yield from _batches_from_worker(stream.sources, size, workers)

        yield batches()


def _batches_from_worker(
    sources: Iterator[SourceOrder], size: int, workers: ExitStack
) -> Iterator[list[SourceOrder]]:
    def produce(send: Send) -> None:
        for batch in _batches(sources, size):
            send([source_as_tuple(source) for source in batch])

    forked = workers.enter_context(forked_batches(produce, "orderdesk-intake-reader"))
    for batch in forked.batches:
        yield [source_from_tuple(data) for data in batch]  # type: ignore[attr-defined]


def _batches(sources: Iterable[SourceOrder], size: int) -> Iterator[list[SourceOrder]]:
    batch: list[SourceOrder] = []
    for source in sources:
        batch.append(source)
        if len(batch) >= size:
            yield batch
            batch = []
    yield batch  # possibly empty: still commits the final counts
