"""Login tokens: issue one after a password check, act as its user, revoke it.

Tokens are stored hashed (``rules.token_digest``); each issue and revoke is audited on the
user. A token acts as its user only while it is unexpired, unrevoked and the user active.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select, update

from app.audit import record_event
from app.auth_tokens.model import IssuedToken
from app.auth_tokens.rules import token_digest
from app.errors import TokenRefused
from app.i18n import Sentence as S
from app.permissions import Actor, Role
from app.uow import UnitOfWork
from db.models import Role as RoleRow
from db.models import User, utcnow
from db.models_auth_tokens import AuthToken


def issue_token(
    uow: UnitOfWork, actor: Actor, lifetime: dt.timedelta, label: str = ""
) -> IssuedToken:
    """A token acting as ``actor`` (who has just proved who they are) for ``lifetime``."""
    if actor.user_id is None:
        raise TokenRefused(S("can only be made for a staff user"))
    token = secrets.token_urlsafe(32)
    with uow:
        now = utcnow()
        row = AuthToken(
            user_id=actor.user_id,
            token_hash=token_digest(token),
            label=label[:200],
            created_at=now,
            expires_at=now + lifetime,
        )
        uow.session.add(row)
        uow.flush()
        record_event(
            uow.session,
            actor,
            entity_type="user",
            entity_id=actor.user_id,
            action="token_issued",
            detail={"token": row.id, "expires_at": row.expires_at.isoformat(), "label": label},
        )
        issued = IssuedToken(token, row.id, actor.username, row.expires_at)
        uow.commit()
    return issued


def actor_for_token(uow: UnitOfWork, token: str) -> Actor:
    """Who ``token`` acts as; ``TokenRefused`` naming why when it acts as nobody."""
    with uow:
        found = uow.session.execute(
            select(AuthToken, User)
            .join(User, User.id == AuthToken.user_id)
            .where(AuthToken.token_hash == token_digest(token))
        ).first()
        if found is None:
            raise TokenRefused(S("is not known to this database (signed out, or another database)"))
        row, user = found
        if row.revoked_at is not None:
            raise TokenRefused(S("was signed out"))
        if row.expires_at <= utcnow():
            raise TokenRefused(S("expired at {time} UTC", time=f"{row.expires_at:%Y-%m-%d %H:%M}"))
        if not user.active:
            raise TokenRefused(S("is for {user}, whose account is disabled", user=user.username))
        return Actor(
            user_id=user.id,
            username=user.username,
            roles=frozenset(role.name for role in user.roles),
            full_name=user.full_name,
        )


def revoke_token(uow: UnitOfWork, token: str, *, every_token_of_user: bool = False) -> int:
    """Sign out: the token (or all its user's tokens) acts as nobody from now on.

    Returns how many were revoked (0 when the token was unknown or already revoked).
    """
    with uow:
        row = uow.session.scalar(
            select(AuthToken).where(AuthToken.token_hash == token_digest(token))
        )
        if row is None:
            return 0
        condition = (
            AuthToken.user_id == row.user_id if every_token_of_user else AuthToken.id == row.id
        )
        now = utcnow()
        revoked = (
            uow.session.execute(
                update(AuthToken)
                .where(condition, AuthToken.revoked_at.is_(None))
                .values(revoked_at=now)
                .returning(AuthToken.id)
            )
            .scalars()
            .all()
        )
        if revoked:
            user = uow.session.get(User, row.user_id)
            assert user is not None
            actor = Actor(user.id, user.username, frozenset(r.name for r in user.roles))
            record_event(
                uow.session,
                actor,
                entity_type="user",
                entity_id=user.id,
                action="token_revoked",
                detail={"tokens": sorted(revoked)},
            )
        uow.commit()
        return len(revoked)


def administrator_exists(uow: UnitOfWork) -> bool:
    """Is there an active administrator? Until there is, the first one may be added by
    whoever holds the database (``orderdesk user add NAME --roles admin``)."""
    with uow:
        return (
            uow.session.scalar(
                select(User.id)
                .where(User.active.is_(True), User.roles.any(RoleRow.name == Role.ADMIN.value))
                .limit(1)
            )
            is not None
        )
