"""Command-line verbs of allocation and picking: ``allocate``, ``stock check``, ``routing``,
``picking …``. Registered on the main parser by ``register``."""

from __future__ import annotations

import argparse
import sys

from app.i18n import _, ngettext

EXIT_OK, EXIT_PROBLEMS, EXIT_FAILED = 0, 1, 2


def _cli():
    from app import cli

    return cli


def cmd_allocate(args: argparse.Namespace) -> int:
    from app.picking.lists import create_pick_lists_everywhere
    from app.picking.service import allocate

    cli = _cli()
    database = cli._open(args)
    try:
        summary = allocate(database, cli._actor())
        lists = 0
        if args.lists:
            made = create_pick_lists_everywhere(
                database.unit_of_work(), cli._actor(), batch_size=args.batch
            )
            lists = len(made)
    finally:
        database.dispose()
    if args.json:
        cli.emit_json({**summary.as_json(), **({"pick_lists": lists} if args.lists else {})})
    else:
        made_text = (
            " " + ngettext("{n} pick list made.", "{n} pick lists made.", lists).format(n=lists)
            if args.lists
            else ""
        )
        from app.picking.model import allocation_text

        print(allocation_text(summary) + made_text)
    return EXIT_OK


def cmd_stock_check(args: argparse.Namespace) -> int:
    from app.picking.check import check_stock

    cli = _cli()
    database = cli._open(args)
    try:
        with database.unit_of_work() as uow:
            violations = check_stock(uow.session)
    finally:
        database.dispose()
    if args.json:
        cli.emit_json({"ok": not violations, "violations": [v.as_json() for v in violations]})
    elif violations:
        for v in violations:
            print(v.said())
        print(
            ngettext(
                "{n} violation of the stock invariants.",
                "{n} violations of the stock invariants.",
                len(violations),
            ).format(n=len(violations)),
            file=sys.stderr,
        )
    else:
        print(
            _(
                "Stock invariants hold: reserved = open reservations, nothing negative, "
                "every reservation on an open order/shipment, picked units left stock."
            )
        )
    return EXIT_PROBLEMS if violations else EXIT_OK


def cmd_routing(args: argparse.Namespace) -> int:
    from app.picking.routing import add_routing_rule, remove_routing_rule, routing_rules

    cli = _cli()
    database = cli._open(args)
    try:
        if args.routing_action == "add":
            add_routing_rule(
                database.unit_of_work(), cli._actor(), args.kind, args.key, args.warehouse,
                args.rank,
            )  # fmt: skip
        elif args.routing_action == "remove":
            remove_routing_rule(database.unit_of_work(), cli._actor(), args.rule_id)
        with database.unit_of_work() as uow:
            rows = routing_rules(uow.session)
    finally:
        database.dispose()
    for row in rows:
        if args.json:
            cli.emit_json(row.__dict__)
        else:
            template = (
                _("category {key} may ship from {warehouse} (rank {rank})")
                if row.kind == "category"
                else _("country {key} prefers {warehouse} (rank {rank})")
            )
            text = template.format(key=row.key, warehouse=row.warehouse, rank=row.rank)
            print(f"#{row.rule_id:<4} {text}")
    return EXIT_OK


