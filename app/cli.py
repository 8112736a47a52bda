"""The ``orderdesk`` command: the same services the screens use, from a terminal.

Every command that reports something has ``--json`` (one JSON object per line). Expected
failures print one line naming what went wrong and exit non-zero; they never print a
traceback. Exit codes: 0 done, 1 done with rejections/problems, 2 could not do it.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import getpass
import importlib
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

from app import __version__
from app.config import resolve_database_url
from app.errors import InvalidInput, OrderdeskError
from app.i18n import N_, _, current_language, ngettext, set_language, system_language
from app.i18n import Sentence as S
from app.permissions import Actor, Role

EXIT_OK, EXIT_PROBLEMS, EXIT_FAILED = 0, 1, 2

log = logging.getLogger("orderdesk.cli")


# --------------------------------------------------------------------------- output


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
            print(f"orderdesk: {refused}.", file=sys.stderr)
        name = wanted or getpass.getuser()
        password = getpass.getpass(f"Password for {name} ({database.description}): ")
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


# --------------------------------------------------------------------------- db


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
            "role name", args.name, "2-63 lower-case letters, digits or '_', starting with a letter"
        )
    database = _open(args)
    try:
        if database.dialect != "postgresql":
            raise DeskRolesNeedPostgres(database.description)
        password = _read_password(args, f"Password for desk role {args.name}: ")
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
        print(
            f"{'Created' if new else 'Refreshed'} desk role {args.name} (member of {group}). "
            f"Desks connect with {result['desk_url']} and its password; "
            "`orderdesk db upgrade` keeps using the owner's URL."
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
            "--roles", ",".join(roles), "admin for the first user: there is no administrator yet"
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
        password = getpass.getpass(f"Password for {name}: ")
    else:
        raise InvalidInput("password", "(none)", "--password-stdin when input is not a terminal")
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
            f"Logged in to {database.description} as {issued.username} until "
            f"{issued.expires_at:%Y-%m-%d %H:%M} UTC; commands run here act as "
            f"{issued.username} (`orderdesk logout` ends it)."
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
        print(f"Not logged in to {database.description} here.")
    else:
        print(f"Logged out of {database.description} ({revoked} login token(s) revoked).")
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
            f"Audit trail of {database.description}: {report.count} events; "
            f"head event {report.head_id or '-'} hash {report.head_hash}"
        )
        if first is None:
            print("Every link holds. Keep the head hash elsewhere to prove this trail later.")
        else:
            print(
                f"BROKEN at event {first.event_id}: {first.explanation}; "
                f"{report.broken} broken link(s) in all."
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


# --------------------------------------------------------------------------- orders


def _order_json(row) -> dict[str, Any]:
    return {
        "number": row.number,
        "channel": row.channel,
        "channel_order_id": row.channel_order_id,
        "status": row.status,
        "customer": row.customer,
        "total_cents": row.total_cents,
        "currency": row.currency,
        "ship_country": row.ship_country,
        "received_at": row.received_at,
    }


def _parse_day(text: str | None, field: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(field, text, N_("a date as YYYY-MM-DD")) from exc
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def cmd_orders_list(args: argparse.Namespace) -> int:
    from app.money import format_money
    from app.views.orders import OrderFilter, list_orders
    from app.workflow import OrderStatus

    if args.status and args.status not in {s.value for s in OrderStatus}:
        raise InvalidInput(
            "--status", args.status, "one of " + ", ".join(s.value for s in OrderStatus)
        )
    if args.limit < 1:
        raise InvalidInput("--limit", args.limit, N_("a whole number of at least 1"))
    until = _parse_day(args.until, "--until")
    flt = OrderFilter(
        text=args.search or "",
        status=args.status,
        channel=args.channel,
        received_from=_parse_day(args.since, "--since"),
        received_before=until + dt.timedelta(days=1) if until else None,
    )
    database = _open(args)
    try:
        with database.unit_of_work() as uow:
            rows = list_orders(uow.session, _actor(), flt, args.limit)
    finally:
        database.dispose()
    for row in rows:
        if args.json:
            emit_json(_order_json(row))
        else:
            print(
                f"{row.number}  {row.received_at:%Y-%m-%d}  {row.status:<15} {row.channel:<16} "
                f"{row.channel_order_id:<22} {format_money(row.total_cents, row.currency):>14}  "
                f"{row.customer}"
            )
    return EXIT_OK


def cmd_orders_show(args: argparse.Namespace) -> int:
    from app.money import display_money
    from app.views.orders import find_order_id, order_detail

    database = _open(args)
    try:
        with database.unit_of_work() as uow:
            detail = order_detail(
                uow.session, _actor(), find_order_id(uow.session, _actor(), args.number)
            )
    finally:
        database.dispose()
    if args.json:
        record = dataclasses.asdict(detail)
        record["customer"] = detail.customer_name
        emit_json(record)
        return EXIT_OK
    money = lambda cents: display_money(cents, detail.currency)  # noqa: E731
    print(f"{detail.number}  {detail.status}  {detail.channel} {detail.channel_order_id}")
    customer = f"{detail.customer_name} <{detail.customer_email}> {detail.customer_phone}"
    print(_("Customer: {customer}").format(customer=customer))
    print(_("Ship to: {address}").format(address=" / ".join(detail.ship_to)))
    for line in detail.lines:
        price = money(line.unit_price_cents)
        what = f"{line.sku:<16} {line.quantity:>4} × {price:>12}"
        print(f"  {line.line_no:>2}. {what}  {line.product_name}")
    print(_("Total: {amount}").format(amount=money(detail.total_cents)))
    for payment in detail.payments:
        paid = display_money(payment.amount_cents, payment.currency)
        what = f"{payment.method} {payment.status} {paid} {payment.card}".strip()
        print(_("Payment: {payment}").format(payment=what))
    for shipment in detail.shipments:
        where = f"{shipment.warehouse} {shipment.carrier} {shipment.tracking_number}"
        what = f"{shipment.number} {shipment.status} {where}".strip()
        print(_("Shipment: {shipment}").format(shipment=what))
    for event in detail.audit:
        print(f"  {event.at:%Y-%m-%d %H:%M} {event.actor:<14} {event.entity} {history_text(event)}")
    return EXIT_OK


def history_text(event) -> str:
    """What was done and why: the verb always, the state change when there was one."""
    what = event.action.replace("_", " ")
    if event.action == "status" and event.to_state:
        what = f"{event.from_state} → {event.to_state}"
    elif event.to_state and event.from_state != event.to_state:
        what += f" ({event.from_state} → {event.to_state})"
    why = f": {event.reason}" if event.reason else ""
    return what + why


# --------------------------------------------------------------------------- review

REVIEW_COUNTS = ("needs_info", "stock_short", "payment_problem", "exception", "on_hold")


def cmd_review(args: argparse.Namespace) -> int:
    """Exit 0: every order asked for was reviewed; 1: stopped early or some were skipped."""
    import signal

    from app.review.model import ReviewSettings
    from app.review.service import ALL_RECEIVED, review_orders
    from app.views.orders import find_order_id

    stop = {"asked": False}

    def ask_to_stop(_signum, _frame) -> None:
        # Ctrl-C stops after the batch being written: every batch is one transaction.
        stop["asked"] = True

    actor = _actor()  # before Ctrl-C is taken over: a password prompt can still be left
    database = _open(args)
    previous = signal.signal(signal.SIGINT, ask_to_stop)
    try:
        targets = ALL_RECEIVED
        if args.verbs:
            return _print_verbs(database, args)
        if not args.all:
            with database.unit_of_work() as uow:
                targets = [find_order_id(uow.session, actor, text) for text in args.orders]
        summary = review_orders(
            database,
            actor,
            targets,
            settings=ReviewSettings(everything_to_person=args.to_person),
            cancel=lambda: stop["asked"],
        )
        allocated = None
        if getattr(args, "allocate", False) and not summary.stopped:
            from app.picking.service import allocate  # the approved orders' shipments

            allocated = allocate(database, _actor())
    finally:
        signal.signal(signal.SIGINT, previous)
        database.dispose()
    result = {"reviewed": summary.reviewed, "approved": summary.approved}
    result.update({queue: getattr(summary, queue) for queue in REVIEW_COUNTS})
    result.update({"to_review": summary.to_review, "skipped": summary.skipped})
    if args.json:
        emit_json(result)
    else:
        print(_review_line(summary, result, args.to_person))
        if summary.skipped:
            print(
                ngettext(
                    "{count} order not reviewed (not waiting for review, or in use at a desk).",
                    "{count} orders not reviewed (not waiting for review, or in use at a desk).",
                    summary.skipped,
                ).format(count=summary.skipped)
            )
        if summary.stopped:
            print(_("Stopped on request; run the same review again to finish it."))
    if allocated is not None:
        if args.json:
            emit_json({"allocation": allocated.as_json()})
        else:
            print(
                _(
                    "Allocated {allocated} into {shipments} shipment(s) ({split} split); "
                    "{short} back to stock short."
                ).format(
                    allocated=allocated.allocated,
                    shipments=allocated.shipments,
                    split=allocated.split,
                    short=allocated.stock_short,
                )
            )
    return EXIT_PROBLEMS if summary.stopped or summary.skipped else EXIT_OK


def _review_line(summary, result: dict[str, int], to_person: bool) -> str:
    from babel.lists import format_list

    from app.intake.cli import _QUEUE_COUNTS as QUEUE_COUNTS

    queues = format_list(
        [_(QUEUE_COUNTS[queue]).format(count=result[queue]) for queue in REVIEW_COUNTS],
        locale=current_language(),
    )
    approved = ngettext(
        "Reviewed {count} order: {approved} approved",
        "Reviewed {count} orders: {approved} approved",
        summary.reviewed,
    ).format(count=summary.reviewed, approved=summary.approved)
    if to_person:
        approved += _(", {count} left for a person").format(count=summary.to_review)
    return _("{reviewed}; {queues}.").format(reviewed=approved, queues=queues)


def _print_verbs(database, args: argparse.Namespace) -> int:
    """What the review desk offers for each order: the same declaration the screen reads."""
    from app.views.orders import find_order_id
    from app.views.review import review_detail

    with database.unit_of_work() as uow:
        for text in args.orders:
            order_id = find_order_id(uow.session, _actor(), text)
            detail = review_detail(uow.session, _actor(), order_id)
            if args.json:
                emit_json(
                    {
                        "order": detail.order.number,
                        "status": detail.order.status,
                        "verbs": [
                            {"verb": v.key, "enabled": v.enabled, "why_not": v.why_not}
                            for v in detail.verbs
                        ],
                    }
                )
                continue
            print(f"{detail.order.number}  {detail.order.status}")
            for verb in detail.verbs:
                state = "yes" if verb.enabled else f"no: {verb.why_not}"
                print(f"  {verb.key:<20} {verb.shortcut:<18} {state}")
    return EXIT_OK


# --------------------------------------------------------------------------- demo, gui, bench


def cmd_demo(args: argparse.Namespace) -> int:
    from sqlalchemy import exc as sa_exc

    from app.database import administration_lock
    from app.demo import DemoAlreadyPresent
    from app.demo_desk_work import generate_demo_with_desk_work
    from app.errors import OwnerOnly

    if args.orders < 0:
        raise InvalidInput("--orders", args.orders, N_("a whole number of 0 or more"))
    database = _open(args)
    try:
        # One demo load at a time: a second `demo --if-empty` waits, then finds the data.
        # The data, then the desks' own services over a small part of it (imports, review,
        # desk actions), in one transaction: Ctrl-C or a kill keeps nothing.
        with administration_lock(database):
            result, desk_work = generate_demo_with_desk_work(
                database, orders=args.orders, seed=args.seed
            )
    except sa_exc.ProgrammingError as exc:
        # PostgreSQL's "permission denied" / "must be owner": a desk role may not move id
        # sequences or load data in bulk. Nothing was kept (the demo is one transaction).
        if getattr(exc.orig, "sqlstate", None) in ("42501",):
            raise OwnerOnly(database.description, S("loading the demo data")) from exc
        raise
    except DemoAlreadyPresent as exc:
        if args.if_empty:
            print(
                _("{database} already holds data; demo data not added.").format(
                    database=database.description
                )
            )
            return EXIT_OK
        raise exc
    finally:
        database.dispose()
    if args.json:
        emit_json({**dataclasses.asdict(result), "desk_work": desk_work})
        return EXIT_OK
    print(
        _(
            "Demo data in {database}: {orders} orders, {customers} customers, "
            "{products} products, {warehouses} warehouses."
        ).format(
            database=database.description,
            orders=result.orders,
            customers=result.customers,
            products=result.products,
            warehouses=result.warehouses,
        )
    )
    print(desk_work.as_text())
    print(_("Demo users (passwords are shown only now; reset with `orderdesk user passwd NAME`):"))
    for user in result.users:
        print(f"  {user.username:<12} {user.password:<20} {user.role}")
    return EXIT_OK


def _has_screen() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _this_command() -> str:
    """How this very command was started, so the advice works when pasted as written."""
    started = sys.argv[0] if sys.argv else ""
    if os.path.basename(started) == "orderdesk" and os.path.exists(started):
        command = os.path.relpath(started)
        return command if os.sep in command else f".{os.sep}{command}"
    return f"{os.path.relpath(sys.executable)} -m app"


def no_screen_message() -> str:
    command = _this_command()
    return _(
        "orderdesk: no screen here (DISPLAY is not set); open the window under Xvfb with "
        "`{xvfb}` or without one with `{offscreen}`."
    ).format(
        xvfb=f"xvfb-run -a {command} gui", offscreen=f"QT_QPA_PLATFORM=offscreen {command} gui"
    )


def cmd_gui(args: argparse.Namespace) -> int:
    if not _has_screen():
        # `make run` on a server: the set-up is done, which is not a failure.
        print(no_screen_message(), file=sys.stderr)
        return EXIT_OK if getattr(args, "if_screen", False) else EXIT_FAILED
    # The composition root: only here does the business layer hand over to the screens.
    gui = importlib.import_module("ui.main")
    return gui.run(resolve_database_url(args.db))


def cmd_bench(args: argparse.Namespace) -> int:
    from app.bench import run_bench

    if args.n < 1:
        raise InvalidInput("--n", args.n, N_("a whole number of at least 1"))
    for result in run_bench(args.name, args.n, args.db):
        if args.json:
            emit_json(result.as_json())
        else:
            print(result.as_text())
    return EXIT_OK


# --------------------------------------------------------------------------- parser


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
        help="act as this staff user (default: the one `orderdesk login` saved, else your "
        "login name; asks for the password at a terminal)",
    )
    if json_flag:
        parser.add_argument("--json", action="store_true", help=_("one JSON object per line"))


def build_parser() -> argparse.ArgumentParser:
    from app.bench import BENCHES

    parser = argparse.ArgumentParser(
        prog="orderdesk",
        description=_(
            "Warehouse and customer-service desk. With no command, opens the desk window."
        ),
    )
    parser.add_argument("--version", action="version", version=f"orderdesk {__version__}")
    _add_common(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = commands.add_parser("db", help=_("schema versions of the database")).add_subparsers(
        dest="db_command", metavar="ACTION", required=True
    )
    upgrade = db.add_parser(
        "upgrade", help=_("bring the database to this program's schema (administrators)")
    )
    _add_common(upgrade, json_flag=True)
    upgrade.set_defaults(func=cmd_db_upgrade)
    current = db.add_parser(
        "current", help=_("show the database's and this program's schema versions")
    )
    _add_common(current, json_flag=True)
    current.set_defaults(func=cmd_db_current)
    desk_role = db.add_parser(
        "create-desk-role",
        help="PostgreSQL: make or refresh the role desks connect as (run with the owner's URL)",
    )
    desk_role.add_argument("name", help="the desk role's name, e.g. orderdesk_desk")
    desk_role.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    _add_common(desk_role, json_flag=True)
    desk_role.set_defaults(func=cmd_db_create_desk_role)

    login = commands.add_parser(
        "login", help="prove who you are once; later commands here act as you (a token)"
    )
    login.add_argument(
        "--expires", default="12h", metavar="TIME", help="how long: 30m, 12h, 7d … (default 12h)"
    )
    login.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    _add_common(login, json_flag=True)
    login.set_defaults(func=cmd_login)
    logout = commands.add_parser("logout", help="revoke and remove this database's login token")
    logout.add_argument(
        "--everywhere", action="store_true", help="revoke every token of the same user"
    )
    _add_common(logout, json_flag=True)
    logout.set_defaults(func=cmd_logout)

    audit = commands.add_parser("audit", help="the audit trail").add_subparsers(
        dest="audit_command", metavar="ACTION", required=True
    )
    verify = audit.add_parser(
        "verify", help="check the audit trail's hash chain; prints its head (exit 1 if broken)"
    )
    _add_common(verify, json_flag=True)
    verify.set_defaults(func=cmd_audit_verify)

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
    _add_common(add, json_flag=True)
    add.set_defaults(func=cmd_user_add)
    listing = user.add_parser("list", help=_("list users and their roles"))
    _add_common(listing, json_flag=True)
    listing.set_defaults(func=cmd_user_list)
    passwd = user.add_parser("passwd", help=_("set a user's password (asks for it)"))
    passwd.add_argument("username")
    passwd.add_argument(
        "--password-stdin", action="store_true", help=_("read the password from standard input")
    )
    _add_common(passwd)
    passwd.set_defaults(func=cmd_user_passwd)
    for action, active in (("disable", False), ("enable", True)):
        toggle = user.add_parser(
            action,
            help=_("disable a user's account")
            if action == "disable"
            else _("enable a user's account"),
        )
        toggle.add_argument("username")
        _add_common(toggle)
        toggle.set_defaults(func=_cmd_user_set_active(active))

    orders = commands.add_parser("orders", help=_("find and show orders")).add_subparsers(
        dest="orders_command", metavar="ACTION", required=True
    )
    olist = orders.add_parser("list", help=_("newest orders first, optionally filtered"))
    olist.add_argument("--status", help=_("only orders in this status"))
    olist.add_argument(
        "--channel", help=_("only orders from this channel (amazon, shop, partner:NAME)")
    )
    olist.add_argument(
        "--search",
        metavar="TEXT",
        help=_("order number, channel order id, customer name, phone or e-mail"),
    )
    olist.add_argument(
        "--since", metavar="YYYY-MM-DD", help=_("received on or after this day (UTC)")
    )
    olist.add_argument(
        "--until", metavar="YYYY-MM-DD", help=_("received on or before this day (UTC)")
    )
    olist.add_argument("--limit", type=int, default=50, help=_("at most this many (default 50)"))
    _add_common(olist, json_flag=True)
    olist.set_defaults(func=cmd_orders_list)
    show = orders.add_parser(
        "show", help=_("one order with its lines, payments, shipments and audit trail")
    )
    show.add_argument("number", help=_("SO-000123 or the channel's order id"))
    _add_common(show, json_flag=True)
    show.set_defaults(func=cmd_orders_show)

    review = commands.add_parser(
        "review", help=_("check received orders: approve them or send each to its queue")
    )
    which = review.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help=_("every order waiting for review"))
    which.add_argument(
        "orders",
        nargs="*",
        default=[],
        metavar="ORDER",
        help=_("SO-000123 or the channel's order id; an order in a queue is reviewed again"),
    )
    review.add_argument(
        "--verbs",
        action="store_true",
        help="do not review: list what the review desk may do with each ORDER now, and why not",
    )
    review.add_argument(
        "--to-person",
        action="store_true",
        help=_("do not approve automatically: orders without problems wait for a person"),
    )
    review.add_argument(
        "--allocate", action="store_true", help=_("then allocate the approved orders (shipments)")
    )
    _add_common(review, json_flag=True)
    review.set_defaults(func=cmd_review)

    demo = commands.add_parser("demo", help=_("fill the database with a realistic demo data set"))
    demo.add_argument("--orders", type=int, default=5000, help=_("how many orders (default 5000)"))
    demo.add_argument("--seed", type=int, default=1, help=_("random seed: same seed, same data"))
    demo.add_argument(
        "--if-empty", action="store_true", help=_("do nothing when the database already has data")
    )
    _add_common(demo, json_flag=True)
    demo.set_defaults(func=cmd_demo)

    gui = commands.add_parser("gui", help=_("open the desk window (the default)"))
    gui.add_argument(
        "--if-screen",
        action="store_true",
        help=_("where there is no screen, say how to open the window and exit 0"),
    )
    _add_common(gui)
    gui.set_defaults(func=cmd_gui)

    from app.stock.cli import add_stock_commands  # issue 11: stock (stock check joins here)

    stock = commands.add_parser("stock", help=_("receive, move, count; incoming; low stock"))
    stock_actions = stock.add_subparsers(dest="stock_command", metavar="ACTION", required=True)
    add_stock_commands(stock_actions)

    bench = commands.add_parser("bench", help=_("measure a performance target"))
    bench.add_argument("name", choices=sorted(BENCHES), help=_("what to measure"))
    bench.add_argument("--n", type=int, required=True, help=_("size of the data"))
    _add_common(bench, json_flag=True)
    bench.set_defaults(func=cmd_bench)

    from app.picking.cli import register as register_picking  # allocate, stock, picking

    register_picking(commands, _add_common, stock_actions)
    from app.intake.cli import register as register_intake  # import, pricelist

    register_intake(commands, _add_common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Human-readable output in the language the environment asks for, as command-line
    # programs do (LANGUAGE, LC_ALL, LC_MESSAGES, LANG); --json output carries codes.
    set_language(system_language())
    # The terminal shows warnings only, whatever level a log file is later given (the
    # desk logs INFO to its file): no Alembic INFO lines on every start.
    for handler in logging.getLogger().handlers:
        if type(handler) is logging.StreamHandler:  # basicConfig's, not a test's or a file's
            handler.setLevel(logging.WARNING)
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", cmd_gui)
    invocation = _INVOCATION.set(args)
    try:
        return func(args)
    except OrderdeskError as error:
        print(f"orderdesk: {error.message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(_("orderdesk: interrupted; nothing half-done was kept."), file=sys.stderr)
        return EXIT_FAILED
    finally:
        _INVOCATION.reset(invocation)
