"""Command-line verb of the review desk: ``orderdesk review --all | ORDER… [--verbs]``.
Registered on the main parser by ``register``."""

from __future__ import annotations

import argparse

from app.i18n import _, current_language, ngettext
from app.review.model import QUEUE_COUNT_WORDS

EXIT_OK, EXIT_PROBLEMS = 0, 1


def _cli():
    from app import cli

    return cli


REVIEW_COUNTS = ("needs_info", "stock_short", "payment_problem", "exception", "on_hold")


def cmd_review(args: argparse.Namespace) -> int:
    """Exit 0: every order asked for was reviewed; 1: stopped early or some were skipped."""
    import signal

    from app.review.auto import ALL_RECEIVED, review_orders
    from app.review.model import ReviewSettings
    from app.views.orders import find_order_id

    stop = {"asked": False}

    def ask_to_stop(_signum, _frame) -> None:
        # Ctrl-C stops after the batch being written: every batch is one transaction.
        stop["asked"] = True

    cli = _cli()
    actor = cli._actor()  # before Ctrl-C is taken over: a password prompt can still be left
    database = cli._open(args)
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

            allocated = allocate(database, cli._actor())
    finally:
        signal.signal(signal.SIGINT, previous)
        database.dispose()
    result = {"reviewed": summary.reviewed, "approved": summary.approved}
    result.update({queue: getattr(summary, queue) for queue in REVIEW_COUNTS})
    result.update({"to_review": summary.to_review, "skipped": summary.skipped})
    if args.json:
        cli.emit_json(result)
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
            cli.emit_json({"allocation": allocated.as_json()})
        else:
            print(
                _(
                    "Allocated {orders} into {shipments} ({split} split); "
                    "{short} back to stock short."
                ).format(
                    orders=ngettext("{n} order", "{n} orders", allocated.allocated).format(
                        n=allocated.allocated
                    ),
                    shipments=ngettext("{n} shipment", "{n} shipments", allocated.shipments).format(
                        n=allocated.shipments
                    ),
                    split=allocated.split,
                    short=allocated.stock_short,
                )
            )
    return EXIT_PROBLEMS if summary.stopped or summary.skipped else EXIT_OK


def _review_line(summary, result: dict[str, int], to_person: bool) -> str:
    from babel.lists import format_list

    queues = format_list(
        [_(QUEUE_COUNT_WORDS[queue]).format(count=result[queue]) for queue in REVIEW_COUNTS],
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
    from app.review.detail import review_detail
    from app.views.orders import find_order_id

    cli = _cli()

    with database.unit_of_work() as uow:
        for text in args.orders:
            order_id = find_order_id(uow.session, cli._actor(), text)
            detail = review_detail(uow.session, cli._actor(), order_id)
            if args.json:
                cli.emit_json(
                    {
                        "order": detail.order.number,
                        "status": detail.order.status,
                        "verbs": [
                            {"verb": v.key, "enabled": v.enabled, "why_not": v.why_code}
                            for v in detail.verbs
                        ],
                    }
                )
                continue
            print(f"{detail.order.number}  {detail.order.status}")
            for verb in detail.verbs:
                state = _("yes") if verb.enabled else _("no: {why}").format(why=verb.why_not)
                print(f"  {verb.key:<20} {verb.shortcut:<18} {state}")
    return EXIT_OK


def register(commands, add_common) -> None:
    """The ``review`` command."""
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
    add_common(review, json_flag=True)
    review.set_defaults(func=cmd_review)
