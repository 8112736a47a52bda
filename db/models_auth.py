"""Login bookkeeping that is not a user: failed attempts at names nobody has.

Unknown user names are throttled exactly like known ones (same pauses, same message), so
trying names cannot tell which exist. Their count lives here, keyed by the name as typed,
normalised (trimmed, lower case); a known user's count stays on its ``users`` row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, UTCDateTime


class LoginThrottle(Base):
    __tablename__ = "login_throttles"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
