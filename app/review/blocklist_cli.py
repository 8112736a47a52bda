"""``orderdesk blocklist list | add KIND VALUE --reason R | lift ID --reason R``."""

from __future__ import annotations

import argparse

from app.i18n import _

EXIT_OK = 0


def cmd_blocklist(args: argparse.Namespace) -> int:
    from app import cli
    from app.review.blocklist import add_block_entry, lift_block_entry, list_block_entries

    database = cli._open(args)
    try:
        if args.blocklist_action == "add":
            entry = add_block_entry(database, cli._actor(), args.kind, args.value, args.reason,
                                    country=args.country or "")  # fmt: skip
            rows, done = [], _("Blocked ({id}).").format(id=entry)
        elif args.blocklist_action == "lift":
            lift_block_entry(database, cli._actor(), args.entry, args.reason)
            rows, done = [], _("Lifted ({id}).").format(id=args.entry)
        else:
            rows, done = list_block_entries(database, active_only=not args.all), ""
    finally:
        database.dispose()
    for row in rows:
        if args.json:
            cli.emit_json(row.as_json())
        else:
            print(f"{row.id:>6}  {row.kind:<6} {row.shown:<32} {row.reason}")
    if done:
        print(done)
    return EXIT_OK


def register(commands, add_common) -> None:
    blocklist = commands.add_parser(
        "blocklist", help=_("e-mails and phone numbers the company will not sell to")
    ).add_subparsers(dest="blocklist_action", required=True)
    listing = blocklist.add_parser("list", help=_("the entries in force (--all: lifted ones too)"))
    listing.add_argument("--all", action="store_true")
    add = blocklist.add_parser("add", help=_("block an e-mail or phone number (supervisors)"))
    add.add_argument("kind", choices=["email", "phone"])
    add.add_argument("value", help=_("the e-mail address or phone number"))
    add.add_argument("--country", help=_("where a phone number without +code is from"))
    add.add_argument("--reason", required=True, help=_("why"))
    lift = blocklist.add_parser("lift", help=_("lift an entry (supervisors)"))
    lift.add_argument("entry", type=int, help=_("the entry's number from the list"))
    lift.add_argument("--reason", required=True, help=_("why"))
    for parser in (listing, add, lift):
        add_common(parser, json_flag=True)
        parser.set_defaults(func=cmd_blocklist)
