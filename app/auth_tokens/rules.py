"""Pure rules of login tokens: how long one lives, how it is stored, where its file is."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from app.errors import InvalidInput

DEFAULT_LIFETIME = "12h"
MIN_LIFETIME = dt.timedelta(minutes=5)
MAX_LIFETIME = dt.timedelta(days=366)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_LIFETIME = re.compile(r"^\s*(\d{1,6})\s*([mhdw])\s*$")


def parse_lifetime(text: str) -> dt.timedelta:
    """``30m``, ``12h``, ``7d``, ``4w`` → a duration between 5 minutes and a year."""
    match = _LIFETIME.match(text.lower())
    if match is None:
        raise InvalidInput("--expires", text, "a number and m, h, d or w, e.g. 12h or 7d")
    lifetime = dt.timedelta(**{_UNITS[match[2]]: int(match[1])})
    if not MIN_LIFETIME <= lifetime <= MAX_LIFETIME:
        raise InvalidInput("--expires", text, "between 5m and 366d")
    return lifetime


def token_digest(token: str) -> str:
    """What the database keeps of a token. A token is 32 random bytes, so a plain SHA-256
    (no salt, no stretching) cannot be reversed, and finds the row with one index look-up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_file_name(database: str) -> str:
    """One token file per database (its description: SQLite path, or PostgreSQL host/db)."""
    return hashlib.sha256(database.encode("utf-8")).hexdigest()[:24] + ".token"
