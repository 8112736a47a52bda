"""Status moves applied in bulk: the workflow table decides, one UPDATE per from→to pair
writes, and every applied move is audited.

For moves that nothing else hangs on (a parcel on the road, an order delivered): thousands
arrive in one tracking import, where one ORM change per record would take minutes. A record
another desk moved in the meantime no longer matches its from-state and is left alone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, func, update
from sqlalchemy.orm import Session

from app.audit import add_events
from app.live import notify
from app.permissions import Actor
from app.workflow import may_transition
from db.models import Order, Shipment

CHUNK = 500
_TABLES = {"order": Order.__table__, "shipment": Shipment.__table__}


@dataclass(frozen=True)
class Move:
    record_id: int
    from_state: str
    to_state: str


def apply_moves(
    session: Session,
    actor: Actor,
    kind: str,
    moves: Sequence[Move],
    *,
    reason: str,
    stamps: Mapping[int, dt.datetime] | None = None,
) -> list[Move]:
    """Apply the moves the table allows and ``actor`` may make; returns those applied.
    A move to ``delivered`` stamps ``delivered_at`` (from ``stamps`` when given: the
    carrier's time, else now), once."""
    table = _TABLES[kind]
    now = dt.datetime.now(dt.UTC)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for move in moves:
        if may_transition(kind, move.from_state, move.to_state, actor):
            groups[(move.from_state, move.to_state)].append(move.record_id)
    applied: list[Move] = []
    for (from_state, to_state), ids in groups.items():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            done = (
                session.execute(
                    update(table)
                    .where(table.c.id.in_(chunk), table.c.status == from_state)
                    .values(status=to_state, status_changed_at=now, version=table.c.version + 1)
                    .returning(table.c.id)
                )
                .scalars()
                .all()
            )
            applied += [Move(record_id, from_state, to_state) for record_id in done]
            if to_state == "delivered" and done:
                _stamp_delivered(session, table, done, stamps or {}, now)
    if applied:
        rows = [
            {"entity_id": m.record_id, "from_state": m.from_state, "to_state": m.to_state}
            for m in applied
        ]
        same = {
            "at": now,
            "actor_id": actor.user_id,
            "actor_name": actor.username,
            "entity_type": kind,
            "action": "status",
            "reason": reason,
            "detail": None,
        }
        add_events(session, rows, same=same)
        notify(session, "orders" if kind == "order" else "shipments")
    return applied


def _stamp_delivered(session, table, ids, stamps, now) -> None:
    session.execute(
        update(table)
        .where(table.c.id == bindparam("record"))
        .values(delivered_at=func.coalesce(table.c.delivered_at, bindparam("at"))),
        [{"record": record_id, "at": stamps.get(record_id, now)} for record_id in ids],
    )
