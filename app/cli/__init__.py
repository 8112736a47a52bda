"""The ``orderdesk`` command: the same services the screens use, from a terminal.

Every command that reports something has ``--json`` (one JSON object per line). Expected
failures print one line naming what went wrong and exit non-zero; they never print a
traceback. Exit codes: 0 done, 1 done with rejections/problems, 2 could not do it.

What every command shares is in ``app.cli.common``; each group of commands lives in its
own module (here, or in its capability's ``cli.py``) and joins the parser with ``register``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import getpass  # noqa: F401  (tests reach the prompt through ``cli.getpass``)
import logging
import sys
from collections.abc import Sequence
from typing import Any

from app import __version__
from app.cli import admin, bench, common, demo, gui
from app.cli.argparse_text import speak_argparse_in_current_language
from app.cli.common import (  # noqa: F401  (re-exported: capability CLIs use ``cli._open`` …)
    EXIT_FAILED,
    EXIT_OK,
    EXIT_PROBLEMS,
    TOKEN_ENV,
    _actor,
    _add_common,
    _open,
    emit_json,
)
from app.errors import InvalidInput, OrderdeskError
from app.i18n import N_, _, say, set_language, system_language
from app.i18n import Sentence as S  # noqa: F401

log = logging.getLogger("orderdesk.cli")


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


# --------------------------------------------------------------------------- import


def cmd_import(args: argparse.Namespace) -> int:
    """Exit 0: all imported or already present; 1: rejections or conflicts; 2: unreadable."""
    import signal

    from app.intake import import_file

    stop = {"asked": False}

    def ask_to_stop(_signum, _frame) -> None:
        # Ctrl-C stops after the batch being written: committed orders are whole orders.
        stop["asked"] = True

    actor = _actor()  # before Ctrl-C is taken over: a password prompt can still be left
    previous = signal.signal(signal.SIGINT, ask_to_stop)
    database = _open(args)
    try:
        summary = import_file(
            database,
            actor,
            args.file,
            format=args.format,
            channel=args.channel,
            cancel=lambda: stop["asked"],
            encoding=args.encoding,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
        database.dispose()
    if args.json:
        emit_json(summary.as_json())
    else:
        print(_import_line(args.file, summary))
        shown = summary.rejected_rows[:50]
        for row in shown:
            where = _("row {row}").format(row=row.row)
            print(f"  {where:<11} {row.order_id or '-':<22} {say(row.reason)}")
        if summary.rejected_row_count > len(shown):
            more = summary.rejected_row_count - len(shown)
            print("  " + _("… and {count} more (see --json).").format(count=more))
        if summary.cancelled:
            print(_("Stopped on request; run the same import again to finish it."))
    if summary.cancelled or summary.rejected_row_count or summary.conflicts:
        return EXIT_PROBLEMS
    return EXIT_OK


# --------------------------------------------------------------------------- review


def _import_line(file: str, summary) -> str:
    return _(
        "{file}: {new} new orders, {present} already present, {conflicts} changed since "
        "imported (left for review), {other} not for our warehouse (Amazon-fulfilled or "
        "cancelled), {rejected} orders rejected ({rows} rows)."
    ).format(
        file=file,
        new=summary.new_orders,
        present=summary.already_present,
        conflicts=summary.conflicts,
        other=summary.not_for_warehouse,
        rejected=summary.rejected_orders,
        rows=summary.rejected_row_count,
    )


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    speak_argparse_in_current_language()
    parser = argparse.ArgumentParser(
        prog="orderdesk",
        description=_(
            "Warehouse and customer-service desk. With no command, opens the desk window."
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"orderdesk {__version__}",
        help=_("show the program's version and exit"),
    )
    _add_common(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    admin.register(commands, _add_common)  # db, login, logout, audit, user

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

    demo.register(commands, _add_common)
    gui.register(commands, _add_common)
    importing = commands.add_parser(
        "import", help=_("import orders from an Amazon report, SP-API JSON or partner CSV")
    )
    importing.add_argument("file", help=_("the file (or, for SP-API JSON, a folder of responses)"))
    importing.add_argument(
        "--format",
        choices=["amazon-report", "amazon-json", "csv"],
        help=_("skip detection: amazon-report, amazon-json or csv (partner template)"),
    )
    importing.add_argument(
        "--channel", help=_("channel name (Amazon: default amazon; partner CSV: the partner)")
    )
    importing.add_argument(
        "--encoding",
        help="the file's code page when it is not UTF-8 (default: cp1252, cp932 for Japan)",
    )
    _add_common(importing, json_flag=True)
    importing.set_defaults(func=cmd_import)

    from app.stock.cli import add_stock_commands  # issue 11: stock (stock check joins here)

    stock = commands.add_parser("stock", help=_("receive, move, count; incoming; low stock"))
    stock_actions = stock.add_subparsers(dest="stock_command", metavar="ACTION", required=True)
    add_stock_commands(stock_actions)
    bench.register(commands, _add_common)

    from app.picking.cli import register as register_picking  # allocate, stock, picking

    register_picking(commands, _add_common, stock_actions)
    from app.tracking.cli import register as register_tracking  # tracking import

    register_tracking(commands, _add_common)
    from app.cases.cli import register as register_cases  # cases list, take-mail

    register_cases(commands, _add_common)
    from app.refunds.cli import register as register_refunds  # refunds

    register_refunds(commands, _add_common)
    from app.changes.cli import register as register_changes  # cancel, cancellations

    register_changes(commands, _add_common)
    from app.privacy.cli import register as register_privacy  # purge

    register_privacy(commands, _add_common)
    from app.outbox.cli import register as register_outbox  # outbox send

    register_outbox(commands, _add_common)
    from app.shipping.cli import register as register_shipping  # shipments, label, export

    register_shipping(commands, _add_common)
    from app.review.cli import register as register_review  # review

    register_review(commands, _add_common)
    from app.packing.cli import register as register_packing  # the packing station

    register_packing(commands, _add_common)
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
    func = getattr(args, "func", None) or gui.cmd_gui
    invocation = common._INVOCATION.set(args)
    try:
        return func(args)
    except OrderdeskError as error:
        print(f"orderdesk: {error.message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(_("orderdesk: interrupted; nothing half-done was kept."), file=sys.stderr)
        return EXIT_FAILED
    finally:
        common._INVOCATION.reset(invocation)
