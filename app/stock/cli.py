"""``orderdesk stock …``: the stock verbs from a terminal (same services as the desk).

``add_stock_commands`` fills the ``stock`` sub-command's parsers; ``app/cli.py`` creates
that sub-command, so other stock commands (``stock check`` of the picking part) can join it.
Exit codes as everywhere: 0 done, 1 done with something to look at, 2 could not.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from app.cli import EXIT_OK, EXIT_PROBLEMS, _actor, _add_common, _open, emit_json
from app.i18n import _, ngettext

if TYPE_CHECKING:  # the parser is built at every start: no database layer loaded for it
    from app.uow import UnitOfWork

T = TypeVar("T")


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


def _in_unit_of_work(args: argparse.Namespace, work: Callable[[UnitOfWork], T]) -> T:
    """``work`` in one unit of work of the database the arguments name, then closed."""
    database = _open(args)
    try:
        with database.unit_of_work() as uow:
            return work(uow)
    finally:
        database.dispose()


def _warehouse_id(session, code: str | None) -> int | None:
    from app.stock.service import warehouse_of

    return warehouse_of(session, code)[0] if code else None


def cmd_stock_receive(args: argparse.Namespace) -> int:
    from app.stock.service import receive_stock

    result = _in_unit_of_work(
        args,
        lambda uow: receive_stock(
            uow,
            _actor(),
            warehouse=args.warehouse,
            product=args.product,
            quantity=args.quantity,
            bin_code=args.bin_code,
            incoming_id=args.incoming,
            free_receiving=args.free,
        ),
    )
    against = (
        _("against {ref} ({left} still expected)").format(
            ref=result.incoming_reference, left=result.incoming_left
        )
        if result.incoming_id
        else _("(free receiving)")
    )
    _print(
        args,
        result,
        _("Received {q} × {sku} into {warehouse} {bin} {against}; {n} now in the bin.").format(
            q=result.quantity, sku=result.sku, warehouse=result.warehouse_code,
            bin=result.bin_code, against=against, n=result.on_hand_in_bin,
        ),
    )  # fmt: skip
    return EXIT_OK


def cmd_stock_move(args: argparse.Namespace) -> int:
    from app.stock.service import move_stock

    result = _in_unit_of_work(
        args,
        lambda uow: move_stock(
            uow,
            _actor(),
            warehouse=args.warehouse,
            product=args.product,
            quantity=args.quantity,
            from_bin=args.from_bin,
            to_bin=args.to_bin,
            reason=args.reason,
        ),
    )
    _print(
        args,
        result,
        _("Moved {q} × {sku} from {source} ({left} left) to {target} ({now} now).").format(
            q=result.quantity, sku=result.sku, source=result.from_bin,
            left=result.left_in_from_bin, target=result.to_bin, now=result.now_in_to_bin,
        ),
    )  # fmt: skip
    return EXIT_OK


def cmd_stock_count(args: argparse.Namespace) -> int:
    from app.stock.service import book_count, preview_count

    preview = _in_unit_of_work(
        args,
        lambda uow: preview_count(
            uow.session,
            _actor(),
            warehouse=args.warehouse,
            product=args.product,
            bin_code=args.bin_code,
            counted=args.counted,
        ),
    )
    if not args.book:
        _print(
            args,
            {**dataclasses.asdict(preview), "difference": preview.difference, "booked": False},
            _(
                "{sku} in {bin}: system {system}, counted {counted}, difference {difference} "
                "(reserved {reserved}). Not booked: add --book --reason TEXT."
            ).format(
                sku=preview.sku, bin=preview.bin_code, system=preview.system,
                counted=preview.counted, difference=f"{preview.difference:+d}",
                reserved=preview.reserved,
            ),
        )  # fmt: skip
        return EXIT_PROBLEMS if preview.difference else EXIT_OK
    result = _in_unit_of_work(
        args,
        lambda uow: book_count(
            uow,
            _actor(),
            warehouse=args.warehouse,
            product=args.product,
            bin_code=args.bin_code,
            counted=args.counted,
            reason=args.reason,
            expected_system=preview.system,
        ),
    )
    _print(
        args,
        {**dataclasses.asdict(result), "difference": result.difference, "booked": True},
        _("Booked: {sku} in {bin} {before} → {after} ({difference}), {reason}.").format(
            sku=result.sku, bin=result.bin_code, before=result.before, after=result.after,
            difference=f"{result.difference:+d}", reason=result.reason,
        ),
    )  # fmt: skip
    return EXIT_OK


def cmd_stock_incoming_import(args: argparse.Namespace) -> int:
    from app.stock.setup import import_incoming_csv

    result = _in_unit_of_work(args, lambda uow: import_incoming_csv(uow, _actor(), args.file))
    _print(
        args,
        result,
        _("{file}: {n} expected deliveries added.").format(file=result.file_name, n=result.added),
    )
    return EXIT_OK


def cmd_stock_incoming_add(args: argparse.Namespace) -> int:
    from app.stock.incoming import add_incoming

    row = _in_unit_of_work(
        args,
        lambda uow: add_incoming(
            uow,
            _actor(),
            product=args.product,
            quantity=args.quantity,
            expected_date=args.date,
            warehouse=args.warehouse,
            reference=args.reference,
        ),
    )
    _print(
        args,
        row,
        _("Expected: {q} × {sku} at {warehouse} on {day} (#{id} {reference}).").format(
            q=row.quantity, sku=row.sku, warehouse=row.warehouse_code or _("any warehouse"),
            day=row.expected_date.isoformat(), id=row.id, reference=row.reference,
        ),
    )  # fmt: skip
    return EXIT_OK


def cmd_stock_incoming_list(args: argparse.Namespace) -> int:
    from app.stock.queries import incoming_lines

    rows = _in_unit_of_work(
        args,
        lambda uow: incoming_lines(
            uow.session, warehouse_id=_warehouse_id(uow.session, args.warehouse), limit=100_000
        ),
    )
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
    from db.models import utcnow

    rows = _in_unit_of_work(
        args,
        lambda uow: low_stock(
            uow.session, _actor(), warehouse_id=_warehouse_id(uow.session, args.warehouse)
        ),
    )
    if args.csv:
        Path(args.csv).write_text(low_stock_csv(rows), encoding="utf-8")
    if args.pdf:
        low_stock_pdf(rows, args.pdf, generated_at=utcnow())
    for row in rows:
        _print(
            args,
            row,
            _(
                "{warehouse} {sku} available {available} < {minimum} incoming {incoming}  "
                "30 days {demand}  order {suggested}  {name}"
            ).format(
                warehouse=f"{row.warehouse_code:<6}", sku=f"{row.sku:<16}",
                available=f"{row.available:>5}", minimum=f"{row.min_quantity:<5}",
                incoming=f"{row.incoming:>5}", demand=f"{row.demand_30d:>5}",
                suggested=f"{row.suggested:>5}", name=row.name,
            ),
        )  # fmt: skip
    if not args.json:
        print(
            ngettext(
                "{n} product below its threshold.", "{n} products below their threshold.", len(rows)
            ).format(n=len(rows))
        )
    return EXIT_PROBLEMS if rows else EXIT_OK


def cmd_stock_threshold(args: argparse.Namespace) -> int:
    from app.stock.setup import set_reorder_rule

    _in_unit_of_work(
        args,
        lambda uow: set_reorder_rule(
            uow,
            _actor(),
            product=args.product,
            warehouse=args.warehouse,
            min_quantity=args.min_quantity,
            pack_size=args.pack_size,
        ),
    )
    print(
        _("{product} at {warehouse}: low below {minimum}.").format(
            product=args.product, warehouse=args.warehouse, minimum=args.min_quantity
        )
    )
    return EXIT_OK


def cmd_stock_replenish(args: argparse.Namespace) -> int:
    from app.stock.queries import replenishment

    rows = _in_unit_of_work(
        args, lambda uow: replenishment(uow.session, _warehouse_id(uow.session, args.warehouse))
    )
    for row in rows:
        _print(
            args,
            row,
            _("{sku} {q} from {source} to {target} (pick face {now} < {minimum})").format(
                sku=f"{row.sku:<16}", q=f"{row.quantity:>5}", source=f"{row.from_bin:<10}",
                target=f"{row.to_bin:<10}", now=row.pick_face_now, minimum=row.pick_face_min,
            ),
        )  # fmt: skip
    return EXIT_OK


def cmd_stock_bins_import(args: argparse.Namespace) -> int:
    from app.stock.setup import import_bins_csv

    result = _in_unit_of_work(args, lambda uow: import_bins_csv(uow, _actor(), args.file))
    _print(
        args,
        result,
        _("{file}: {n} bins added or changed.").format(file=result.file_name, n=result.added),
    )
    return EXIT_OK


def cmd_stock_pick_face(args: argparse.Namespace) -> int:
    from app.stock.setup import set_pick_face_rule

    _in_unit_of_work(
        args,
        lambda uow: set_pick_face_rule(
            uow,
            _actor(),
            warehouse=args.warehouse,
            bin_code=args.bin_code,
            product=args.product,
            min_quantity=args.min_quantity,
            max_quantity=args.max_quantity,
        ),
    )
    print(
        _("{product} in {bin}: refilled to {maximum} when below {minimum}.").format(
            product=args.product, bin=args.bin_code, maximum=args.max_quantity,
            minimum=args.min_quantity,
        )
    )  # fmt: skip
    return EXIT_OK
