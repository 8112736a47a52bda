"""Users, passwords and logging in.

Passwords are hashed with scrypt (memory-hard, in the standard library) at OWASP's
current cost, N = 2**17, r = 8, p = 1 (128 MiB and about half a second per hash); a hash
made at a lower cost is replaced at the owner's next successful login. The cost is a
setting: ``ORDERDESK_PASSWORD_COST=quick`` (test suites; the demo's throwaway users are
always hashed quickly) lowers it, nothing else does.

After a few failed attempts a name refuses further attempts for a growing pause. An
attempt is counted *before* the password is checked, in one ``UPDATE … RETURNING`` that
also refuses while the pause runs, so forty attempts sent at once are counted and
throttled exactly like forty sent one after the other. Names nobody has are counted the
same way (``login_throttles``): same pauses, same message, same work, so trying names
tells nothing about which exist. Nothing here logs a password, a hash or a typed name.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import logging
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import (
    AccountDisabled,
    AlreadyExists,
    InvalidInput,
    LoginFailed,
    LoginThrottled,
    NotFound,
    WeakPassword,
)
from app.i18n import DESK_LANGUAGES, _, normalize_language
from app.permissions import ROLE_DESCRIPTIONS, Actor, Permission, Role, require
from app.uow import UnitOfWork
from db.models import Role as RoleRow
from db.models import User, utcnow
from db.models_auth import LoginThrottle

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScryptCost:
    n: int
    r: int = 8
    p: int = 1

    @property
    def maxmem(self) -> int:
        """What OpenSSL needs (128·r·N for V, 128·r·p for B) with room to spare."""
        return 128 * self.r * (self.n + self.p + 2) + 4 * 1024 * 1024


# OWASP Password Storage Cheat Sheet, scrypt: N = 2**17, r = 8, p = 1.
PRODUCTION_COST = ScryptCost(n=2**17, r=8, p=1)
# For test suites and throwaway demo accounts only: about 20 ms instead of 600.
QUICK_COST = ScryptCost(n=2**12, r=8, p=1)
PASSWORD_COST_ENV = "ORDERDESK_PASSWORD_COST"
# A stored hash may not make this program allocate more than this (1 GiB) to check it.
_LARGEST_N = 2**20

MIN_PASSWORD_LENGTH = 10
FREE_FAILED_ATTEMPTS = 3
MAX_LOGIN_PAUSE_S = 300
_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
_THROTTLE_NAME_LENGTH = 200

Clock = Callable[[], dt.datetime]


def password_cost() -> ScryptCost:
    """The cost new hashes are made at: production's, unless a test suite asked for less."""
    return QUICK_COST if os.environ.get(PASSWORD_COST_ENV) == "quick" else PRODUCTION_COST


# --------------------------------------------------------------------------- hashing


def hash_password(password: str, cost: ScryptCost | None = None) -> str:
    cost = cost or password_cost()
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, cost)
    return "$".join(("scrypt", str(cost.n), str(cost.r), str(cost.p), _b64(salt), _b64(digest)))


def verify_password(password: str, stored: str) -> bool:
    parsed = _parse_hash(stored)
    if parsed is None:
        return False
    cost, salt, digest = parsed
    candidate = _scrypt(password, salt, cost)
    return hmac.compare_digest(candidate, digest)


def hash_cost(stored: str) -> ScryptCost | None:
    parsed = _parse_hash(stored)
    return parsed[0] if parsed else None


def needs_rehash(stored: str, cost: ScryptCost | None = None) -> bool:
    """True when the hash was made at less than today's cost (upgraded at the next login)."""
    cost = cost or password_cost()
    found = hash_cost(stored)
    return found is None or (found.n, found.r, found.p) < (cost.n, cost.r, cost.p)


def _parse_hash(stored: str) -> tuple[ScryptCost, bytes, bytes] | None:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        cost = ScryptCost(int(n), int(r), int(p))
        if scheme != "scrypt" or not (1 < cost.n <= _LARGEST_N) or cost.r < 1 or cost.p < 1:
            return None
        return cost, _unb64(salt), _unb64(digest)
    except ValueError:
        return None


def _scrypt(password: str, salt: bytes, cost: ScryptCost) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=cost.n,
        r=cost.r,
        p=cost.p,
        maxmem=cost.maxmem,
        dklen=32,
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@functools.cache
def _dummy_hash(cost: ScryptCost) -> str:
    """A hash to check against when the name is unknown, so both paths cost the same.
    Made once per cost on first use, not at import (a CLI run should not pay for it)."""
    return hash_password(secrets.token_urlsafe(16), cost)


def login_pause_seconds(failed_logins: int) -> int:
    """No pause for the first few mistakes, then 2, 4, 8 … seconds up to five minutes."""
    extra = failed_logins - FREE_FAILED_ATTEMPTS
    if extra < 0:
        return 0
    return min(2 ** min(extra + 1, 16), MAX_LOGIN_PAUSE_S)


# --------------------------------------------------------------------------- validation