def cmd_picking(args: argparse.Namespace) -> int:
    from app.picking import lists as pl
    from app.picking.queries import list_board, ship_by_today

    cli = _cli()
    actor = cli._actor()
    database = cli._open(args)
    try:
        action = args.picking_action
        if action == "tote-labels":
            return _tote_labels(args, database)
        if action in ("create", "board", "ship-by-today"):
            with database.unit_of_work() as uow:
                wid = pl.warehouse_id_of(uow.session, args.warehouse)
        if action == "create":
            ids = pl.create_pick_lists(
                database.unit_of_work(), actor, wid, batch_size=args.batch, single=args.single
            )
            numbers = [pl.list_number(i) for i in ids]
            _out(
                args,
                {"pick_lists": numbers},
                ngettext("{n} pick list: {numbers}", "{n} pick lists: {numbers}", len(ids)).format(
                    n=len(ids), numbers=", ".join(numbers)
                ),
            )
            return EXIT_OK
        if action == "board":
            with database.unit_of_work() as uow:
                rows = list_board(uow, wid)
            for r in rows:
                _out(args, {"list": r.number, "status": r.status, "kind": r.kind,
                            "shipments": r.shipments, "stops": r.stops, "units": r.units,
                            "picker": r.picker},
                     _("{number} {status} {kind} {shipments} {stops} {units} {picker}").format(
                         number=r.number, status=f"{r.status:<8}", kind=f"{r.kind:<6}",
                         shipments=ngettext("{n} shipment", "{n} shipments",
                                            r.shipments).format(n=r.shipments),
                         stops=ngettext("{n} stop", "{n} stops", r.stops).format(n=r.stops),
                         units=ngettext("{n} unit", "{n} units", r.units).format(n=r.units),
                         picker=r.picker))  # fmt: skip
            return EXIT_OK
        if action == "ship-by-today":
            with database.unit_of_work() as uow:
                rows = ship_by_today(uow, wid)
            for r in rows:
                _out(args, {"shipment": r.shipment, "order": r.order, "status": r.status,
                            "ship_by_at": r.ship_by_at.isoformat(), "late": r.late},
                     _("{shipment} {order} {status} ship by {when}").format(
                         shipment=r.shipment, order=r.order, status=f"{r.status:<8}",
                         when=f"{r.ship_by_at:%Y-%m-%d %H:%M}")
                     + (" " + _("LATE") if r.late else ""))  # fmt: skip
            return EXIT_OK
        list_id = pl.parse_list_code(args.list)
        if action == "print":
            return _print_list(args, database, list_id)
        if action == "claim":
            state = pl.claim_list(database, actor, list_id)
        elif action == "scan":
            result = pl.scan(database, actor, list_id, args.code)
            state = result.state
            print(result.message)
        elif action == "undo":
            state = pl.undo_last_scan(database, actor, list_id).state
        elif action == "short":
            result = pl.short_pick(database, actor, list_id, other_bin=args.bin)
            state = result.state
            print(result.message)
        elif action == "finish":
            state = pl.finish_list(database, actor, list_id)
        elif action == "release":
            state = pl.release_list(database, actor, list_id, args.reason or "")
        else:  # take-over
            state = pl.take_over(database, actor, list_id, args.reason or "")
    finally:
        database.dispose()
    stop = state.stop
    _out(args, {"list": state.number, "status": state.status, "step": state.step.value,
                "stops_done": state.stops_done, "stops": state.stops_total,
                "bin": stop.bin_code if stop else None, "sku": stop.sku if stop else None,
                "quantity": stop.quantity if stop else None},
         _("{number} {status}: next {step}").format(
             number=state.number, status=state.status, step=state.step.value)
         + (" — " + _("bin {bin}, {q} × {sku}").format(
             bin=stop.bin_code, q=stop.quantity, sku=stop.sku) if stop else "")
         + " " + _("({done}/{total} stops)").format(
             done=state.stops_done, total=state.stops_total))  # fmt: skip
    return EXIT_OK


def _print_list(args: argparse.Namespace, database, list_id: int) -> int:
    from pathlib import Path

    from app.labels.picklist import render_pick_list_pdf
    from app.picking.queries import pick_list_document

    with database.unit_of_work() as uow:
        doc = pick_list_document(uow, list_id)
    pdf = render_pick_list_pdf(doc)
    Path(args.output).write_bytes(pdf)
    _out(args, {"list": doc.number, "output": str(args.output), "bytes": len(pdf)},
         ngettext("{number}: {n} stop written to {path}", "{number}: {n} stops written to {path}",
                  len(doc.stops)).format(
             number=doc.number, n=len(doc.stops), path=args.output))  # fmt: skip
    return EXIT_OK


