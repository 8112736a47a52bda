"""Block-list entries a supervisor adds or lifts by hand, with a reason (the ban verb of the
exception desk adds them too). Keys are made by ``app.review.keys``, the functions the rules
match with, so a differently typed e-mail or phone still matches. One transaction each,
audited; a lifted entry stays on record, inactive."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.audit import record_event
from app.errors import AlreadyExists, InvalidInput, NotFound
from app.i18n import N_
from app.permissions import Actor, Permission, require
from app.review.keys import email_key, phone_key
from db.models import BlockListEntry

KINDS = ("email", "phone")  # by hand; the ban verb also blocks a customer and addresses


@dataclass(frozen=True)
class BlockRow:
    id: int
    kind: str
    shown: str
    reason: str
    added_by: str
    active: bool

    def as_json(self) -> dict:
        return dict(self.__dict__)


def _key(kind: str, value: str, country: str) -> str:
    if kind == "email":
        key = email_key(value)
        if "@" not in key:
            raise InvalidInput(N_("e-mail"), value, N_("an e-mail address"))
        return key
    if kind == "phone":
        key = phone_key(value, country)
        if len(key.lstrip("+")) < 6:
            raise InvalidInput(N_("phone"), value, N_("a phone number"))
        return key
    raise InvalidInput(N_("kind"), kind, N_("email or phone"))


def add_block_entry(
    database, actor: Actor, kind: str, value: str, reason: str, *, country: str = ""
) -> int:
    """Block an e-mail or phone number; a lifted entry for it is made active again."""
    require(actor, Permission.BAN_CUSTOMERS)
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput(N_("reason"), reason, N_("why it is blocked"))
    key = _key(kind, value, country)
    with database.unit_of_work() as uow:
        session = uow.session
        entry = session.scalar(
            select(BlockListEntry).where(
                BlockListEntry.kind == kind, BlockListEntry.value_key == key
            )
        )
        if entry is not None and entry.active:
            raise AlreadyExists(N_("block-list entry"), value)
        if entry is None:
            entry = BlockListEntry(kind=kind, value_key=key[:300])
            session.add(entry)
        entry.shown, entry.reason, entry.active = value.strip()[:300], reason, True
        entry.added_by_id, entry.added_by_name = actor.user_id, actor.username
        session.flush()
        record_event(session, actor, entity_type="block_list", entity_id=entry.id,
                     action="block", to_state="active", reason=reason)  # fmt: skip
        uow.commit()
        return entry.id


def lift_block_entry(database, actor: Actor, entry_id: int, reason: str) -> None:
    require(actor, Permission.BAN_CUSTOMERS)
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput(N_("reason"), reason, N_("why it is lifted"))
    with database.unit_of_work() as uow:
        entry = uow.session.get(BlockListEntry, entry_id)
        if entry is None or not entry.active:
            raise NotFound(N_("block-list entry"), entry_id)
        entry.active = False
        record_event(
            uow.session, actor, entity_type="block_list", entity_id=entry.id, action="lift",
            from_state="active", to_state="lifted", reason=reason,
        )  # fmt: skip
        uow.commit()


def list_block_entries(database, *, active_only: bool = True, limit: int = 200) -> list[BlockRow]:
    with database.unit_of_work() as uow:
        query = select(BlockListEntry).order_by(BlockListEntry.id.desc()).limit(limit)
        if active_only:
            query = query.where(BlockListEntry.active.is_(True))
        return [
            BlockRow(e.id, e.kind, e.shown, e.reason, e.added_by_name, e.active)
            for e in uow.session.scalars(query)
        ]
