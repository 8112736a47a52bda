"""Command-line verbs of the service desk's cases: ``cases list``, ``cases take-mail``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.i18n import _

EXIT_OK, EXIT_PROBLEMS = 0, 1


def _folder_line(path: Path, summary) -> str:
    return _("{folder}: {n} e-mails taken, {d} seen before, {f} unreadable.").format(
        folder=path, n=summary.taken, d=summary.duplicates, f=len(summary.failed)
    )


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


def cmd_cases_take_mail(args: argparse.Namespace) -> int:
    from app import cli
    from app.cases.mail import UnreadableMail, take_folder, take_mail
    from app.numbers import entity_number

    database = cli._open(args)
    problems = 0
    try:
        for name in args.files:
            path = Path(name)
            if path.is_dir():
                summary = take_folder(database, cli._actor(), path)
                print(_folder_line(path, summary))
                problems += len(summary.failed)
                continue
            try:
                result = take_mail(database, cli._actor(), path.read_bytes())
            except (UnreadableMail, OSError) as problem:
                print(f"{path}: {problem}", file=sys.stderr)
                problems += 1
                continue
            case = entity_number("case", result.case_id)
            if result.duplicate:
                print(_("{file}: seen before ({case}).").format(file=path, case=case))
            elif result.created:
                print(_("{file}: new case {case}.").format(file=path, case=case))
            else:
                print(_("{file}: added to {case}.").format(file=path, case=case))
    finally:
        database.dispose()
    return EXIT_PROBLEMS if problems else EXIT_OK


def register(commands, add_common) -> None:
    cases = commands.add_parser("cases", help=_("the service desk's cases")).add_subparsers(
        dest="cases_action", required=True
    )
    listing = cases.add_parser("list", help=_("cases, the most urgent reply first"))
    listing.add_argument("--status", choices=["open", "waiting", "resolved", "closed"])
    listing.add_argument("--overdue", action="store_true", help=_("only cases past a due time"))
    listing.add_argument("--limit", type=int, default=50, help=_("at most this many"))
    add_common(listing, json_flag=True)
    listing.set_defaults(func=cmd_cases_list)
    mail = cases.add_parser(
        "take-mail", help=_("e-mails (.eml files, or a watched folder) into cases")
    )
    mail.add_argument("files", nargs="+", help=_(".eml files, or folders to empty"))
    add_common(mail)
    mail.set_defaults(func=cmd_cases_take_mail)
