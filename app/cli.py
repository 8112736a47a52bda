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
from typing import Any

from app import __version__
from app.config import resolve_database_url
from app.errors import InvalidInput, OrderdeskError
from app.permissions import Actor, Role, command_line_actor

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


def _actor() -> Actor:
    return command_line_actor(getpass.getuser())


def _open(args: argparse.Namespace, *, check_schema: bool = True):
    from app.database import open_database

    return open_database(resolve_database_url(args.db), check_schema=check_schema)


def _read_password(args: argparse.Namespace, prompt: str) -> str:
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise InvalidInput("password", "(none)", "--password-stdin when input is not a terminal")
    first = getpass.getpass(prompt)
    if getpass.getpass("Again: ") != first:
        raise InvalidInput("password", "(hidden)", "the same password typed twice")
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
        print(f"{database.description} is already at schema version {after}.")
    else:
        print(f"{database.description} upgraded from {before or 'empty'} to {after}.")
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
        state = "up to date" if current == head else f"this program needs {head}"
        print(f"{database.description}: schema {current or 'empty'} ({state})")
    return EXIT_OK


# --------------------------------------------------------------------------- users


def cmd_user_add(args: argparse.Namespace) -> int:
    from app.auth import add_user

    roles = [role.strip() for role in args.roles.split(",") if role.strip()]
    password = _read_password(args, f"Password for {args.username}: ")
    database = _open(args)
    try:
        summary = add_user(
            database.unit_of_work(), _actor(), args.username, password, roles, args.name
        )
    finally:
        database.dispose()
    if args.json:
        emit_json(summary)
    else:
        print(f"Added {summary.username} ({', '.join(summary.roles)}).")
    return EXIT_OK


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
            state = "" if user.active else "  (disabled)"
            print(f"{user.username:<20} {','.join(user.roles):<30} {user.full_name}{state}")
    return EXIT_OK


def cmd_user_passwd(args: argparse.Namespace) -> int:
    from app.auth import set_password

    password = _read_password(args, f"New password for {args.username}: ")
    database = _open(args)
    try:
        set_password(database.unit_of_work(), _actor(), args.username, password)
    finally:
        database.dispose()
    print(f"Password of {args.username} changed.")
    return EXIT_OK


def _cmd_user_set_active(active: bool) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        from app.auth import set_active

        database = _open(args)
        try:
            set_active(database.unit_of_work(), _actor(), args.username, active)
        finally:
            database.dispose()
        print(f"{args.username} {'enabled' if active else 'disabled'}.")
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
        raise InvalidInput(field, text, "a date as YYYY-MM-DD") from exc
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
        raise InvalidInput("--limit", args.limit, "a whole number of at least 1")
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
    from app.money import format_money
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
    money = lambda cents: format_money(cents, detail.currency)  # noqa: E731
    print(f"{detail.number}  {detail.status}  {detail.channel} {detail.channel_order_id}")
    print(f"Customer: {detail.customer_name} <{detail.customer_email}> {detail.customer_phone}")
    print("Ship to:  " + " / ".join(detail.ship_to))
    for line in detail.lines:
        price = money(line.unit_price_cents)
        what = f"{line.sku:<16} {line.quantity:>4} × {price:>12}"
        print(f"  {line.line_no:>2}. {what}  {line.product_name}")
    print(f"Total: {money(detail.total_cents)}")
    for payment in detail.payments:
        paid = format_money(payment.amount_cents, payment.currency)
        print(f"Payment: {payment.method} {payment.status} {paid} {payment.card}")
    for shipment in detail.shipments:
        where = f"{shipment.warehouse} {shipment.carrier} {shipment.tracking_number}"
        print(f"Shipment: {shipment.number} {shipment.status} {where}")
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


# --------------------------------------------------------------------------- import


