"""The ``orderdesk`` command: the same services the screens use, from a terminal.

Every command that reports something has ``--json`` (one JSON object per line). Expected
failures print one line naming what went wrong and exit non-zero; they never print a
traceback. Exit codes: 0 done, 1 done with rejections/problems, 2 could not do it.

What every command shares is in ``app.cli.common``; each group of commands lives in its
own module (here, or in its capability's ``cli.py``) and joins the parser with ``register``.
"""

from __future__ import annotations

import argparse
import getpass  # noqa: F401  (tests reach the prompt through ``cli.getpass``)
import logging
import sys
from collections.abc import Sequence

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
from app.errors import OrderdeskError
from app.i18n import Sentence as S  # noqa: F401
from app.i18n import _, say, set_language, system_language

log = logging.getLogger("orderdesk.cli")


# --------------------------------------------------------------------------- orders


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
    from app.orders.cli import register as register_orders  # orders list, orders show

    register_orders(commands, _add_common)
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