def _tote_labels(args: argparse.Namespace, database) -> int:
    from pathlib import Path

    from app.labels.small import render_small_labels_pdf
    from app.picking import lists as pl
    from app.picking.queries import tote_labels

    with database.unit_of_work() as uow:
        wid = pl.warehouse_id_of(uow.session, args.warehouse) if args.warehouse else None
        labels = tote_labels(uow, wid)
    if not labels:
        print(
            _("No active totes in {warehouse}: nothing written.").format(
                warehouse=args.warehouse.upper()
            )
            if args.warehouse
            else _("No active totes: nothing written."),
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    Path(args.output).write_bytes(render_small_labels_pdf(labels))
    _out(args, {"labels": len(labels), "output": str(args.output)},
         ngettext("{n} tote label written to {path}", "{n} tote labels written to {path}",
                  len(labels)).format(
             n=len(labels), path=args.output))  # fmt: skip
    return EXIT_OK


def _out(args, obj: dict, text: str) -> None:
    if getattr(args, "json", False):
        _cli().emit_json(obj)
    else:
        print(text)


def register(commands, add_common, stock) -> None:
    """Allocation, routing and pick-list commands; ``stock check`` joins the stock actions."""
    allocate = commands.add_parser(
        "allocate", help="approved orders → shipments per warehouse from their reservations"
    )
    allocate.add_argument("--lists", action="store_true", help="then make batch pick lists")
    allocate.add_argument("--batch", type=int, help="shipments per batch list")
    add_common(allocate, json_flag=True)
    allocate.set_defaults(func=cmd_allocate)

    check = stock.add_parser("check", help="verify the stock invariants (exit 1 on a violation)")
    add_common(check, json_flag=True)
    check.set_defaults(func=cmd_stock_check)

    routing = commands.add_parser("routing", help="warehouse routing rules").add_subparsers(
        dest="routing_action", required=True
    )
    rlist = routing.add_parser("list", help="the rules")
    add_common(rlist, json_flag=True)
    radd = routing.add_parser("add", help="category KEY may ship from W / country KEY prefers W")
    radd.add_argument("kind", choices=["category", "country"])
    radd.add_argument("key", help="the category, or a two-letter country code")
    radd.add_argument("warehouse", help="warehouse code")
    radd.add_argument("--rank", type=int, default=0, help="preference order (countries)")
    add_common(radd, json_flag=True)
    rremove = routing.add_parser("remove", help="remove a rule by its number")
    rremove.add_argument("rule_id", type=int)
    add_common(rremove, json_flag=True)
    for p in (rlist, radd, rremove):
        p.set_defaults(func=cmd_routing)

    picking = commands.add_parser("picking", help="pick lists").add_subparsers(
        dest="picking_action", required=True
    )
    create = picking.add_parser("create", help="pick lists for a warehouse's pending shipments")
    create.add_argument("--warehouse", required=True)
    create.add_argument("--single", action="store_true", help="one list per shipment")
    create.add_argument("--batch", type=int, help="shipments per batch list")
    board = picking.add_parser("board", help="open and claimed lists of a warehouse")
    board.add_argument("--warehouse", required=True)
    today = picking.add_parser("ship-by-today", help="shipments to ship by today, late first")
    today.add_argument("--warehouse", required=True)
    totes = picking.add_parser("tote-labels", help="labels for the active totes as a PDF")
    totes.add_argument("--warehouse", help="only this warehouse's totes")
    totes.add_argument("-o", "--output", required=True, help="the PDF file to write")
    verbs = {}
    for name, helptext in (
        ("claim", "claim a list"),
        ("scan", "one scan: tote, bin, CONFIRM, item or a count"),
        ("undo", "undo the last scan"),
        ("short", "short pick at the current stop"),
        ("finish", "finish a list"),
        ("release", "release a list back to the board"),
        ("take-over", "take over another picker's list (supervisor)"),
    ):
        verbs[name] = picking.add_parser(name, help=helptext)
        verbs[name].add_argument("list", help="PL-000123")
    verbs["print"] = picking.add_parser("print", help="write a list's pick sheet as a PDF")
    verbs["print"].add_argument("list", help="PL-000123")
    verbs["print"].add_argument("-o", "--output", required=True, help="the PDF file to write")
    verbs["scan"].add_argument("code")
    verbs["short"].add_argument("--bin", help="take the rest from this bin")
    verbs["release"].add_argument("--reason")
    verbs["take-over"].add_argument("--reason", required=True)
    for p in (create, board, today, totes, *verbs.values()):
        add_common(p, json_flag=True)
        p.set_defaults(func=cmd_picking)
