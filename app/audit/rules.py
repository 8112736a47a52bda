"""The audit chain's arithmetic: pure functions over plain values (no database, no Qt).

Each event stores the hash of the event before it (``prev_hash``) and its own ``hash``:

    hash = sha256(prev_hash + canonical(event)).hexdigest()

``canonical`` is one compact JSON array of the event's fields in a fixed order, so no
field's text can be shifted into another. Times are UTC as ``YYYY-MM-DD HH:MM:SS.ffffff``;
``detail`` is the JSON text exactly as stored (the column is ``json``, not ``jsonb``, on
PostgreSQL, which keeps the text verbatim). The first event follows ``GENESIS``.

Rewriting any stored field changes that event's hash; removing or inserting an event
breaks the next event's ``prev_hash``. Whoever can rewrite every later event can re-chain
them, which is why ``orderdesk audit verify`` prints the head to be kept elsewhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from app.audit.model import BrokenLink

GENESIS = "0" * 64
FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor_name",
    "entity_type",
    "entity_id",
    "action",
    "from_state",
    "to_state",
    "reason",
    "detail",
)
_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_encode = _encoder.encode
_sha256 = hashlib.sha256


def _chunks_encoder():
    """``_encoder.iterencode`` for the event's field list, with the C encoder built once
    rather than per call (``JSONEncoder.encode`` builds one each time, the larger part of
    its cost). The same settings, so the same text; the plain one where C's is missing."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return lambda fields, _level: [_encode(fields)]
    return make(
        None,  # no circular-reference check: the fields are flat values
        _encoder.default,
        json.encoder.encode_basestring,  # ensure_ascii=False
        None,  # no indent
        ":",
        ",",
        False,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan, as JSONEncoder's default
    )


_encode_chunks = _chunks_encoder()
_join = "".join


def canonical_time(at: dt.datetime) -> str:
    """An aware time as the chain writes it: UTC, microseconds, no zone suffix."""
    if at.tzinfo is None:
        raise ValueError("naive datetime given; the audit trail stores aware UTC times only")
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def detail_text(detail: object) -> str | None:
    """How a ``detail`` value is stored (and hashed): compact JSON, or NULL for None."""
    if detail is None:
        return None
    return _encode(detail)


def link(prev_hash: str, fields: Sequence) -> str:
    """The hash of one event: ``fields`` in ``FIELDS`` order, time and detail as text."""
    return _sha256((prev_hash + _join(_encode_chunks(fields, 0))).encode("utf-8")).hexdigest()


def chain(prev_hash: str, rows: Iterable[Sequence]) -> Iterator[tuple[str, str]]:
    """(prev_hash, hash) for each row in order, starting after ``prev_hash``."""
    for fields in rows:
        current = link(prev_hash, fields)
        yield prev_hash, current
        prev_hash = current


@dataclass
class ChainWalk:
    """Checks stored events one by one, in id order; remembers the first broken link.

    After a broken link the walk goes on from the stored hash, so each later break is
    counted once rather than every event after the first.
    """

    head_id: int | None = None
    head_hash: str = GENESIS
    count: int = 0
    broken: int = 0
    first_broken: BrokenLink | None = None

    def check(self, fields: Sequence, prev_hash: str | None, stored_hash: str | None) -> None:
        event_id = fields[0]
        self.count += 1
        problem = None
        if not stored_hash or not prev_hash:
            problem = "missing"
        elif prev_hash != self.head_hash:
            problem = "not_linked"
        elif link(prev_hash, fields) != stored_hash:
            problem = "altered"
        if problem is not None:
            self.broken += 1
            if self.first_broken is None:
                self.first_broken = BrokenLink(event_id, problem, self.head_id)
        self.head_id = event_id
        self.head_hash = stored_hash or ""
