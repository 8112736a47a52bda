"""Command-line verbs of returns: ``returns list | book | receive | inspect | cancel``."""

from __future__ import annotations

import argparse

from app.i18n import _

EXIT_OK = 0


def _number(kind: str, example: str):
    def parse(text: str) -> int:
        from app.numbers import parse_number

        parsed = parse_number(text) or ((kind, int(text)) if text.isdigit() else None)
        if parsed is None or parsed[0] != kind:
            raise argparse.ArgumentTypeError(_("expected a number such as {example}").format(
                example=example))  # fmt: skip
        return parsed[1]

    return parse


def _units(database, order_id: int, pairs: list[str] | None) -> dict[int, int] | None:
    """``SKU=N`` pairs → {order line id: units}."""
    from app.errors import InvalidInput
    from app.returns.service import order_line_ids_by_sku

    if not pairs:
        return None
    with database.unit_of_work() as uow:
        lines = order_line_ids_by_sku(uow.session, order_id)
    out: dict[int, int] = {}
    for pair in pairs:
        sku, _sep, units = pair.rpartition("=")
        if not sku or not units.isdigit() or sku.upper() not in lines:
            raise InvalidInput("line", pair, _("SKU=units, with a SKU of the order"))
        out[lines[sku.upper()]] = int(units)
    return out


def cmd_returns_list(args: argparse.Namespace) -> int:
    from app import cli
    from app.money import display_money
    from app.returns.model import REASON_WORDS, STATUS_WORDS, ReturnReason, ReturnStatus
    from app.returns.queries import list_returns

    database = cli._open(args)
    try:
        with database.unit_of_work() as uow:
            rows = list_returns(uow.session, status=args.status, limit=args.limit)
    finally:
        database.dispose()
    for row in rows:
        if args.json:
            cli.emit_json(row.as_json())
            continue
        status = _(STATUS_WORDS[ReturnStatus(row.status)])
        reason = _(REASON_WORDS[ReturnReason(row.reason)])
        units = ", ".join(f"{line.quantity} × {line.sku}" for line in row.lines)
        fee = display_money(row.fee_cents, row.currency)
        print(f"{row.number}  {row.order}  {status:<10} {reason:<12} {fee:>10}  {units}")
    if not rows and not args.json:
        print(_("No returns."))
    return EXIT_OK


def cmd_returns_book(args: argparse.Namespace) -> int:
    from app import cli
    from app.money import parse_amount
    from app.numbers import entity_number
    from app.refunds.queries import order_currency
    from app.returns.service import book_return

    database = cli._open(args)
    try:
        fee = parse_amount(args.fee, order_currency(database, args.order)) if args.fee else 0
        lines = _units(database, args.order, args.line)
        return_id = book_return(database, cli._actor(), args.order, args.reason, lines=lines,
                                fee_cents=fee, case_id=args.case, note=args.note or "")  # fmt: skip
    finally:
        database.dispose()
    number = entity_number("return", return_id)
    if args.json:
        cli.emit_json({"return": number, "status": "booked"})
    else:
        print(_("{ret} booked: the customer sends the goods back.").format(ret=number))
    return EXIT_OK


def _cmd_verb(verb: str):
    def command(args: argparse.Namespace) -> int:
        from app import cli
        from app.numbers import entity_number
        from app.returns import service
        from db.models_returns import Return

        database = cli._open(args)
        refund = None
        try:
            if verb == "receive":
                service.receive_return(database, cli._actor(), args.ret)
            elif verb == "cancel":
                service.cancel_return(database, cli._actor(), args.ret)
            else:
                with database.unit_of_work() as uow:
                    rma = uow.session.get(Return, args.ret)
                    order_id = rma.order_id if rma else 0
                damaged = _units(database, order_id, args.damaged)
                refund = service.inspect_return(
                    database, cli._actor(), args.ret, damaged=damaged, bin_code=args.bin
                )
        finally:
            database.dispose()
        number = entity_number("return", args.ret)
        refund_text = f"RF-{refund:06d}" if refund else None
        if args.json:
            cli.emit_json({"return": number, "verb": verb, "refund": refund_text})
        elif refund_text:
            print(_("{ret}: inspected; refund {refund} requested.").format(
                ret=number, refund=refund_text))  # fmt: skip
        else:
            print(_("{ret}: done.").format(ret=number))
        return EXIT_OK

    return command


def register(commands, add_common) -> None:
    from app.returns.model import ReturnReason, ReturnStatus

    returns = commands.add_parser(
        "returns", help=_("returns (RMA): booked, received, inspected")
    ).add_subparsers(dest="returns_action", required=True)
    listing = returns.add_parser("list", help=_("returns, newest first"))
    listing.add_argument("--status", choices=[s.value for s in ReturnStatus])
    listing.add_argument("--limit", type=int, default=50, help=_("at most this many"))
    add_common(listing, json_flag=True)
    listing.set_defaults(func=cmd_returns_list)
    book = returns.add_parser("book", help=_("book a return for goods that were shipped"))
    book.add_argument("order", type=_number("order", "SO-000123"), help=_("the order number"))
    book.add_argument("--reason", required=True, choices=[r.value for r in ReturnReason])
    book.add_argument("--line", action="append", metavar="SKU=N",
                      help=_("what comes back (default: everything shipped)"))  # fmt: skip
    book.add_argument("--fee", help=_("the agreed return fee, e.g. 2.50"))
    book.add_argument("--case", type=_number("case", "CS-000123"), help=_("the case number"))
    book.add_argument("--note", help=_("what was agreed"))
    add_common(book, json_flag=True)
    book.set_defaults(func=cmd_returns_book)
    for verb, words in (
        ("receive", _("the returned parcel has arrived")),
        ("inspect", _("inspect the goods: back to stock, or --damaged SKU=N written off")),
        ("cancel", _("cancel a booked return")),
    ):
        parser = returns.add_parser(verb, help=words)
        parser.add_argument("ret", type=_number("return", "RT-000012"), help=_("RT-…"))
        if verb == "inspect":
            parser.add_argument("--damaged", action="append", metavar="SKU=N")
            parser.add_argument("--bin", help=_("the bin resellable goods go to"))
        add_common(parser, json_flag=True)
        parser.set_defaults(func=_cmd_verb(verb))
