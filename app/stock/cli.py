"""``orderdesk stock …``: the stock verbs from a terminal (same services as the desk).

``add_stock_commands`` fills the ``stock`` sub-command's parsers; ``app/cli.py`` creates
that sub-command, so other stock commands (``stock check`` of the picking part) can join it.
Exit codes as everywhere: 0 done, 1 done with something to look at, 2 could not.
"""

from __future__ import annotations

import argparse
import dataclasses

from app.cli import EXIT_OK, EXIT_PROBLEMS, _actor, _add_common, _open, emit_json


def add_stock_commands(stock: argparse._SubParsersAction) -> None:
    receive = stock.add_parser("receive", help="receive units of a product into a bin")
    receive.add_argument("--warehouse", required=True, help="warehouse code, e.g. BER1")
    receive.add_argument("--product", required=True, help="barcode or SKU")
    receive.add_argument("--quantity", required=True, help="units received")
    receive.add_argument("--bin", required=True, dest="bin_code", help="bin code")
    which = receive.add_mutually_exclusive_group()
    which.add_argument("--incoming", type=int, help="the incoming line's id to book against")
    which.add_argument(
        "--free", action="store_true", help="free receiving: not against an expected line"
    )
    _add_common(receive, json_flag=True)
    receive.set_defaults(func=cmd_stock_receive)

    move = stock.add_parser("move", help="move free units between two bins of a warehouse")
    move.add_argument("--warehouse", required=True)
    move.add_argument("--product", required=True, help="barcode or SKU")
    move.add_argument("--quantity", required=True)
    move.add_argument("--from", required=True, dest="from_bin", metavar="BIN")
    move.add_argument("--to", required=True, dest="to_bin", metavar="BIN")
    move.add_argument("--reason", default="", help="default: putaway / replenishment / moved")
    _add_common(move, json_flag=True)
    move.set_defaults(func=cmd_stock_move)

    count = stock.add_parser(
        "count", help="show the difference of a counted quantity; --book books it"
    )
    count.add_argument("--warehouse", required=True)
    count.add_argument("--product", required=True, help="barcode or SKU")
    count.add_argument("--bin", required=True, dest="bin_code")
    count.add_argument("--counted", required=True, help="units found in the bin")
    count.add_argument("--reason", default="", help="why (needed to book)")
    count.add_argument("--book", action="store_true", help="book the count (supervisors)")
    _add_common(count, json_flag=True)
    count.set_defaults(func=cmd_stock_count)

    incoming = stock.add_parser("incoming", help="stock on its way").add_subparsers(
        dest="incoming_command", metavar="ACTION", required=True
    )
    imp = incoming.add_parser("import", help="import expected deliveries from a CSV file")
    imp.add_argument("file", help="CSV: sku,quantity,expected_date[,warehouse][,reference]")
    _add_common(imp, json_flag=True)
    imp.set_defaults(func=cmd_stock_incoming_import)
    add = incoming.add_parser("add", help="add one expected delivery")
    add.add_argument("--product", required=True, help="barcode or SKU")
    add.add_argument("--quantity", required=True)
    add.add_argument("--date", required=True, help="expected date YYYY-MM-DD")
    add.add_argument("--warehouse", default=None)
    add.add_argument("--reference", default="", help="purchase order or transfer number")
    _add_common(add, json_flag=True)
    add.set_defaults(func=cmd_stock_incoming_add)
    lst = incoming.add_parser("list", help="expected deliveries, earliest first")
    lst.add_argument("--warehouse", default=None)
    _add_common(lst, json_flag=True)
    lst.set_defaults(func=cmd_stock_incoming_list)

    low = stock.add_parser(
        "low", help="products below their low-stock threshold, with a suggested order"
    )
    low.add_argument("--warehouse", default=None)
    low.add_argument("--csv", metavar="FILE", help="also write the list as CSV")
    low.add_argument("--pdf", metavar="FILE", help="also write the list as a printable PDF")
    _add_common(low, json_flag=True)
    low.set_defaults(func=cmd_stock_low)

    threshold = stock.add_parser("threshold", help="set a product's low-stock threshold")
    threshold.add_argument("--product", required=True)
    threshold.add_argument("--warehouse", required=True)
    threshold.add_argument("--min", required=True, dest="min_quantity")
    threshold.add_argument("--pack", default=1, dest="pack_size", help="order in packs of")
    _add_common(threshold)
    threshold.set_defaults(func=cmd_stock_threshold)

    replenish = stock.add_parser(
        "replenish", help="pick faces below their minimum and where to refill them from"
    )
    replenish.add_argument("--warehouse", required=True)
    _add_common(replenish, json_flag=True)
    replenish.set_defaults(func=cmd_stock_replenish)

    face = stock.add_parser(
        "pick-face", help="how full a pick-face bin keeps a product (replenishment)"
    )
    face.add_argument("--warehouse", required=True)
    face.add_argument("--bin", required=True, dest="bin_code", help="a pick-face bin")
    face.add_argument("--product", required=True)
    face.add_argument("--min", required=True, dest="min_quantity", help="refill below this")
    face.add_argument("--max", required=True, dest="max_quantity", help="refill up to this")
    _add_common(face)
    face.set_defaults(func=cmd_stock_pick_face)

    bins = stock.add_parser("bins", help="bins and walk order").add_subparsers(
        dest="bins_command", metavar="ACTION", required=True
    )
    bimp = bins.add_parser("import", help="add or change bins from a CSV file")
    bimp.add_argument("file", help="CSV: warehouse,bin,pick_sequence[,kind]")
    _add_common(bimp, json_flag=True)
    bimp.set_defaults(func=cmd_stock_bins_import)


