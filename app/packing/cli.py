"""Command-line verbs of the packing station: ``packing rules`` (the package rules table a
supervisor edits), ``packing packages``, ``packing scan`` (the station's scan field,
scripted), ``packing badge`` (print or revoke a staff badge), ``packing put-back`` (a
cancelled shipment's picked items back to stock). Registered by ``register``."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.i18n import ngettext

EXIT_OK = 0


def _cli():
    from app import cli

    return cli


def _flag(text: str | None) -> bool | None:
    return None if text in (None, "any") else text == "yes"


def _rule_json(rule) -> dict:
    return {
        "id": rule.rule_id,
        "rank": rule.rank,
        "package": rule.package_code,
        "fragile": rule.fragile,
        "soft": rule.soft,
        "max_volume_cm3": rule.max_volume_cm3,
        "max_weight_g": rule.max_weight_g,
    }


def cmd_rules(args: argparse.Namespace) -> int:
    from app.packing import package_table as pt
    from app.packing import queries
    from app.packing.model import PackageRuleFacts

    cli = _cli()
    database = cli._open(args)
    try:
        actor = cli._actor()
        if args.rules_action == "add":
            pt.add_package_rule(
                database,
                actor,
                PackageRuleFacts(
                    args.rank,
                    args.package,
                    _flag(args.fragile),
                    _flag(args.soft),
                    args.max_volume_cm3,
                    args.max_weight_g,
                ),
            )
        elif args.rules_action == "remove":
            pt.remove_package_rule(database, actor, args.rule_id)
        elif args.rules_action == "defaults":
            pt.install_default_packages(database, actor)
        with database.unit_of_work() as uow:
            rules = queries.package_rules(uow)
            packages = queries.package_types(uow)
    finally:
        database.dispose()
    if args.json:
        cli.emit_json(
            {"rules": [_rule_json(r) for r in rules], "packages": [p.code for p in packages]}
        )
        return EXIT_OK
    for r in rules:
        when = [
            f"{name}={value}"
            for name, value in (
                ("fragile", r.fragile),
                ("soft", r.soft),
                ("volume<=", r.max_volume_cm3),
                ("weight<=", r.max_weight_g),
            )
            if value is not None
        ]
        print(f"#{r.rule_id:<4} rank {r.rank:<4} {' '.join(when) or 'any':<48} → {r.package_code}")
    return EXIT_OK


def cmd_scan(args: argparse.Namespace) -> int:
    from app.packing import service as ps
    from app.packing.printers import FolderPrinter, StationPrinters
    from app.packing.queries import shipment_of_code

    cli = _cli()
    database = cli._open(args)
    try:
        shipment_id = None
        if args.shipment:
            with database.unit_of_work() as uow:
                shipment_id = shipment_of_code(uow, args.shipment)
        printers = StationPrinters(FolderPrinter(Path(args.output or ".")))
        result = ps.station_scan(database, cli._actor(), shipment_id, args.code, printers)
    finally:
        database.dispose()
    state = result.state
    if args.json:
        cli.emit_json(
            {
                "shipment": state.number,
                "status": state.status,
                "scanned": state.scanned,
                "wanted": state.wanted,
                "verified": state.verified,
                "notice": state.notice.value,
                "warning": bool(result.warning),
            }
        )
    else:
        print(result.message + (f" — {result.warning}" if result.warning else ""))
    return EXIT_OK


def cmd_put_back(args: argparse.Namespace) -> int:
    from app.packing.put_back import put_back
    from app.packing.queries import shipment_of_code

    cli = _cli()
    database = cli._open(args)
    try:
        with database.unit_of_work() as uow:
            shipment_id = shipment_of_code(uow, args.shipment)
        if shipment_id is None:
            from app.packing.errors import NotAtStation

            raise NotAtStation(args.shipment)
        done = put_back(database, cli._actor(), shipment_id, bin_code=args.bin)
    finally:
        database.dispose()
    if args.json:
        cli.emit_json(done.as_json())
    else:
        where = ", ".join(f"{x.quantity} × {x.sku} → {x.bin_code}" for x in done.lines)
        print(
            ngettext(
                "{n} item put back to stock: {where}",
                "{n} items put back to stock: {where}",
                done.units,
            ).format(n=done.units, where=where)
        )
    return EXIT_OK


def cmd_badge(args: argparse.Namespace) -> int:
    from app.packing.station import issue_badge, render_badge_pdf, revoke_badges

    cli = _cli()
    database = cli._open(args)
    try:
        if args.revoke:
            count = revoke_badges(database, cli._actor(), args.username)
            text = ngettext(
                "{count} badge of {user} revoked.", "{count} badges of {user} revoked.", count
            ).format(count=count, user=args.username)
            obj = {"revoked": count}
        else:
            if not args.output:
                raise SystemExit("packing badge: -o FILE is needed to print a badge")
            badge = issue_badge(database, cli._actor(), args.username)
            Path(args.output).write_bytes(render_badge_pdf(badge))
            text = f"Badge for {args.username} written to {args.output}."
            obj = {"output": str(args.output), "expires_at": badge.expires_at}
    finally:
        database.dispose()
    if args.json:
        cli.emit_json(obj)
    else:
        print(text)
    return EXIT_OK


def register(commands, add_common) -> None:
    packing = commands.add_parser("packing", help="the packing station").add_subparsers(
        dest="packing_action", required=True
    )
    rules = packing.add_parser("rules", help="the package rules table").add_subparsers(
        dest="rules_action", required=True
    )
    rlist = rules.add_parser("list", help="rules and packages")
    rdefaults = rules.add_parser("defaults", help="the usual packages and rules, when none")
    radd = rules.add_parser("add", help="conditions → package")
    radd.add_argument("package", help="package code, e.g. FOAM-S")
    radd.add_argument("--rank", type=int, default=100, help="lower is tried first")
    radd.add_argument("--fragile", choices=["yes", "no", "any"], default="any")
    radd.add_argument("--soft", choices=["yes", "no", "any"], default="any")
    radd.add_argument("--max-volume-cm3", type=int)
    radd.add_argument("--max-weight-g", type=int)
    rremove = rules.add_parser("remove", help="remove a rule by its number")
    rremove.add_argument("rule_id", type=int)
    for p in (rlist, rdefaults, radd, rremove):
        add_common(p, json_flag=True)
        p.set_defaults(func=cmd_rules)
    scan = packing.add_parser("scan", help="one scan at the station (as its scan field)")
    scan.add_argument("code", help="SH-/SO-/tote, an item, a weight (1.2 kg), a package, PRINT")
    scan.add_argument("--shipment", help="the shipment open at the station")
    scan.add_argument("-o", "--output", help="folder the labels are written to (PRINT)")
    add_common(scan, json_flag=True)
    scan.set_defaults(func=cmd_scan)
    badge = packing.add_parser("badge", help="print a staff badge for station mode, or revoke")
    badge.add_argument("username")
    badge.add_argument("-o", "--output", help="the badge PDF to write")
    badge.add_argument("--revoke", action="store_true", help="every badge of the user stops")
    add_common(badge, json_flag=True)
    badge.set_defaults(func=cmd_badge)
    back = packing.add_parser(
        "put-back", help="a cancelled shipment's picked items back to stock (a stock move each)"
    )
    back.add_argument("shipment", help="SH-…, its order SO-… or its tote")
    back.add_argument("--bin", help="the bin they go to (default: the bin they came from)")
    add_common(back, json_flag=True)
    back.set_defaults(func=cmd_put_back)
