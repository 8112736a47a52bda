"""Command-line verbs of refunds: ``refunds list | request | approve | reject | pay``."""

from __future__ import annotations

import argparse

from app.i18n import _

EXIT_OK = 0


def _refund_id(text: str) -> int:
    digits = text.upper().removeprefix("RF-")
    if not digits.isdigit():
        raise argparse.ArgumentTypeError(_("expected a refund number such as RF-000012"))
    return int(digits)


def cmd_refunds_list(args: argparse.Namespace) -> int:
    from app import cli
    from app.money import display_money
    from app.refunds.queries import list_refunds
    from app.refunds.service import STATUS_WORDS

    database = cli._open(args)
    try:
        with database.unit_of_work() as uow:
            rows = list_refunds(uow.session, status=args.status, limit=args.limit)
    finally:
        database.dispose()
    for row in rows:
        if args.json:
            cli.emit_json(row.as_json())
        else:
            amount = display_money(row.amount_cents, row.currency)
            status = _(STATUS_WORDS[row.status])
            print(f"{row.number}  {row.order}  {amount:>14}  {status:<10} {row.reason}")
    if not rows and not args.json:
        print(_("No refunds."))
    return EXIT_OK


def cmd_refunds_request(args: argparse.Namespace) -> int:
    from app import cli
    from app.money import parse_amount
    from app.numbers import parse_number
    from app.refunds.queries import order_currency
    from app.refunds.service import refund_number, request_refund

    parsed = parse_number(args.order) or (
        ("order", int(args.order)) if args.order.isdigit() else None
    )
    if parsed is None or parsed[0] != "order":
        raise argparse.ArgumentTypeError(_("expected an order number such as SO-000123"))
    database = cli._open(args)
    try:
        amount = parse_amount(args.amount, order_currency(database, parsed[1]))
        refund_id = request_refund(database, cli._actor(), parsed[1], amount, args.reason)
    finally:
        database.dispose()
    if args.json:
        cli.emit_json({"refund": refund_number(refund_id), "status": "requested"})
    else:
        print(_("{refund} requested; finance decides.").format(refund=refund_number(refund_id)))
    return EXIT_OK


def _cmd_decide(verb: str):
    def command(args: argparse.Namespace) -> int:
        from app import cli
        from app.refunds.service import decide, refund_number

        database = cli._open(args)
        try:
            decide(
                database,
                cli._actor(),
                args.refund,
                verb,
                note=args.note or "",
                reference=getattr(args, "reference", "") or "",
            )
        finally:
            database.dispose()
        if args.json:
            cli.emit_json({"refund": refund_number(args.refund), "verb": verb})
        else:
            print(_("{refund}: done.").format(refund=refund_number(args.refund)))
        return EXIT_OK

    return command


def register(commands, add_common) -> None:
    refunds = commands.add_parser(
        "refunds", help=_("refunds: requested, decided, paid")
    ).add_subparsers(dest="refunds_action", required=True)
    listing = refunds.add_parser("list", help=_("refunds, newest first"))
    listing.add_argument("--status", choices=["requested", "approved", "rejected", "paid"])
    listing.add_argument("--limit", type=int, default=50, help=_("at most this many"))
    add_common(listing, json_flag=True)
    listing.set_defaults(func=cmd_refunds_list)
    asking = refunds.add_parser("request", help=_("ask finance to refund part or all of an order"))
    asking.add_argument("order", help=_("the order number"))
    asking.add_argument("amount", help=_("the amount, e.g. 12.50"))
    asking.add_argument("--reason", required=True, help=_("why"))
    add_common(asking, json_flag=True)
    asking.set_defaults(func=cmd_refunds_request)
    for verb, words in (
        ("approve", _("approve a requested refund")),
        ("reject", _("reject a refund (with --note)")),
        ("pay", _("record that a refund was paid (with --reference)")),
    ):
        parser = refunds.add_parser(verb, help=words)
        parser.add_argument("refund", type=_refund_id, help=_("the refund number (RF-…)"))
        parser.add_argument("--note", help=_("the reason, for a rejection"))
        if verb == "pay":
            parser.add_argument(
                "--reference",
                help=_("the payment reference (Amazon's adjustment id for Amazon orders)"),
            )
        add_common(parser, json_flag=True)
        parser.set_defaults(func=_cmd_decide(verb))
