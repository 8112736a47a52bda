"""``orderdesk purge [--dry-run] [--days N]``: buyer data past its retention period."""

from __future__ import annotations

import argparse

from app.i18n import _, ngettext

DEFAULT_RETENTION_DAYS = 30  # app.privacy.service reads it from here: the parser loads no ORM


def cmd_purge(args: argparse.Namespace) -> int:
    from app import cli
    from app.privacy.service import purge_personal_data

    database = cli._open(args)
    try:
        summary = purge_personal_data(
            database, cli._actor(), retention_days=args.days, dry_run=args.dry_run
        )
    finally:
        database.dispose()
    if args.json:
        cli.emit_json(summary.as_json())
        return 0
    orders = ngettext("{n} order", "{n} orders", len(summary.orders)).format(n=len(summary.orders))
    customers = ngettext("{n} customer", "{n} customers", summary.customers).format(
        n=summary.customers
    )
    if summary.dry_run:
        would = _("Would remove buyer data of {orders} and {customers} (older than {days} days).")
        print(would.format(orders=orders, customers=customers, days=summary.retention_days))
        for number in summary.orders[:50]:
            print(f"  {number}")
    else:
        print(
            _("Removed buyer data of {orders} and {customers}.").format(
                orders=orders, customers=customers
            )
        )
    return 0


def register(commands, add_common) -> None:
    purge = commands.add_parser(
        "purge", help=_("remove marketplace buyers' personal data past its retention period")
    )
    purge.add_argument("--dry-run", action="store_true", help=_("only say what would go"))
    purge.add_argument("--days", type=int, default=DEFAULT_RETENTION_DAYS,
                       help=_("retention after delivery, in days"))  # fmt: skip
    add_common(purge, json_flag=True)
    purge.set_defaults(func=cmd_purge)
