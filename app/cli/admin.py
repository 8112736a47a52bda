"""``orderdesk db|user|login|logout|audit``: the schema, staff accounts, the login token a
terminal acts with, and the audit trail's check. Registered on the main parser by ``register``."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from app.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    _actor,
    _open,
    _read_password,
    emit_json,
)
from app.errors import InvalidInput
from app.i18n import N_, _, ngettext
from app.i18n import Sentence as S
from app.permissions import Actor, Role


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from app.database import upgrade_database

    database = _open(args, check_schema=False)
    try:
        before, after = upgrade_database(database)
    finally:
        database.dispose()
    result = {"database": database.description, "from": before, "to": after}
    if args.json:
        emit_json(result)
    elif before == after:
        print(
            _("{database} is already at schema version {version}.").format(
                database=database.description, version=after
            )
        )
    else:
        print(
            _("{database} upgraded from {old} to {new}.").format(
                database=database.description, old=before or _("empty"), new=after
            )
        )
    return EXIT_OK


def cmd_db_current(args: argparse.Namespace) -> int:
    from app.database import current_revision
    from db.schema import head_revision

    database = _open(args, check_schema=False)
    try:
        current = current_revision(database)
    finally:
        database.dispose()
    head = head_revision()
    result = {
        "database": database.description,
        "database_version": current,
        "program_version": head,
        "up_to_date": current == head,
    }
    if args.json:
        emit_json(result)
    else:
        state = (
            _("up to date")
            if current == head
            else _("this program needs {version}").format(version=head)
        )
        print(
            _("{database}: schema {version} ({state})").format(
                database=database.description, version=current or _("empty"), state=state
            )
        )
    return EXIT_OK


def cmd_db_create_desk_role(args: argparse.Namespace) -> int:
    """Run with the owner's URL: the role desks connect as, owning nothing."""
    from sqlalchemy import exc as sa_exc

    from app.auth import validate_new_password
    from app.errors import DeskRoleRefused, DeskRolesNeedPostgres
    from db.desk_roles import create_desk_role, valid_role_name

    if not valid_role_name(args.name):
        raise InvalidInput(
            "role name",
            args.name,
            N_("2-63 lower-case letters, digits or '_', starting with a letter"),
        )
    database = _open(args)
    try:
        if database.dialect != "postgresql":
            raise DeskRolesNeedPostgres(database.description)
        password = _read_password(args, _("Password for desk role {role}: ").format(role=args.name))
        validate_new_password(password)
        try:
            with database.engine.begin() as connection:
                group, new = create_desk_role(connection, args.name, password)
        except ValueError as exc:
            raise InvalidInput("role name", args.name, str(exc)) from exc
        except sa_exc.DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise DeskRoleRefused(
                args.name, S("{reason} (run this with the owner's URL)", reason=reason)
            ) from exc
    finally:
        database.dispose()
    desk_url = database.url.set(username=args.name, password=None)
    result = {
        "role": args.name,
        "group": group,
        "created": new,
        "desk_url": desk_url.render_as_string(hide_password=True),
    }
    if args.json:
        emit_json(result)
    else:
        done = (
            _("Created desk role {role} (member of {group}).")
            if new
            else _("Refreshed desk role {role} (member of {group}).")
        )
        print(
            done.format(role=args.name, group=group)
            + " "
            + _(
                "Desks connect with {url} and its password; "
                "`orderdesk db upgrade` keeps using the owner's URL."
            ).format(url=result["desk_url"])
        )
    return EXIT_OK


# --------------------------------------------------------------------------- users


def cmd_user_add(args: argparse.Namespace) -> int:
    from app.auth import add_user

    roles = [role.strip() for role in args.roles.split(",") if role.strip()]
    database = _open(args)
    try:
        actor = _first_administrator_setup(database, roles) or _actor()
        password = _read_password(args, _("Password for {user}: ").format(user=args.username))
        summary = add_user(
            database.unit_of_work(), actor, args.username, password, roles, args.name
        )
    finally:
        database.dispose()
    if args.json:
        emit_json(summary)
    else:
        print(
            _("Added {user} ({roles}).").format(
                user=summary.username, roles=", ".join(summary.roles)
            )
        )
    return EXIT_OK


def _first_administrator_setup(database, roles: list[str]) -> Actor | None:
    """Until a database has an active administrator, the first one is added by whoever
    holds the database (nobody could log in to do it); the audit names the OS user."""
    from app.auth_tokens.service import administrator_exists

    if administrator_exists(database.unit_of_work()):
        return None
    if Role.ADMIN.value not in roles:
        raise InvalidInput(
            "--roles",
            ",".join(roles),
            N_("admin for the first user: there is no administrator yet"),
        )
    return Actor(
        user_id=None, username=f"setup:{getpass.getuser()}"[:64], roles=frozenset({"admin"})
    )


