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
