"""``orderdesk orders list`` and ``orderdesk orders show``: the Orders desk from a terminal.

Registered on the main parser by ``register``. Human output is in the person's language;
``--json`` output carries codes and values.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from collections.abc import Callable
from typing import Any

from app.errors import InvalidInput
from app.i18n import N_, _, ngettext

EXIT_OK = 0


def _cli():
    from app import cli

    return cli


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
    from app.orders.history import status_words
    from app.orders.queries import OrderFilter, open_order_query
    from app.workflow import OrderStatus

    cli = _cli()
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
    database = cli._open(args)
    try:
        with database.unit_of_work() as uow:
            query = open_order_query(uow.session, cli._actor(), flt)
            rows = query.page_after(None, args.limit)
            cut = query.customers_cut
    finally:
        database.dispose()
    for row in rows:
        if args.json:
            cli.emit_json(_order_json(row))
        else:
            print(
                f"{row.number}  {row.received_at:%Y-%m-%d}  {status_words(row.status):<15} "
                f"{row.channel:<16} {row.channel_order_id:<22} "
                f"{format_money(row.total_cents, row.currency):>14}  {row.customer}"
            )
    if cut and not args.json:
        print(_cut_note(), file=sys.stderr)
    return EXIT_OK


def _cut_note() -> str:
    from app.money import format_number
    from app.search.customers import MAX_MATCHED_CUSTOMERS

    return ngettext(
        "Only the orders of the first {limit} matching customer are listed; "
        "type more of the name, a phone number or an e-mail.",
        "Only the orders of the first {limit} matching customers are listed; "
        "type more of the name, a phone number or an e-mail.",
        MAX_MATCHED_CUSTOMERS,
    ).format(limit=format_number(MAX_MATCHED_CUSTOMERS))


def cmd_orders_show(args: argparse.Namespace) -> int:
    from app.money import display_money
    from app.orders.detail import find_order_id, order_detail
    from app.orders.history import history_text, payment_method_words, status_words

    cli = _cli()
    database = cli._open(args)
    try:
        with database.unit_of_work() as uow:
            detail = order_detail(
                uow.session, cli._actor(), find_order_id(uow.session, cli._actor(), args.number)
            )
    finally:
        database.dispose()
    if args.json:
        record = dataclasses.asdict(detail)
        record["customer"] = detail.customer_name
        cli.emit_json(record)
        return EXIT_OK
    money = lambda cents: display_money(cents, detail.currency)  # noqa: E731
    status = status_words(detail.status)
    print(f"{detail.number}  {status}  {detail.channel} {detail.channel_order_id}")
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
        method = payment_method_words(payment.method)
        what = f"{method} {status_words(payment.status)} {paid} {payment.card}".strip()
        print(_("Payment: {payment}").format(payment=what))
    for shipment in detail.shipments:
        where = f"{shipment.warehouse} {shipment.carrier} {shipment.tracking_number}"
        what = f"{shipment.number} {status_words(shipment.status)} {where}".strip()
        print(_("Shipment: {shipment}").format(shipment=what))
    for event in detail.audit:
        print(f"  {event.at:%Y-%m-%d %H:%M} {event.actor:<14} {event.entity} {history_text(event)}")
    return EXIT_OK


def register(commands, add_common: Callable[..., None]) -> None:
    """Add ``orders list`` and ``orders show`` to the main parser's commands."""
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
    add_common(olist, json_flag=True)
    olist.set_defaults(func=cmd_orders_list)
    show = orders.add_parser(
        "show", help=_("one order with its lines, payments, shipments and audit trail")
    )
    show.add_argument("number", help=_("SO-000123 or the channel's order id"))
    add_common(show, json_flag=True)
    show.set_defaults(func=cmd_orders_show)