# --------------------------------------------------------------------------- login


def cmd_login(args: argparse.Namespace) -> int:
    """Check a password once and save a token that later commands here act with."""
    import socket

    from app.auth import login
    from app.auth_tokens.model import SavedToken
    from app.auth_tokens.rules import parse_lifetime
    from app.auth_tokens.service import issue_token, revoke_token
    from app.auth_tokens.store import load_token, save_token

    lifetime = parse_lifetime(args.expires)
    name = getattr(args, "user", None) or getpass.getuser()
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = getpass.getpass(_("Password for {user}: ").format(user=name))
    else:
        raise InvalidInput(
            "password", "(none)", N_("--password-stdin when input is not a terminal")
        )
    database = _open(args)
    try:
        actor = login(database.unit_of_work(), name, password)
        label = f"{getpass.getuser()}@{socket.gethostname()}"
        issued = issue_token(database.unit_of_work(), actor, lifetime, label)
        replaced = load_token(database.description)
        if replaced is not None:  # the token this one replaces acts for nobody any more
            revoke_token(database.unit_of_work(), replaced.token)
    finally:
        database.dispose()
    path = save_token(
        SavedToken(database.description, issued.username, issued.token, issued.expires_at)
    )
    result = {
        "database": database.description,
        "user": issued.username,
        "expires_at": issued.expires_at,
        "token_file": str(path),
    }
    if args.json:
        emit_json(result)
    else:
        print(
            _(
                "Logged in to {database} as {user} until {until} UTC; commands run here act "
                "as {user} (`orderdesk logout` ends it)."
            ).format(
                database=database.description,
                user=issued.username,
                until=f"{issued.expires_at:%Y-%m-%d %H:%M}",
            )
        )
    return EXIT_OK


def cmd_logout(args: argparse.Namespace) -> int:
    from app.auth_tokens.service import revoke_token
    from app.auth_tokens.store import load_token, remove_token

    database = _open(args)
    try:
        saved = load_token(database.description)
        revoked = 0
        if saved is not None:
            revoked = revoke_token(
                database.unit_of_work(), saved.token, every_token_of_user=args.everywhere
            )
        removed = remove_token(database.description)
    finally:
        database.dispose()
    if args.json:
        emit_json({"database": database.description, "revoked": revoked, "removed": removed})
    elif saved is None and not removed:
        print(_("Not logged in to {database} here.").format(database=database.description))
    else:
        print(
            ngettext(
                "Logged out of {database} ({count} login token revoked).",
                "Logged out of {database} ({count} login tokens revoked).",
                revoked,
            ).format(database=database.description, count=revoked)
        )
    return EXIT_OK


