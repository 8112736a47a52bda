"""What every ``orderdesk`` command shares: exit codes, ``--json`` output, the database it
opens, the staff user it acts as (``_actor``), password prompts and the common options."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import getpass
import json
import os
import sys
from contextvars import ContextVar
from typing import Any

from app.config import resolve_database_url
from app.errors import InvalidInput
from app.i18n import N_, _, say
from app.i18n import Sentence as S
from app.permissions import Actor

EXIT_OK, EXIT_PROBLEMS, EXIT_FAILED = 0, 1, 2


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)  # type: ignore[arg-type]
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def emit_json(obj: Any) -> None:
    print(json.dumps(obj, default=_json_default, ensure_ascii=False))


# The command being run (set by ``main``), so that ``_actor()`` needs no arguments.
_INVOCATION: ContextVar[argparse.Namespace | None] = ContextVar("orderdesk_cli", default=None)
TOKEN_ENV = "ORDERDESK_TOKEN"


def _actor() -> Actor:
    """The staff user this command acts as, who has proved it: every command that changes
    or reads business data calls this (and only this) to get its actor.

    In order: the login token in ``$ORDERDESK_TOKEN`` or saved by ``orderdesk login`` for
    this database (when ``--user`` is given, only that user's); else, at a terminal, the
    password of ``--user`` (default: the operating-system user name) asked for now. With
    neither, the command stops in one line (``StaffLoginRequired``, exit 2). The answer is
    kept for the rest of the command.
    """
    args = _INVOCATION.get() or argparse.Namespace()
    cached = getattr(args, "_acting_as", None)
    if cached is None:
        cached = _prove_who_is_acting(args)
        args._acting_as = cached
    return cached


def _prove_who_is_acting(args: argparse.Namespace) -> Actor:
    from app.auth import login
    from app.auth_tokens.service import actor_for_token
    from app.auth_tokens.store import load_token
    from app.errors import StaffLoginRequired, TokenRefused

    wanted = getattr(args, "user", None)
    database = _open(args)
    try:
        token = os.environ.get(TOKEN_ENV) or None
        if token is None:
            saved = load_token(database.description)
            if saved is not None and wanted in (None, saved.username):
                token = saved.token
        refused = ""
        if token is not None:
            try:
                actor = actor_for_token(database.unit_of_work(), token)
            except TokenRefused as exc:
                refused = exc.message.rstrip(".")
            else:
                if wanted in (None, actor.username):
                    return actor
                refused = S(
                    "the login token is for {user}, not {wanted}",
                    user=actor.username,
                    wanted=wanted,
                )
        if not sys.stdin.isatty():
            raise StaffLoginRequired(refused or S("no login token and no terminal to ask"))
        if refused:
            print(f"orderdesk: {say(refused)}.", file=sys.stderr)
        name = wanted or getpass.getuser()
        password = getpass.getpass(
            _("Password for {user} ({database}): ").format(user=name, database=database.description)
        )
        return login(database.unit_of_work(), name, password)
    finally:
        database.dispose()


def _open(args: argparse.Namespace, *, check_schema: bool = True):
    from app.database import open_database

    return open_database(resolve_database_url(getattr(args, "db", None)), check_schema=check_schema)


def _read_password(args: argparse.Namespace, prompt: str) -> str:
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise InvalidInput(
            "password", "(none)", N_("--password-stdin when input is not a terminal")
        )
    first = getpass.getpass(prompt)
    if getpass.getpass(_("Again: ")) != first:
        raise InvalidInput("password", "(hidden)", N_("the same password typed twice"))
    return first


def _add_common(
    parser: argparse.ArgumentParser, *, json_flag: bool = False, top: bool = False
) -> None:
    # On sub-commands the default is suppressed so `orderdesk --db X cmd` keeps X.
    parser.add_argument(
        "--db",
        default=None if top else argparse.SUPPRESS,
        metavar="URL",
        help=_("database URL (default: $ORDERDESK_DATABASE_URL or the local SQLite file)"),
    )
    parser.add_argument(
        "--user",
        default=None if top else argparse.SUPPRESS,
        metavar="NAME",
        help=_(
            "act as this staff user (default: the one `orderdesk login` saved, else your "
            "login name; asks for the password at a terminal)"
        ),
    )
    if json_flag:
        parser.add_argument("--json", action="store_true", help=_("one JSON object per line"))
