"""The token file: one per database, in the user's data folder, readable by its owner only.

The folder is made 0700 and the file 0600 before the token is written into it; a file that
others can read is refused (as ssh refuses a private key others can read), not used.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

from app.auth_tokens.model import SavedToken
from app.auth_tokens.rules import token_file_name
from app.config import data_dir
from app.errors import TokenFileUnsafe


def token_path(database: str) -> Path:
    return data_dir() / "tokens" / token_file_name(database)


def save_token(saved: SavedToken) -> Path:
    path = token_path(saved.database)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    content = json.dumps(
        {
            "database": saved.database,
            "user": saved.username,
            "token": saved.token,
            "expires_at": saved.expires_at.isoformat(),
        }
    )
    temporary = path.with_suffix(".tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.replace(temporary, path)
    return path


def load_token(database: str) -> SavedToken | None:
    path = token_path(database)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise TokenFileUnsafe(str(path))
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return SavedToken(
            database=record["database"],
            username=record["user"],
            token=record["token"],
            expires_at=dt.datetime.fromisoformat(record["expires_at"]),
        )
    except (ValueError, KeyError, TypeError):
        return None  # a damaged file is as good as none: the command asks for a login


def remove_token(database: str) -> bool:
    path = token_path(database)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
