"""Command-line verbs of the service desk's cases: ``cases list``, ``cases take-mail``,
``cases claim`` (a marketplace or carrier claim) and ``cases act`` (any declared verb)."""

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


def _when(text: str):
    import datetime as dt

    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise argparse.ArgumentTypeError(
            _("expected a time with its offset, e.g. 2026-11-30T18:00+01:00")
        )
    return moment


def _ref(text: str) -> tuple[str, int]:
    from app.numbers import parse_number

    parsed = parse_number(text)
    if parsed is None or parsed[0] not in ("order", "shipment", "case"):
        raise argparse.ArgumentTypeError(_("expected a number such as SO-000123 or SH-000123"))
    return parsed


def cmd_cases_claim(args: argparse.Namespace) -> int:
    from app import cli
    from app.cases.service import ClaimDraft, open_claim
    from app.numbers import entity_number

    kind, ident = args.about
    claim = ClaimDraft(
        kind=args.kind.replace("-", "_"),
        reference=args.reference,
        order_id=ident if kind == "order" else None,
        shipment_id=ident if kind == "shipment" else None,
        started_at=args.started,
        stated_due_at=args.due,
        body=args.note or "",
    )
    database = cli._open(args)
    try:
        case_id = open_claim(database, cli._actor(), claim)
    finally:
        database.dispose()
    number = entity_number("case", case_id)
    if args.json:
        cli.emit_json({"case": number})
    else:
        print(_("{case}: the claim is on the desk.").format(case=number))
    return EXIT_OK


def cmd_cases_act(args: argparse.Namespace) -> int:
    from app import cli
    from app.cases.service import CaseAction, act
    from app.numbers import entity_number

    kind, case_id = args.case
    if kind != "case":
        raise argparse.ArgumentTypeError(_("expected a case number such as CS-000123"))
    from app.returns.queries import reships_of_case
    from app.returns.replacement import parse_items

    action = CaseAction(text=args.text or "", resolution=args.resolution,
                        satisfaction=args.satisfaction, assignee_id=None,
                        replacement=parse_items(args.item or ()))  # fmt: skip
    database = cli._open(args)
    try:
        actor = cli._actor()
        if args.verb == "assign":
            action = CaseAction(assignee_id=actor.user_id)
        act(database, actor, case_id, args.verb, action)
        sent = database.read(reships_of_case, case_id) if args.verb == "resolve" else []
    finally:
        database.dispose()
    number = entity_number("case", case_id)
    shipment = sent[-1].shipment if sent and args.resolution in ("reship", "replacement") else None
    if args.json:
        cli.emit_json({"case": number, "verb": args.verb, "shipment": shipment})
    elif shipment:
        print(
            _("{ref}: done; {shipment} goes out at no charge through the warehouse.").format(
                ref=number, shipment=shipment
            )
        )
    else:
        print(_("{ref}: done.").format(ref=number))
    return EXIT_OK


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
    claim = cases.add_parser("claim", help=_("an A-to-z, SAFE-T or carrier claim into a case"))
    claim.add_argument("kind", choices=["a-to-z", "safe-t", "carrier"])
    claim.add_argument("about", type=_ref, help=_("the order (SO-…) or shipment (SH-…)"))
    claim.add_argument("--reference", required=True, help=_("the claim's number"))
    claim.add_argument(
        "--started", type=_when, help=_("the notice, refund or hand-over the deadline counts from")
    )
    claim.add_argument("--due", type=_when, help=_("the deadline stated on the claim"))
    claim.add_argument("--note", help=_("what the claim says"))
    add_common(claim, json_flag=True)
    claim.set_defaults(func=cmd_cases_claim)
    from app.cases.verbs import VERBS

    acting = cases.add_parser("act", help=_("run a case verb (reply, resolve, follow_up, close …)"))
    acting.add_argument("case", type=_ref, help=_("the case number"))
    acting.add_argument("verb", choices=sorted(VERBS))
    acting.add_argument("--text", help=_("what was said or done"))
    acting.add_argument("--resolution", choices=["refund", "reship", "replacement", "explanation"])
    acting.add_argument("--satisfaction", type=int, choices=range(1, 6))
    acting.add_argument(
        "--item",
        action="append",
        metavar="SKU[=QTY]",
        help=_("with --resolution replacement: a product to send at no charge (repeatable)"),
    )
    add_common(acting, json_flag=True)
    acting.set_defaults(func=cmd_cases_act)
