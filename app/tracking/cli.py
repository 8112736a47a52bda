"""Command-line verbs of tracking: ``tracking import FILE``. Registered by ``register``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.i18n import _, ngettext

EXIT_OK, EXIT_PROBLEMS, EXIT_FAILED = 0, 1, 2


def cmd_tracking_import(args: argparse.Namespace) -> int:
    from app import cli
    from app.tracking.formats import TrackingFileError
    from app.tracking.service import import_tracking_file

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as problem:
        print(
            _("{path} cannot be read: {reason}.").format(path=path, reason=problem.strerror),
            file=sys.stderr,
        )
        return EXIT_FAILED
    database = cli._open(args)
    try:
        summary = import_tracking_file(database, cli._actor(), path.name, data)
    except TrackingFileError as problem:
        print(_("{path}: {reason}.").format(path=path, reason=problem), file=sys.stderr)
        return EXIT_FAILED
    finally:
        database.dispose()
    if args.json:
        cli.emit_json(summary.as_json())
    else:
        _print_summary(summary)
    return EXIT_PROBLEMS if summary.rejected or summary.unknown else EXIT_OK


def _print_summary(summary) -> None:
    print(
        ngettext(
            "{n} tracking event recorded, {duplicates} already known; "
            "{changes} shipment status changes, {delivered} delivered.",
            "{n} tracking events recorded, {duplicates} already known; "
            "{changes} shipment status changes, {delivered} delivered.",
            summary.imported,
        ).format(
            n=summary.imported,
            duplicates=summary.duplicates,
            changes=summary.status_changes,
            delivered=summary.delivered,
        )
    )
    if summary.cases_opened:
        print(
            ngettext(
                "{n} case opened by the logistics watch.",
                "{n} cases opened by the logistics watch.",
                summary.cases_opened,
            ).format(n=summary.cases_opened)
        )
    if summary.unknown:
        print(
            ngettext(
                "{n} tracking number belongs to no parcel: {numbers}",
                "{n} tracking numbers belong to no parcel: {numbers}",
                len(summary.unknown),
            ).format(n=len(summary.unknown), numbers=", ".join(summary.unknown[:20])),
            file=sys.stderr,
        )
    for rejected in summary.rejected:
        print(f"{rejected.where}: {rejected.reason}", file=sys.stderr)


def cmd_tracking_watch(args: argparse.Namespace) -> int:
    from app import cli
    from app.cases.watch import run_watch

    database = cli._open(args)
    try:
        summary = run_watch(database, cli._actor())
    finally:
        database.dispose()
    if args.json:
        cli.emit_json(summary.as_json())
    else:
        print(
            ngettext(
                "{n} case opened ({checked} shipments on the road checked).",
                "{n} cases opened ({checked} shipments on the road checked).",
                len(summary.opened),
            ).format(checked=summary.checked, n=len(summary.opened))
        )
    return EXIT_OK


def cmd_cases_list(args: argparse.Namespace) -> int:
    import datetime as dt

    from app import cli
    from app.cases.model import STATUS_WORDS, CaseStatus
    from app.cases.queries import list_cases

    now = dt.datetime.now(dt.UTC)
    database = cli._open(args)
    try:
        with database.unit_of_work() as uow:
            rows = list_cases(
                uow.session, status=args.status, overdue=args.overdue, limit=args.limit, now=now
            )
    finally:
        database.dispose()
    if args.json:
        for row in rows:
            cli.emit_json(row.as_json(now))
        return EXIT_OK
    for row in rows:
        late = _("OVERDUE") if row.overdue(now) else ""
        due = row.first_reply_due_at.astimezone().strftime("%Y-%m-%d %H:%M")
        status = _(STATUS_WORDS[CaseStatus(row.status)])
        print(f"{row.number}  {status:<12} {due}  {late:<8} {row.order or '':<10} {row.subject}")
    if not rows:
        print(_("No cases."))
    return EXIT_OK


def register(commands, add_common) -> None:
    tracking = commands.add_parser("tracking", help=_("carrier tracking events")).add_subparsers(
        dest="tracking_action", required=True
    )
    importing = tracking.add_parser(
        "import", help=_("record a carrier's tracking file (our CSV, or tracking-service JSON)")
    )
    importing.add_argument("file", help=_("the tracking file"))
    add_common(importing, json_flag=True)
    importing.set_defaults(func=cmd_tracking_import)
    watching = tracking.add_parser(
        "watch", help=_("open cases for parcels lost, damaged, late or without news")
    )
    add_common(watching, json_flag=True)
    watching.set_defaults(func=cmd_tracking_watch)

    cases = commands.add_parser("cases", help=_("the service desk's cases")).add_subparsers(
        dest="cases_action", required=True
    )
    listing = cases.add_parser("list", help=_("cases, the most urgent reply first"))
    listing.add_argument("--status", choices=["open", "waiting", "resolved", "closed"])
    listing.add_argument("--overdue", action="store_true", help=_("only cases past a due time"))
    listing.add_argument("--limit", type=int, default=50, help=_("at most this many"))
    add_common(listing, json_flag=True)
    listing.set_defaults(func=cmd_cases_list)