def validate_username(username: str) -> str:
    cleaned = username.strip().lower()
    if not _USERNAME.match(cleaned):
        raise InvalidInput(
            "user name",
            username,
            "2–64 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter",
        )
    return cleaned


def validate_new_password(password: str) -> None:
    """Refuse blank, whitespace-only and short passwords (fewer than 10 characters).

    Only the shape is described in the error, never the value."""
    if not password:
        raise WeakPassword(_("a password (it is blank)"), MIN_PASSWORD_LENGTH)
    if not password.strip():
        raise WeakPassword(_("a password that is not only spaces"), MIN_PASSWORD_LENGTH)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            _("at least {count} characters").format(count=MIN_PASSWORD_LENGTH),
            MIN_PASSWORD_LENGTH,
        )


def validate_roles(roles: list[str] | tuple[str, ...]) -> list[str]:
    known = {role.value for role in Role}
    unknown = [role for role in roles if role not in known]
    if unknown or not roles:
        raise InvalidInput("roles", ",".join(roles), "one or more of " + ", ".join(sorted(known)))
    return sorted(set(roles))


# --------------------------------------------------------------------------- services


@dataclass(frozen=True)
class UserSummary:
    id: int
    username: str
    full_name: str
    roles: tuple[str, ...]
    active: bool
    last_login_at: dt.datetime | None


@dataclass(frozen=True)
class _Attempt:
    """An attempt counted before its password is checked."""

    user_id: int | None  # None: a name nobody has
    password_hash: str
    failed_in_a_row: int


def login(uow: UnitOfWork, username: str, password: str, *, now: Clock = utcnow) -> Actor:
    """Check the password and return who is now acting; every outcome is recorded.

    ``now`` is the clock the pauses are measured with (tests pass their own).
    """
    name = username.strip().lower()
    attempt = _count_attempt(uow, name, now())
    ok = verify_password(password, attempt.password_hash) if password else False
    if attempt.user_id is None or not ok:
        _record_failure(uow, attempt)
        raise LoginFailed()
    with uow:
        session = uow.session
        user = session.get(User, attempt.user_id)
        assert user is not None
        values: dict = {"failed_logins": 0, "login_blocked_until": None}
        if user.active:
            values["last_login_at"] = now()
            if needs_rehash(attempt.password_hash):
                values["password_hash"] = hash_password(password)
        # Guarded by the hash checked: a password changed meanwhile is never overwritten.
        session.execute(
            update(User)
            .where(User.id == user.id, User.password_hash == attempt.password_hash)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if not user.active:
            uow.commit()
            raise AccountDisabled(user.username)
        actor = _actor_for(user)
        detail = {"password_hash_upgraded": True} if "password_hash" in values else None
        record_event(
            session, actor, entity_type="user", entity_id=user.id, action="login", detail=detail
        )
        uow.commit()
        return actor


def _count_attempt(uow: UnitOfWork, name: str, at: dt.datetime) -> _Attempt:
    """Count this attempt as failed unless the name is paused (then ``LoginThrottled``).

    One statement counts and checks the pause, so parallel attempts queue on the row and
    each sees the pause the one before it set; committed before the (slow) password check.
    """
    with uow:
        session = uow.session
        found = session.execute(
            select(User.id, User.password_hash).where(User.username == name)
        ).first()
        if found is not None:
            user_id, stored = found
            counted = session.execute(
                update(User)
                .where(
                    User.id == user_id,
                    (User.login_blocked_until.is_(None)) | (User.login_blocked_until <= at),
                )
                .values(failed_logins=User.failed_logins + 1)
                .returning(User.failed_logins)
                .execution_options(synchronize_session=False)
            ).scalar()
            blocked_until = User.login_blocked_until
            row_filter = User.id == user_id
            table = User
        else:
            user_id, stored = None, _dummy_hash(password_cost())
            counted = _count_unknown_name(session, name[:_THROTTLE_NAME_LENGTH], at)
            blocked_until = LoginThrottle.blocked_until
            row_filter = LoginThrottle.name == name[:_THROTTLE_NAME_LENGTH]
            table = LoginThrottle
        if counted is None:  # paused: not counted, the password is not even looked at
            until = session.scalar(select(blocked_until).where(row_filter))
            wait = (until - at).total_seconds() if until is not None else 1
            raise LoginThrottled(max(1, int(wait + 0.999)))
        pause = login_pause_seconds(counted)
        if pause:
            session.execute(
                update(table)
                .where(row_filter)
                .values({blocked_until.key: at + dt.timedelta(seconds=pause)})
                .execution_options(synchronize_session=False)
            )
        uow.commit()
    return _Attempt(user_id, stored, counted)


def _count_unknown_name(session: Session, name: str, at: dt.datetime) -> int | None:
    """Upsert-and-count in one statement; None while the name is paused."""
    dialect = session.get_bind().dialect.name
    make_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = LoginThrottle.__table__
    statement = make_insert(table).values(name=name, failed_logins=1, last_failed_at=at)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.name],
        set_={
            "failed_logins": table.c.failed_logins + 1,
            "last_failed_at": statement.excluded.last_failed_at,
        },
        where=(table.c.blocked_until.is_(None)) | (table.c.blocked_until <= at),
    ).returning(table.c.failed_logins)
    return session.execute(statement).scalar()


