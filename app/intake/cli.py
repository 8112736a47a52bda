"""Command-line verbs of intake: ``import`` (an order file) and ``pricelist …`` (price
lists per marketplace, and which marketplace a channel account sells on). Registered on
the main parser by ``register``; heavy modules are imported only when a command runs."""

from __future__ import annotations

import argparse

from app.i18n import _, say

EXIT_OK, EXIT_PROBLEMS, EXIT_FAILED = 0, 1, 2


def _cli():
    from app import cli

    return cli


# --------------------------------------------------------------------------- import


def cmd_import(args: argparse.Namespace) -> int:
    """Exit 0: all imported or already present; 1: rejections or conflicts; 2: unreadable."""
    import signal

    from app.intake import import_file

    cli = _cli()
    stop = {"asked": False}

    def ask_to_stop(_signum, _frame) -> None:
        # Ctrl-C stops after the batch being written: committed orders are whole orders.
        stop["asked"] = True

    actor = cli._actor()  # before Ctrl-C is taken over: a password prompt can still be left
    previous = signal.signal(signal.SIGINT, ask_to_stop)
    database = cli._open(args)
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
        cli.emit_json(summary.as_json())
    else:
        print(_import_line(args.file, summary))
        channel_word = channel_word_text(summary)
        if channel_word:
            print("  " + channel_word)
        for word in summary.stale_words[:50]:
            print("  " + word.said())
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


def channel_word_text(summary) -> str:
    """What the channel's later word changed (``channel_updates``), as one sentence."""
    from app.intake.model import channel_word_parts

    parts = channel_word_parts(summary)
    return "; ".join(parts) + "." if parts else ""


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


# --------------------------------------------------------------------------- price lists


def cmd_pricelist(args: argparse.Namespace) -> int:
    from app.intake import price_lists

    cli = _cli()
    database = cli._open(args)
    try:
        if args.pricelist_action == "import":
            done = price_lists.import_price_list(
                database, cli._actor(), args.marketplace, args.currency, args.file
            )
            result = {"marketplace": done.marketplace, "currency": done.currency}
            result["prices"] = done.prices
            if args.json:
                cli.emit_json(result)
            else:
                print(
                    _("Price list {marketplace}: {prices} prices in {currency}.").format(**result)
                )
            return EXIT_OK
        if args.pricelist_action == "account":
            price_lists.set_channel_marketplace(
                database, cli._actor(), args.channel, args.marketplace
            )
            marketplace = price_lists.marketplace_code(args.marketplace)
            if args.json:
                cli.emit_json({"channel": args.channel, "marketplace": marketplace})
            else:
                print(
                    _("Orders of {channel} are priced from the {marketplace} price list.").format(
                        channel=args.channel, marketplace=marketplace
                    )
                )
            return EXIT_OK
        return _show_price_list(cli, database, args)
    finally:
        database.dispose()


def _show_price_list(cli, database, args: argparse.Namespace) -> int:
    from app.intake.price_lists import show_price_list
    from app.money import format_money

    shown = show_price_list(database, args.marketplace)
    if shown is None:
        if args.json:
            cli.emit_json({"marketplace": args.marketplace.upper(), "prices": None})
        else:
            print(_("No price list for {marketplace}.").format(marketplace=args.marketplace))
        return EXIT_PROBLEMS
    if args.json:
        cli.emit_json(
            {
                "marketplace": shown.marketplace,
                "currency": shown.currency,
                "updated_by": shown.updated_by,
                "prices": [
                    {"sku": p.sku, "unit_price_cents": p.unit_price_cents} for p in shown.prices
                ],
            }
        )
        return EXIT_OK
    print(
        _("Price list {marketplace} ({currency}), last imported by {who}:").format(
            marketplace=shown.marketplace, currency=shown.currency, who=shown.updated_by
        )
    )
    for price in shown.prices:
        amount = format_money(price.unit_price_cents, shown.currency)
        print(f"  {price.sku:<24} {amount:>16}  {price.name}")
    return EXIT_OK


# --------------------------------------------------------------------------- parser


def register(commands, add_common) -> None:
    """``import`` and ``pricelist`` on the main parser."""
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
    add_common(importing, json_flag=True)
    importing.set_defaults(func=cmd_import)

    pricelist = commands.add_parser(
        "pricelist", help=_("price lists per marketplace (reports without prices use them)")
    )
    actions = pricelist.add_subparsers(dest="pricelist_action", metavar="ACTION", required=True)
    load = actions.add_parser("import", help=_("replace a marketplace's price list from a CSV"))
    load.add_argument("marketplace", help=_("marketplace code, e.g. UK, DE, US"))
    load.add_argument("file", help=_("CSV with the columns sku and price"))
    load.add_argument("--currency", required=True, help=_("the prices' currency, e.g. EUR"))
    show = actions.add_parser("show", help=_("a marketplace's price list"))
    show.add_argument("marketplace", help=_("marketplace code, e.g. UK, DE, US"))
    account = actions.add_parser(
        "account", help=_("the marketplace a channel account sells on (its orders' price list)")
    )
    account.add_argument("channel", help=_("channel name as imported, e.g. amazon-uk"))
    account.add_argument("marketplace", help=_("marketplace code, e.g. UK, DE, US"))
    for parser in (load, show, account):
        add_common(parser, json_flag=True)
        parser.set_defaults(func=cmd_pricelist)
