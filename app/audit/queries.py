"""Reading the audit trail back: the chain check behind ``orderdesk audit verify``."""

from __future__ import annotations

from sqlalchemy import Connection, Text, cast, select

from app.audit.model import ChainReport
from app.audit.rules import ChainWalk, canonical_time
from db.models import AuditEvent

_BATCH = 10_000


def verify_chain(connection: Connection) -> ChainReport:
    """Walk every event in id order and recompute its link; streams, so any size fits."""
    table = AuditEvent.__table__
    c = table.c
    statement = select(
        c.id,
        c.at,
        c.actor_id,
        c.actor_name,
        c.entity_type,
        c.entity_id,
        c.action,
        c.from_state,
        c.to_state,
        c.reason,
        cast(c.detail, Text),  # the stored text, which is what was hashed
        c.prev_hash,
        c.hash,
    ).order_by(c.id)
    walk = ChainWalk()
    result = connection.execution_options(yield_per=_BATCH).execute(statement)
    for row in result:
        fields = (row[0], canonical_time(row[1]), *row[2:11])
        walk.check(fields, row[11], row[12])
    return ChainReport(
        count=walk.count,
        head_id=walk.head_id,
        head_hash=walk.head_hash,
        broken=walk.broken,
        first_broken=walk.first_broken,
    )
