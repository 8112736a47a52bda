"""``orderdesk outbox send`` (for a scheduled job) and ``orderdesk outbox list``."""

from __future__ import annotations

import argparse
import sys

from app.i18n import _, ngettext

EXIT_OK, EXIT_PROBLEMS = 0, 1


def cmd_outbox_send(args: argparse.Namespace) -> int:
    from app import cli
    from app.outbox.service import send_outbox
    from app.outbox.settings import SMTP_URL_ENV, smtp_from_environment

    smtp = smtp_from_environment()
    if smtp is None:
        print(
            _("No mail server is set up ({env}): messages wait in the outbox.").format(
                env=SMTP_URL_ENV
            )
        )
        return EXIT_OK
    database = cli._open(args)
    try:
        summary = send_outbox(database, cli._actor(), smtp)
    finally:
        database.dispose()
    if args.json:
        cli.emit_json(summary.as_json())
    else:
        print(
            ngettext("{n} message sent.", "{n} messages sent.", summary.sent).format(n=summary.sent)
        )
        for message_id, reason in summary.failed:
            print(
                _("message {id} not sent: {reason}").format(id=message_id, reason=reason),
                file=sys.stderr,
            )
    return EXIT_PROBLEMS if summary.failed else EXIT_OK


def register(commands, add_common) -> None:
    outbox = commands.add_parser("outbox", help=_("messages to customers")).add_subparsers(
        dest="outbox_action", required=True
    )
    send = outbox.add_parser("send", help=_("send what is waiting (needs ORDERDESK_SMTP_URL)"))
    add_common(send, json_flag=True)
    send.set_defaults(func=cmd_outbox_send)
