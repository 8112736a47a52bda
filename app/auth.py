"""Users, passwords and logging in.

Passwords are hashed with scrypt (memory-hard, in the standard library). After a few
failed attempts an account refuses further attempts for a growing pause, checked before
the password is, so guessing is slowed whatever the client does. Nothing here logs a
password or a hash.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import (
    AccountDisabled,
    AlreadyExists,
    InvalidInput,
    LoginFailed,
    LoginThrottled,
    NotFound,
)
from app.i18n import DESK_LANGUAGES, normalize_language
from app.permissions import ROLE_DESCRIPTIONS, Actor, Permission, Role, require
from app.uow import UnitOfWork
from db.models import Role as RoleRow
from db.models import User, utcnow

log = logging.getLogger(__name__)

# scrypt cost: 2**14 * 8 * 128 bytes = 16 MiB of memory per hash, ~50 ms here.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD_LENGTH = 8
FREE_FAILED_ATTEMPTS = 3
MAX_LOGIN_PAUSE_S = 300
_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")


# --------------------------------------------------------------------------- hashing


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(
        ("scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest))
    )


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = _scrypt(password, _unb64(salt), int(n), int(r), int(p))
    return hmac.compare_digest(candidate, _unb64(digest))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


# A hash to check against when the user does not exist, so both paths cost the same.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def login_pause_seconds(failed_logins: int) -> int:
    """No pause for the first few mistakes, then 2, 4, 8 … seconds up to five minutes."""
    extra = failed_logins - FREE_FAILED_ATTEMPTS
    if extra < 0:
        return 0
    return min(2 ** (extra + 1), MAX_LOGIN_PAUSE_S)


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
    if len(password) < MIN_PASSWORD_LENGTH:
        # The value is never echoed back: only its shape is described.
        raise InvalidInput("password", "(hidden)", f"at least {MIN_PASSWORD_LENGTH} characters")


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


def login(uow: UnitOfWork, username: str, password: str) -> Actor:
    """Check the password and return who is now acting; every outcome is recorded."""
    with uow:
        user = uow.session.scalar(select(User).where(User.username == username.strip().lower()))
        if user is None:
            verify_password(password, _DUMMY_HASH)
            raise LoginFailed()
        now = utcnow()
        if user.login_blocked_until is not None and user.login_blocked_until > now:
            raise LoginThrottled(max(1, int((user.login_blocked_until - now).total_seconds())))
        if not password or not verify_password(password, user.password_hash):
            _record_failed_login(uow.session, user, now)
            uow.commit()
            raise LoginFailed()
        if not user.active:
            raise AccountDisabled(user.username)
        user.failed_logins = 0
        user.login_blocked_until = None
        user.last_login_at = now
        actor = _actor_for(user)
        record_event(uow.session, actor, entity_type="user", entity_id=user.id, action="login")
        uow.commit()
        return actor


def _record_failed_login(session: Session, user: User, now: dt.datetime) -> None:
    user.failed_logins += 1
    pause = login_pause_seconds(user.failed_logins)
    if pause:
        user.login_blocked_until = now + dt.timedelta(seconds=pause)
    log.warning("failed login for user id %s (%s in a row)", user.id, user.failed_logins)
    anonymous = Actor(user_id=None, username="(login)", roles=frozenset())
    record_event(
        session,
        anonymous,
        entity_type="user",
        entity_id=user.id,
        action="login_failed",
        detail={"failed_in_a_row": user.failed_logins},
    )


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