def _print(args: argparse.Namespace, result: object, line: str) -> None:
    if args.json:
        emit_json(dataclasses.asdict(result) if dataclasses.is_dataclass(result) else result)
    else:
        print(line)


def cmd_stock_receive(args: argparse.Namespace) -> int:
    from app.stock.service import receive_stock

    database = _open(args)
    try:
        with database.unit_of_work() as uow:
            result = receive_stock(
                uow,
                _actor(),
                warehouse=args.warehouse,
                product=args.product,
                quantity=args.quantity,
                bin_code=args.bin_code,
                incoming_id=args.incoming,
                free_receiving=args.free,
            )
    finally:
        database.dispose()
    against = (
        f" against {result.incoming_reference} ({result.incoming_left} still expected)"
        if result.incoming_id
        else " (free receiving)"
    )
    _print(
        args,
        result,
        f"Received {result.quantity} × {result.sku} into {result.warehouse_code} "
        f"{result.bin_code}{against}; {result.on_hand_in_bin} now in the bin.",
    )
    return EXIT_OK


def cmd_stock_move(args: argparse.Namespace) -> int:
    from app.stock.service import move_stock

    database = _open(args)
    try:
        with database.unit_of_work() as uow:
            result = move_stock(
                uow,
                _actor(),
                warehouse=args.warehouse,
                product=args.product,
                quantity=args.quantity,
                from_bin=args.from_bin,
                to_bin=args.to_bin,
                reason=args.reason,
            )
    finally:
        database.dispose()
    _print(
        args,
        result,
        f"Moved {result.quantity} × {result.sku} from {result.from_bin} ({result.left_in_from_bin} "
        f"left) to {result.to_bin} ({result.now_in_to_bin} now).",
    )
    return EXIT_OK


def cmd_stock_count(args: argparse.Namespace) -> int:
    from app.stock.service import book_count, preview_count

    database = _open(args)
    try:
        with database.unit_of_work() as uow:
            preview = preview_count(
                uow.session,
                _actor(),
                warehouse=args.warehouse,
                product=args.product,
                bin_code=args.bin_code,
                counted=args.counted,
            )
        if not args.book:
            _print(
                args,
                {**dataclasses.asdict(preview), "difference": preview.difference, "booked": False},
                f"{preview.sku} in {preview.bin_code}: system {preview.system}, counted "
                f"{preview.counted}, difference {preview.difference:+d} (reserved "
                f"{preview.reserved}). Not booked: add --book --reason TEXT.",
            )
            return EXIT_PROBLEMS if preview.difference else EXIT_OK
        with database.unit_of_work() as uow:
            result = book_count(
                uow,
                _actor(),
                warehouse=args.warehouse,
                product=args.product,
                bin_code=args.bin_code,
                counted=args.counted,
                reason=args.reason,
                expected_system=preview.system,
            )
    finally:
        database.dispose()
    _print(
        args,
        {**dataclasses.asdict(result), "difference": result.difference, "booked": True},
        f"Booked: {result.sku} in {result.bin_code} {result.before} → {result.after} "
        f"({result.difference:+d}), {result.reason}.",
    )
    return EXIT_OK


def cmd_stock_incoming_import(args: argparse.Namespace) -> int:
    from app.stock.setup import import_incoming_csv

    database = _open(args)
    try:
        with database.unit_of_work() as uow:
            result = import_incoming_csv(uow, _actor(), args.file)
    finally:
        database.dispose()
    _print(args, result, f"{result.file_name}: {result.added} expected deliveries added.")
    return EXIT_OK


