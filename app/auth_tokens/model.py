"""Plain data of login tokens."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``token`` is shown to nobody, only written to the 0600 token file."""

    token: str = field(repr=False)
    token_id: int
    username: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class SavedToken:
    """What the token file holds for one database."""

    database: str
    username: str
    token: str = field(repr=False)
    expires_at: dt.datetime