def _record_failure(uow: UnitOfWork, attempt: _Attempt) -> None:
    """The audit event of a failed attempt (already counted). A name nobody has gets the
    same event against entity 0, without the name: people type passwords into it."""
    if attempt.user_id is None:
        log.warning("failed login for a name nobody has (%s in a row)", attempt.failed_in_a_row)
    else:
        log.warning(
            "failed login for user id %s (%s in a row)", attempt.user_id, attempt.failed_in_a_row
        )
    anonymous = Actor(user_id=None, username="(login)", roles=frozenset())
    with uow:
        record_event(
            uow.session,
            anonymous,
            entity_type="user" if attempt.user_id is not None else "login_name",
            entity_id=attempt.user_id or 0,
            action="login_failed",
            detail={"failed_in_a_row": attempt.failed_in_a_row},
        )
        uow.commit()


def _actor_for(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        roles=frozenset(role.name for role in user.roles),
        full_name=user.full_name,
    )


def ensure_roles(session: Session) -> dict[str, RoleRow]:
    """The role rows exist once each; returns them by name."""
    existing = {row.name: row for row in session.scalars(select(RoleRow))}
    for role in Role:
        if role.value not in existing:
            row = RoleRow(name=role.value, description=ROLE_DESCRIPTIONS[role])
            session.add(row)
            existing[role.value] = row
    return existing


def add_user(
    uow: UnitOfWork,
    actor: Actor,
    username: str,
    password: str,
    roles: list[str],
    full_name: str = "",
) -> UserSummary:
    require(actor, Permission.MANAGE_USERS)
    username = validate_username(username)
    validate_new_password(password)
    roles = validate_roles(roles)
    with uow:
        if uow.session.scalar(select(User.id).where(User.username == username)) is not None:
            raise AlreadyExists("user", username)
        role_rows = ensure_roles(uow.session)
        user = User(
            username=username,
            full_name=full_name.strip(),
            password_hash=hash_password(password),
            roles=[role_rows[name] for name in roles],
        )
        uow.session.add(user)
        uow.flush()
        record_event(
            uow.session,
            actor,
            entity_type="user",
            entity_id=user.id,
            action="user_added",
            detail={"roles": roles},
        )
        summary = _summary(user)
        uow.commit()
        return summary


def set_password(uow: UnitOfWork, actor: Actor, username: str, password: str) -> None:
    if actor.username != username:
        require(actor, Permission.MANAGE_USERS)
    validate_new_password(password)
    with uow:
        user = _find_user(uow.session, username)
        user.password_hash = hash_password(password)
        user.failed_logins = 0
        user.login_blocked_until = None
        record_event(
            uow.session, actor, entity_type="user", entity_id=user.id, action="password_changed"
        )
        uow.commit()


def set_active(uow: UnitOfWork, actor: Actor, username: str, active: bool) -> None:
    require(actor, Permission.MANAGE_USERS)
    with uow:
        user = _find_user(uow.session, username)
        if user.active != active:
            user.active = active
            record_event(
                uow.session,
                actor,
                entity_type="user",
                entity_id=user.id,
                action="user_enabled" if active else "user_disabled",
            )
        uow.commit()


def saved_language(uow: UnitOfWork, actor: Actor) -> str | None:
    """The desk language ``actor`` saved (as stored: may name one no longer offered)."""
    if actor.user_id is None:
        return None
    with uow:
        return uow.session.scalar(select(User.language).where(User.id == actor.user_id))


def set_language(uow: UnitOfWork, actor: Actor, username: str, language: str | None) -> str | None:
    """Save the desk language of ``username`` (their own; anyone else's needs user admin).

    ``None`` or ``""`` goes back to the workstation's system language. Returns what is saved.
    """
    if actor.username != username:
        require(actor, Permission.MANAGE_USERS)
    chosen = None
    if language:
        chosen = normalize_language(language)
        if chosen is None:
            raise InvalidInput("language", language, " / ".join(DESK_LANGUAGES))
    with uow:
        user = _find_user(uow.session, username)
        if user.language != chosen:
            before = user.language
            user.language = chosen
            record_event(
                uow.session,
                actor,
                entity_type="user",
                entity_id=user.id,
                action="language_changed",
                detail={"from": before, "to": chosen},
            )
        uow.commit()
        return chosen


def list_users(uow: UnitOfWork, actor: Actor) -> list[UserSummary]:
    require(actor, Permission.MANAGE_USERS)
    with uow:
        users = uow.session.scalars(select(User).order_by(User.username))
        return [_summary(user) for user in users]


def _find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound("user", username)
    return user


def _summary(user: User) -> UserSummary:
    return UserSummary(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        roles=tuple(sorted(role.name for role in user.roles)),
        active=user.active,
        last_login_at=user.last_login_at,
    )
