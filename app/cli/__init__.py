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
from app.i18n import _, set_language, system_language

log = logging.getLogger("orderdesk.cli")


# --------------------------------------------------------------------------- orders


# --------------------------------------------------------------------------- import


# --------------------------------------------------------------------------- review


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
    from app.returns.cli import register as register_returns  # returns book, receive, inspect

    register_returns(commands, _add_common)
    from app.changes.cli import register as register_changes  # cancel, cancellations

    register_changes(commands, _add_common)
    from app.privacy.cli import register as register_privacy  # purge

    register_privacy(commands, _add_common)
    from app.outbox.cli import register as register_outbox  # outbox send

    register_outbox(commands, _add_common)
    from app.shipping.cli import register as register_shipping  # shipments, label, export

    register_shipping(commands, _add_common)
    from app.intake.cli import register as register_intake  # import, pricelist

    register_intake(commands, _add_common)
    from app.orders.cli import register as register_orders  # orders list, orders show

    register_orders(commands, _add_common)
    from app.review.cli import register as register_review  # review

    register_review(commands, _add_common)
    from app.review.blocklist_cli import register as register_blocklist  # blocklist

    register_blocklist(commands, _add_common)
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