# --------------------------------------------------------------------------- audit


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Exit 0: the chain is whole; 1: a link is broken (the first is named)."""
    from app.audit import verify_chain

    database = _open(args)
    try:
        with database.engine.connect() as connection:
            report = verify_chain(connection)
    finally:
        database.dispose()
    first = report.first_broken
    if args.json:
        emit_json(
            {
                "database": database.description,
                "events": report.count,
                "head_id": report.head_id,
                "head_hash": report.head_hash,
                "intact": report.intact,
                "broken": report.broken,
                "first_broken": None
                if first is None
                else {
                    "event_id": first.event_id,
                    "problem": first.problem,
                    "explanation": first.explanation,
                    "previous_event_id": first.previous_event_id,
                },
            }
        )
    else:
        print(
            _("Audit trail of {database}: {count} events; head event {head} hash {hash}").format(
                database=database.description,
                count=report.count,
                head=report.head_id or "-",
                hash=report.head_hash,
            )
        )
        if first is None:
            print(_("Every link holds. Keep the head hash elsewhere to prove this trail later."))
        else:
            print(
                ngettext(
                    "BROKEN at event {event}: {explanation}; {count} broken link in all.",
                    "BROKEN at event {event}: {explanation}; {count} broken links in all.",
                    report.broken,
                ).format(event=first.event_id, explanation=first.explanation, count=report.broken)
            )
    return EXIT_OK if report.intact else EXIT_PROBLEMS


def cmd_user_list(args: argparse.Namespace) -> int:
    from app.auth import list_users

    database = _open(args)
    try:
        users = list_users(database.unit_of_work(), _actor())
    finally:
        database.dispose()
    for user in users:
        if args.json:
            emit_json(user)
        else:
            state = "" if user.active else "  " + _("(disabled)")
            print(f"{user.username:<20} {','.join(user.roles):<30} {user.full_name}{state}")
    return EXIT_OK


def cmd_user_passwd(args: argparse.Namespace) -> int:
    from app.auth import set_password

    password = _read_password(args, _("New password for {user}: ").format(user=args.username))
    database = _open(args)
    try:
        set_password(database.unit_of_work(), _actor(), args.username, password)
    finally:
        database.dispose()
    print(_("Password of {user} changed.").format(user=args.username))
    return EXIT_OK


def _cmd_user_set_active(active: bool) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        from app.auth import set_active

        database = _open(args)
        try:
            set_active(database.unit_of_work(), _actor(), args.username, active)
        finally:
            database.dispose()
        done = _("{user} enabled.") if active else _("{user} disabled.")
        print(done.format(user=args.username))
        return EXIT_OK

    return command


# --------------------------------------------------------------------------- parser


def register(commands: argparse._SubParsersAction, add_common: Callable[..., None]) -> None:
    """``db``, ``login``, ``logout``, ``audit`` and ``user`` on the main parser."""
    _register_db(commands, add_common)
    _register_login(commands, add_common)
    audit = commands.add_parser("audit", help=_("the audit trail")).add_subparsers(
        dest="audit_command", metavar="ACTION", required=True
    )
    verify = audit.add_parser(
        "verify",
        help=_("check the audit trail's hash chain; prints its head (exit 1 if broken)"),
    )
    add_common(verify, json_flag=True)
    verify.set_defaults(func=cmd_audit_verify)
    _register_user(commands, add_common)


def _register_db(commands: argparse._SubParsersAction, add_common: Callable[..., None]) -> None:
    db = commands.add_parser("db", help=_("schema versions of the database")).add_subparsers(
        dest="db_command", metavar="ACTION", required=True
    )
    upgrade = db.add_parser(
        "upgrade", help=_("bring the database to this program's schema (administrators)")
    )
    add_common(upgrade, json_flag=True)
    upgrade.set_defaults(func=cmd_db_upgrade)
    current = db.add_parser(
        "current", help=_("show the database's and this program's schema versions")
    )
    add_common(current, json_flag=True)
    current.set_defaults(func=cmd_db_current)
    desk_role = db.add_parser(
        "create-desk-role",
        help=_("PostgreSQL: make or refresh the role desks connect as (run with the owner's URL)"),
    )
    desk_role.add_argument("name", help=_("the desk role's name, e.g. orderdesk_desk"))
    desk_role.add_argument(
        "--password-stdin", action="store_true", help=_("read the password from standard input")
    )
    add_common(desk_role, json_flag=True)
    desk_role.set_defaults(func=cmd_db_create_desk_role)


def _register_login(commands: argparse._SubParsersAction, add_common: Callable[..., None]) -> None:
    login = commands.add_parser(
        "login", help=_("prove who you are once; later commands here act as you (a token)")
    )
    login.add_argument(
        "--expires",
        default="12h",
        metavar="TIME",
        help=_("how long: 30m, 12h, 7d … (default 12h)"),
    )
    login.add_argument(
        "--password-stdin", action="store_true", help=_("read the password from standard input")
    )
    add_common(login, json_flag=True)
    login.set_defaults(func=cmd_login)
    logout = commands.add_parser("logout", help=_("revoke and remove this database's login token"))
    logout.add_argument(
        "--everywhere", action="store_true", help=_("revoke every token of the same user")
    )
    add_common(logout, json_flag=True)
    logout.set_defaults(func=cmd_logout)


def _register_user(commands: argparse._SubParsersAction, add_common: Callable[..., None]) -> None:
    user = commands.add_parser("user", help=_("staff accounts")).add_subparsers(
        dest="user_command", metavar="ACTION", required=True
    )
    roles_help = _("comma-separated roles: {roles}").format(roles=", ".join(r.value for r in Role))
    add = user.add_parser("add", help=_("add a user (asks for the password)"))
    add.add_argument("username")
    add.add_argument("--roles", required=True, help=roles_help)
    add.add_argument("--name", default="", help=_("full name shown on screens"))
    add.add_argument(
        "--password-stdin", action="store_true", help=_("read the password from standard input")
    )
    add_common(add, json_flag=True)
    add.set_defaults(func=cmd_user_add)
    listing = user.add_parser("list", help=_("list users and their roles"))
    add_common(listing, json_flag=True)
    listing.set_defaults(func=cmd_user_list)
    passwd = user.add_parser("passwd", help=_("set a user's password (asks for it)"))
    passwd.add_argument("username")
    passwd.add_argument(
        "--password-stdin", action="store_true", help=_("read the password from standard input")
    )
    add_common(passwd)
    passwd.set_defaults(func=cmd_user_passwd)
    for action, active in (("disable", False), ("enable", True)):
        toggle = user.add_parser(
            action,
            help=_("disable a user's account") if not active else _("enable a user's account"),
        )
        toggle.add_argument("username")
        add_common(toggle)
        toggle.set_defaults(func=_cmd_user_set_active(active))
