"""Command-line verbs of order changes: ``cancel ORDER`` and ``cancellations export``."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.changes.reasons import AMAZON_CANCEL_REASONS
from app.i18n import _, ngettext

EXIT_OK = 0


def _order_id(text: str) -> int:
    from app.numbers import parse_number

    parsed = parse_number(text) or (("order", int(text)) if text.isdigit() else None)
    if parsed is None or parsed[0] != "order":
        raise argparse.ArgumentTypeError(_("expected an order number such as SO-000123"))
    return parsed[1]


def cmd_cancel(args: argparse.Namespace) -> int:
    from app import cli
    from app.changes.service import cancel_order
    from app.numbers import entity_number

    database = cli._open(args)
    try:
        result = cancel_order(database, cli._actor(), args.order, args.reason, note=args.note or "")
    finally:
        database.dispose()
    if args.json:
        cli.emit_json({"order": entity_number("order", args.order), **result.__dict__})
        return EXIT_OK
    print(_("{order} cancelled.").format(order=entity_number("order", args.order)))
    if result.units_to_put_back:
        print(
            ngettext(
                "{n} unit was picked already: put it back.",
                "{n} units were picked already: put them back.",
                result.units_to_put_back,
            ).format(n=result.units_to_put_back)
        )
    if result.reported_to_channel:
        print(_("The marketplace is told in the next cancellation file."))
    return EXIT_OK


def cmd_cancellations_export(args: argparse.Namespace) -> int:
    from app import cli
    from app.changes.service import amazon_cancellation_file

    database = cli._open(args)
    try:
        data, count = amazon_cancellation_file(database, cli._actor())
    finally:
        database.dispose()
    Path(args.output).write_bytes(data)
    if args.json:
        cli.emit_json({"file": args.output, "cancellations": count})
    else:
        print(
            ngettext(
                "{n} cancellation written to {file}.", "{n} cancellations written to {file}.", count
            ).format(n=count, file=args.output)
        )
    return EXIT_OK


def register(commands, add_common) -> None:
    cancel = commands.add_parser("cancel", help=_("cancel an order before it ships"))
    cancel.add_argument("order", type=_order_id, help=_("the order number"))
    cancel.add_argument("--reason", required=True, choices=sorted(AMAZON_CANCEL_REASONS))
    cancel.add_argument("--note", help=_("what the customer said, or why"))
    add_common(cancel, json_flag=True)
    cancel.set_defaults(func=cmd_cancel)
    cancellations = commands.add_parser(
        "cancellations", help=_("cancellations the marketplace must be told of")
    ).add_subparsers(dest="cancellations_action", required=True)
    export = cancellations.add_parser(
        "export", help=_("write Amazon's order-cancellation upload file")
    )
    export.add_argument("--channel", choices=["amazon"], default="amazon")
    export.add_argument("-o", "--output", required=True, help=_("the file to write"))
    add_common(export, json_flag=True)
    export.set_defaults(func=cmd_cancellations_export)