def cmd_import(args: argparse.Namespace) -> int:
    """Exit 0: all imported or already present; 1: rejections or conflicts; 2: unreadable."""
    import signal

    from app.intake import import_file

    stop = {"asked": False}

    def ask_to_stop(_signum, _frame) -> None:
        # Ctrl-C stops after the batch being written: committed orders are whole orders.
        stop["asked"] = True

    previous = signal.signal(signal.SIGINT, ask_to_stop)
    database = _open(args)
    try:
        summary = import_file(
            database,
            _actor(),
            args.file,
            format=args.format,
            channel=args.channel,
            cancel=lambda: stop["asked"],
        )
    finally:
        signal.signal(signal.SIGINT, previous)
        database.dispose()
    if args.json:
        emit_json(summary.as_json())
    else:
        print(
            f"{args.file}: {summary.new_orders} new orders, {summary.already_present} already "
            f"present, {summary.conflicts} changed since imported (left for review), "
            f"{summary.not_for_warehouse} not for our warehouse (Amazon-fulfilled or "
            f"cancelled), {summary.rejected_orders} orders rejected "
            f"({summary.rejected_row_count} rows)."
        )
        shown = summary.rejected_rows[:50]
        for row in shown:
            print(f"  row {row.row:<7} {row.order_id or '-':<22} {row.reason}")
        if summary.rejected_row_count > len(shown):
            print(f"  … and {summary.rejected_row_count - len(shown)} more (see --json).")
        if summary.cancelled:
            print("Stopped on request; run the same import again to finish it.")
    if summary.cancelled or summary.rejected_row_count or summary.conflicts:
        return EXIT_PROBLEMS
    return EXIT_OK


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

    database = _open(args)
    previous = signal.signal(signal.SIGINT, ask_to_stop)
    try:
        targets = ALL_RECEIVED
        if args.verbs:
            return _print_verbs(database, args)
        if not args.all:
            with database.unit_of_work() as uow:
                targets = [find_order_id(uow.session, _actor(), text) for text in args.orders]
        summary = review_orders(
            database,
            _actor(),
            targets,
            settings=ReviewSettings(everything_to_person=args.to_person),
            cancel=lambda: stop["asked"],
        )
    finally:
        signal.signal(signal.SIGINT, previous)
        database.dispose()
    result = {"reviewed": summary.reviewed, "approved": summary.approved}
    result.update({queue: getattr(summary, queue) for queue in REVIEW_COUNTS})
    result.update({"to_review": summary.to_review, "skipped": summary.skipped})
    if args.json:
        emit_json(result)
    else:
        queues = ", ".join(f"{result[q]} {q.replace('_', ' ')}" for q in REVIEW_COUNTS)
        left = f", {summary.to_review} left for a person" if args.to_person else ""
        print(f"Reviewed {summary.reviewed}: {summary.approved} approved{left}; {queues}.")
        if summary.skipped:
            print(f"{summary.skipped} not reviewed (not waiting for review, or in use at a desk).")
        if summary.stopped:
            print("Stopped on request; run the same review again to finish it.")
    return EXIT_PROBLEMS if summary.stopped or summary.skipped else EXIT_OK


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
    from app.demo import DemoAlreadyPresent, generate_demo
    from app.demo_desk_work import stage_desk_work

    if args.orders < 0:
        raise InvalidInput("--orders", args.orders, "a whole number of 0 or more")
    database = _open(args)
    try:
        try:
            result = generate_demo(database, orders=args.orders, seed=args.seed)
        except DemoAlreadyPresent as exc:
            if args.if_empty:
                print(f"{database.description} already holds data; demo data not added.")
                return EXIT_OK
            raise exc
        # The desks' own services over a small part of it: imports, review, desk actions.
        desk_work = stage_desk_work(database, result, seed=args.seed)
    finally:
        database.dispose()
    if args.json:
        emit_json({**dataclasses.asdict(result), "desk_work": desk_work})
        return EXIT_OK
    print(
        f"Demo data in {database.description}: {result.orders} orders, "
        f"{result.customers} customers, {result.products} products, "
        f"{result.warehouses} warehouses."
    )
    print(desk_work.as_text())
    print("Demo users (passwords are shown only now; reset with `orderdesk user passwd NAME`):")
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
    return (
        "orderdesk: no screen here (DISPLAY is not set); open the window under Xvfb with "
        f"`xvfb-run -a {command} gui` or without one with "
        f"`QT_QPA_PLATFORM=offscreen {command} gui`."
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
        raise InvalidInput("--n", args.n, "a whole number of at least 1")
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
        help="database URL (default: $ORDERDESK_DATABASE_URL or the local SQLite file)",
    )
    if json_flag:
        parser.add_argument("--json", action="store_true", help="one JSON object per line")


