"""Station mode's staff badges: a badge's barcode carries a revocable login token (never
the user name), issued by whoever manages users and printed as a card; scanning it at a
dedicated packing PC logs its holder in. Revoking a user's badges makes every one of them
act as nobody at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update

from app.audit import record_event
from app.auth_tokens.service import actor_for_token, issue_token
from app.errors import NotFound, TokenRefused
from app.i18n import Sentence as S
from app.i18n import _
from app.labels.barcodes import code128
from app.labels.layout import Align, Code, Page, Rule, Text
from app.labels.pdf import render_pdf
from app.packing.errors import BadgeRefused
from app.permissions import Actor, Permission, require
from db.models import User, utcnow
from db.models_auth_tokens import AuthToken

BADGE_PREFIX = "ODB1:"  # what tells a badge from any other scan
BADGE_LABEL = "badge"
BADGE_DAYS = 400
CARD_W, CARD_H = 85.6, 54.0  # ID-1, a credit card's size


@dataclass(frozen=True)
class Badge:
    code: str  # what the barcode carries: prefix + token
    username: str
    full_name: str
    token_id: int
    expires_at: dt.datetime


def is_badge(code: str) -> bool:
    return (code or "").strip().startswith(BADGE_PREFIX)


def issue_badge(database, manager: Actor, username: str, days: int = BADGE_DAYS) -> Badge:
    """A new badge for ``username``; its token is shown once, on the card."""
    require(manager, Permission.MANAGE_USERS)
    with database.unit_of_work() as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound("user", username)
        holder = Actor(
            user.id, user.username, frozenset(r.name for r in user.roles), user.full_name
        )
    issued = issue_token(database.unit_of_work(), holder, dt.timedelta(days=days), BADGE_LABEL)
    with database.unit_of_work() as uow:
        record_event(
            uow.session,
            manager,
            entity_type="user",
            entity_id=holder.user_id,
            action="badge_issued",
            detail={"token": issued.token_id},
        )
        uow.commit()
    return Badge(
        BADGE_PREFIX + issued.token,
        holder.username,
        holder.full_name or "",
        issued.token_id,
        issued.expires_at,
    )


def actor_for_badge(database, code: str) -> Actor:
    """Who a scanned badge logs in; ``TokenRefused`` saying why it logs in nobody."""
    if not is_badge(code):
        raise BadgeRefused(S("is not a staff badge: scan the badge's square code"))
    try:
        return actor_for_token(database.unit_of_work(), code.strip()[len(BADGE_PREFIX) :])
    except TokenRefused as refused:
        raise BadgeRefused(refused.reason) from refused


def revoke_badges(database, manager: Actor, username: str) -> int:
    """Every badge of ``username`` stops working now (a lost card); returns how many."""
    require(manager, Permission.MANAGE_USERS)
    with database.unit_of_work() as uow:
        user_id = uow.session.scalar(select(User.id).where(User.username == username))
        if user_id is None:
            raise NotFound("user", username)
        revoked = uow.session.execute(
            update(AuthToken)
            .where(
                AuthToken.user_id == user_id,
                AuthToken.label == BADGE_LABEL,
                AuthToken.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
        ).rowcount
        record_event(
            uow.session,
            manager,
            entity_type="user",
            entity_id=user_id,
            action="badges_revoked",
            detail={"badges": revoked},
        )
        uow.commit()
        return revoked


def badge_page(badge: Badge) -> Page:
    name = badge.full_name or badge.username
    return Page(
        CARD_W,
        CARD_H,
        (
            Text(4, 4, 44, 4, _("orderdesk staff badge"), "title", 7, 5, bold=True),
            Rule(4, 9, CARD_W - 4, 9, 0.3),
            Text(4, 12, 42, 18, name, "name", 16, 8, bold=True),
            Text(4, 32, 42, 5, badge.username, "user", 9, 6),
            Text(
                4,
                44,
                42,
                6,
                _("valid until {date}").format(date=f"{badge.expires_at:%Y-%m-%d}"),
                "expiry",
                7,
                5,
                align=Align.LEFT,
            ),
            # Too long for a bar code here: drawn as a QR code filling the box.
            Code(48, 11, 34, 40, code128(badge.code), "badge", caption=False),
        ),
        name=_("staff badge"),
    )


def render_badge_pdf(badge: Badge) -> bytes:
    return render_pdf(
        [badge_page(badge)], title=_("Staff badge {user}").format(user=badge.username)
    )


def record_station_sign(database, actor: Actor, action: str) -> None:
    """A badge signing in or out at a packing station, on the person's audit trail."""
    if actor.user_id is None:
        return
    with database.unit_of_work() as uow:
        record_event(
            uow.session, actor, entity_type="user", entity_id=actor.user_id, action=action,
            reason="packing station",
        )  # fmt: skip
        uow.commit()
