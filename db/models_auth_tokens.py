"""Login tokens: what ``orderdesk login`` hands to unattended command-line runs.

Only a SHA-256 of each token is stored (the token itself is 32 random bytes, kept 0600 in
the user's data folder), so reading this table gives nobody a way in. A token acts as its
user until it expires or is revoked; a disabled user's tokens act as nobody.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, UTCDateTime, utcnow


class AuthToken(Base):
    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Where it was issued (host and operating-system user), for the administrator's list.
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_auth_tokens_user", "user_id"),)