def cmd_stock_incoming_add(args: argparse.Namespace) -> int:
    from app.stock.incoming import add_incoming

    database = _open(args)
    try:
        with database.unit_of_work() as uow:
            row = add_incoming(
                uow,
                _actor(),
                product=args.product,
                quantity=args.quantity,
                expected_date=args.date,
                warehouse=args.warehouse,
                reference=args.reference,
            )
    finally:
        database.dispose()
    _print(
        args,
        row,
        f"Expected: {row.quantity} × {row.sku} at {row.warehouse_code or 'any warehouse'} on "
        f"{row.expected_date.isoformat()} (#{row.id} {row.reference}).",
    )
    return EXIT_OK


def cmd_stock_incoming_list(args: argparse.Namespace) -> int:
    from app.stock.queries import incoming_lines
    from app.stock.service import warehouse_of

    database = _open(args)
    try:
        with database.unit_of_work() as uow:
            warehouse_id = warehouse_of(uow.session, args.warehouse)[0] if args.warehouse else None
            rows = incoming_lines(uow.session, warehouse_id=warehouse_id, limit=100_000)
    finally:
        database.dispose()
    for row in rows:
        _print(
            args,
            row,
            f"#{row.id:<6} {row.expected_date} {row.warehouse_code or '-':<6} {row.quantity:>6} "
            f"× {row.sku:<16} {row.reference}",
        )
    return EXIT_OK


def cmd_stock_low(args: argparse.Namespace) -> int:
    from pathlib import Path

    from app.stock.csv_files import low_stock_csv
    from app.stock.export import low_stock_pdf
    from app.stock.queries import low_stock
    from app.stock.service import warehouse_of
    from db.models import utcnow

    database = _open(args)
    try:
        with database.unit_of_work() as uow:
            warehouse_id = warehouse_of(uow.session, args.warehouse)[0] if args.warehouse else None
            rows = low_stock(uow.session, _actor(), warehouse_id=warehouse_id)
    finally:
        database.dispose()
    if args.csv:
        Path(args.csv).write_text(low_stock_csv(rows), encoding="utf-8")
    if args.pdf:
        low_stock_pdf(rows, args.pdf, generated_at=utcnow())
    for row in rows:
        _print(
            args,
            row,
            f"{row.warehouse_code:<6} {row.sku:<16} available {row.available:>5} "
            f"< {row.min_quantity:<5} incoming {row.incoming:>5}  "
            f"30 days {row.demand_30d:>5}  order {row.suggested:>5}"
            f"  {row.name}",
        )
    if not args.json:
        print(f"{len(rows)} product(s) below their threshold.")
    return EXIT_PROBLEMS if rows else EXIT_OK


def cmd_stock_threshold(args: argparse.Namespace) -> int:
    from app.stock.setup import set_reorder_rule

    database = _open(args)
    try:
        with database.unit_of_work() as uow:
            set_reorder_rule(
                uow,
                _actor(),
                product=args.product,
                warehouse=args.warehouse,
                min_quantity=args.min_quantity,
                pack_size=args.pack_size,
            )
    finally:
        database.dispose()
    print(f"{args.product} at {args.warehouse}: low below {args.min_quantity}.")
    return EXIT_OK


def cmd_stock_replenish(args: argparse.Namespace) -> int:
    from app.stock.queries import replenishment
    from app.stock.service import warehouse_of

    database = _open(args)
    try:
        with database.unit_of_work() as uow:
            rows = replenishment(uow.session, warehouse_of(uow.session, args.warehouse)[0])
    finally:
        database.dispose()
    for row in rows:
        _print(
            args,
            row,
            f"{row.sku:<16} {row.quantity:>5} from {row.from_bin:<10} to {row.to_bin:<10} "
            f"(pick face {row.pick_face_now} < {row.pick_face_min})",
        )
    return EXIT_OK


def cmd_stock_bins_import(args: argparse.Namespace) -> int:
    from app.stock.setup import import_bins_csv

    database = _open(args)
    try:
        with database.unit_of_work() as uow:
            result = import_bins_csv(uow, _actor(), args.file)
    finally:
        database.dispose()
    _print(args, result, f"{result.file_name}: {result.added} bins added or changed.")
    return EXIT_OK


def cmd_stock_pick_face(args: argparse.Namespace) -> int:
    from app.stock.setup import set_pick_face_rule

    database = _open(args)
    try:
        with database.unit_of_work() as uow:
            set_pick_face_rule(
                uow,
                _actor(),
                warehouse=args.warehouse,
                bin_code=args.bin_code,
                product=args.product,
                min_quantity=args.min_quantity,
                max_quantity=args.max_quantity,
            )
    finally:
        database.dispose()
    print(
        f"{args.product} in {args.bin_code}: refilled to {args.max_quantity} when below "
        f"{args.min_quantity}."
    )
    return EXIT_OK