def build_parser() -> argparse.ArgumentParser:
    from app.bench import BENCHES

    parser = argparse.ArgumentParser(
        prog="orderdesk",
        description="Warehouse and customer-service desk. With no command, opens the desk window.",
    )
    parser.add_argument("--version", action="version", version=f"orderdesk {__version__}")
    _add_common(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = commands.add_parser("db", help="schema versions of the database").add_subparsers(
        dest="db_command", metavar="ACTION", required=True
    )
    upgrade = db.add_parser(
        "upgrade", help="bring the database to this program's schema (administrators)"
    )
    _add_common(upgrade, json_flag=True)
    upgrade.set_defaults(func=cmd_db_upgrade)
    current = db.add_parser(
        "current", help="show the database's and this program's schema versions"
    )
    _add_common(current, json_flag=True)
    current.set_defaults(func=cmd_db_current)

    user = commands.add_parser("user", help="staff accounts").add_subparsers(
        dest="user_command", metavar="ACTION", required=True
    )
    roles_help = "comma-separated roles: " + ", ".join(role.value for role in Role)
    add = user.add_parser("add", help="add a user (asks for the password)")
    add.add_argument("username")
    add.add_argument("--roles", required=True, help=roles_help)
    add.add_argument("--name", default="", help="full name shown on screens")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    _add_common(add, json_flag=True)
    add.set_defaults(func=cmd_user_add)
    listing = user.add_parser("list", help="list users and their roles")
    _add_common(listing, json_flag=True)
    listing.set_defaults(func=cmd_user_list)
    passwd = user.add_parser("passwd", help="set a user's password (asks for it)")
    passwd.add_argument("username")
    passwd.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    _add_common(passwd)
    passwd.set_defaults(func=cmd_user_passwd)
    for action, active in (("disable", False), ("enable", True)):
        toggle = user.add_parser(action, help=f"{action} a user's account")
        toggle.add_argument("username")
        _add_common(toggle)
        toggle.set_defaults(func=_cmd_user_set_active(active))

    orders = commands.add_parser("orders", help="find and show orders").add_subparsers(
        dest="orders_command", metavar="ACTION", required=True
    )
    olist = orders.add_parser("list", help="newest orders first, optionally filtered")
    olist.add_argument("--status", help="only orders in this status")
    olist.add_argument(
        "--channel", help="only orders from this channel (amazon, shop, partner:NAME)"
    )
    olist.add_argument(
        "--search",
        metavar="TEXT",
        help="order number, channel order id, customer name, phone or e-mail",
    )
    olist.add_argument("--since", metavar="YYYY-MM-DD", help="received on or after this day (UTC)")
    olist.add_argument("--until", metavar="YYYY-MM-DD", help="received on or before this day (UTC)")
    olist.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    _add_common(olist, json_flag=True)
    olist.set_defaults(func=cmd_orders_list)
    show = orders.add_parser(
        "show", help="one order with its lines, payments, shipments and audit trail"
    )
    show.add_argument("number", help="SO-000123 or the channel's order id")
    _add_common(show, json_flag=True)
    show.set_defaults(func=cmd_orders_show)

    review = commands.add_parser(
        "review", help="check received orders: approve them or send each to its queue"
    )
    which = review.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every order waiting for review")
    which.add_argument(
        "orders",
        nargs="*",
        default=[],
        metavar="ORDER",
        help="SO-000123 or the channel's order id; an order in a queue is reviewed again",
    )
    review.add_argument(
        "--verbs",
        action="store_true",
        help="do not review: list what the review desk may do with each ORDER now, and why not",
    )
    review.add_argument(
        "--to-person",
        action="store_true",
        help="do not approve automatically: orders without problems wait for a person",
    )
    _add_common(review, json_flag=True)
    review.set_defaults(func=cmd_review)

    demo = commands.add_parser("demo", help="fill the database with a realistic demo data set")
    demo.add_argument("--orders", type=int, default=5000, help="how many orders (default 5000)")
    demo.add_argument("--seed", type=int, default=1, help="random seed: same seed, same data")
    demo.add_argument(
        "--if-empty", action="store_true", help="do nothing when the database already has data"
    )
    _add_common(demo, json_flag=True)
    demo.set_defaults(func=cmd_demo)

    gui = commands.add_parser("gui", help="open the desk window (the default)")
    gui.add_argument(
        "--if-screen",
        action="store_true",
        help="where there is no screen, say how to open the window and exit 0",
    )
    _add_common(gui)
    gui.set_defaults(func=cmd_gui)

    importing = commands.add_parser(
        "import", help="import orders from an Amazon report, SP-API JSON or partner CSV"
    )
    importing.add_argument("file", help="the file (or, for SP-API JSON, a folder of responses)")
    importing.add_argument(
        "--format",
        choices=["amazon-report", "amazon-json", "csv"],
        help="skip detection: amazon-report, amazon-json or csv (partner template)",
    )
    importing.add_argument(
        "--channel", help="channel name (Amazon: default amazon; partner CSV: the partner)"
    )
    _add_common(importing, json_flag=True)
    importing.set_defaults(func=cmd_import)

    bench = commands.add_parser("bench", help="measure a performance target")
    bench.add_argument("name", choices=sorted(BENCHES), help="what to measure")
    bench.add_argument("--n", type=int, required=True, help="size of the data")
    _add_common(bench, json_flag=True)
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # The terminal shows warnings only, whatever level a log file is later given (the
    # desk logs INFO to its file): no Alembic INFO lines on every start.
    for handler in logging.getLogger().handlers:
        if type(handler) is logging.StreamHandler:  # basicConfig's, not a test's or a file's
            handler.setLevel(logging.WARNING)
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", cmd_gui)
    try:
        return func(args)
    except OrderdeskError as error:
        print(f"orderdesk: {error.message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("orderdesk: interrupted; nothing half-done was kept.", file=sys.stderr)
        return EXIT_FAILED
