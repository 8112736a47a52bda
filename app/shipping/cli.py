"""Command-line verbs of shipping: ``shipments list|hand-over``, ``label`` (with a
cross-border shipment's customs declaration beside it), ``customs set``, ``manifest``,
``export ship-confirm``. Registered on the main parser by ``register``."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from app.errors import InvalidInput
from app.i18n import N_, _, ngettext

EXIT_OK = 0


def _cli():
    from app import cli

    return cli


def _out(args, obj: dict, text: str) -> None:
    if getattr(args, "json", False):
        _cli().emit_json(obj)
    else:
        print(text)


def _shipment_id(text: str) -> int:
    from app.numbers import parse_number

    parsed = parse_number(text)
    if parsed is None or parsed[0] != "shipment":
        raise InvalidInput("shipment", text, N_("a shipment number such as SH-000123"))
    return parsed[1]


def _day(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field, text, N_("a date as YYYY-MM-DD")) from None


def cmd_shipments(args: argparse.Namespace) -> int:
    cli = _cli()
    database = cli._open(args)
    try:
        if args.shipments_action == "list":
            return _list(args, database)
        if args.shipments_action == "carrier-label":
            return _carrier_label(args, database)
        if args.shipments_action == "labels":
            return _labels(args, database)
        return _hand_over(args, database)
    finally:
        database.dispose()


def _list(args, database) -> int:
    from app.permissions import Permission, require
    from app.shipping.queries import list_shipments

    actor = _cli()._actor()
    require(actor, Permission.VIEW_ORDERS)
    if args.limit < 1:
        raise InvalidInput("--limit", args.limit, N_("a whole number of at least 1"))
    with database.unit_of_work() as uow:
        rows = list_shipments(uow.session, args.status, args.limit)
    if args.json:
        _cli().emit_json([row.as_json() for row in rows])
        return EXIT_OK
    for row in rows:
        print(
            f"{row.number}  {row.order}  {row.status:<16} {row.carrier or '-':<12} "
            f"{row.tracking_number or '-'}"
        )
    return EXIT_OK


def _labels(args, database) -> int:
    """The shipment's label history: every print, reprint (who, why), failure and void."""
    from app.permissions import Permission, require
    from app.shipping.queries import label_history

    require(_cli()._actor(), Permission.VIEW_ORDERS)
    with database.unit_of_work() as uow:
        rows = label_history(uow.session, _shipment_id(args.shipment))
    if args.json:
        _cli().emit_json([row.as_json() for row in rows])
        return EXIT_OK
    if not rows:
        print(_("No label printed for {shipment} yet.").format(shipment=args.shipment.upper()))
    for row in rows:
        why = row.failure or row.reason
        print(
            f"{row.at:%Y-%m-%d %H:%M}  {row.parcel}  {row.action:<8} {row.outcome:<8} "
            f"{row.label_format}  {row.user or '-':<12} {row.printer or '-'}"
            + (f"  {why}" if why else "")
        )
    return EXIT_OK


def _hand_over(args, database) -> int:
    from app.shipping.service import hand_over

    done = hand_over(database.unit_of_work(), _cli()._actor(), args.code)
    text = _("{shipment} parcel {index} of {count} handed over to {carrier}.").format(
        shipment=done.shipment_number,
        index=done.parcel_index,
        count=done.parcel_count,
        carrier=done.carrier or "?",
    )
    if done.shipment_shipped:
        text += " " + _("Shipment shipped; order {order} is {status}.").format(
            order=done.order_number, status=done.order_status
        )
    _out(args, done.as_json(), text)
    return EXIT_OK


def _carrier_label(args, database) -> int:
    from sqlalchemy import select

    from app.shipping.carrier_labels import LabelFileImport, import_carrier_label
    from db.models_shipping import Parcel

    shipment_id = _shipment_id(args.shipment)
    with database.unit_of_work() as uow:
        parcel_id = uow.session.scalar(
            select(Parcel.id).where(
                Parcel.shipment_id == shipment_id, Parcel.sequence == args.parcel
            )
        )
    if parcel_id is None:
        raise InvalidInput("--parcel", args.parcel, N_("a parcel number of this shipment"))
    number = import_carrier_label(
        database.unit_of_work(),
        _cli()._actor(),
        parcel_id,
        LabelFileImport(Path(args.file), args.tracking),
    )
    _out(
        args,
        {"shipment": args.shipment.upper(), "parcel": args.parcel, "tracking_number": number},
        _("Carrier label imported for parcel {index} of {shipment}: {number}").format(
            index=args.parcel, shipment=args.shipment.upper(), number=number
        ),
    )
    return EXIT_OK


def cmd_label(args: argparse.Namespace) -> int:
    from app.labels.shipping import render_shipping_labels_pdf
    from app.labels.zpl import ZplSettings, render_shipping_labels_zpl
    from app.permissions import Permission, require
    from app.shipping.customs import render_declarations, shipment_declarations
    from app.shipping.documents import shipment_label_docs

    cli = _cli()
    shipment_id = _shipment_id(args.shipment)
    database = cli._open(args)
    try:
        actor = cli._actor()
        require(actor, Permission.PICK_AND_PACK)
        with database.unit_of_work() as uow:
            docs = shipment_label_docs(uow.session, shipment_id)
            declarations = shipment_declarations(uow.session, shipment_id, signed_by=actor.username)
    finally:
        database.dispose()
    if args.format == "pdf":
        content = render_shipping_labels_pdf(docs)
    else:
        content = render_shipping_labels_zpl(docs, ZplSettings(dpi=args.dpi))
    Path(args.output).write_bytes(content)
    text = ngettext(
        "{count} label of {shipment} written to {path}",
        "{count} labels of {shipment} written to {path}",
        len(docs),
    ).format(count=len(docs), shipment=docs[0].shipment_number, path=args.output)
    customs = None
    if declarations:
        # A cross-border shipment's declarations go beside its labels, as at the station.
        customs = Path(args.customs) if args.customs else _beside(Path(args.output), "customs")
        customs.write_bytes(render_declarations(declarations))
        forms = ", ".join(sorted({d.form.value for d in declarations}))
        text += "\n" + _("Customs declaration ({forms}) written to {path}").format(
            forms=forms, path=customs
        )
    _out(
        args,
        {
            "shipment": args.shipment.upper(),
            "labels": len(docs),
            "output": str(args.output),
            "customs": [{"parcel": d.parcel_index, "form": d.form.value} for d in declarations],
            "customs_output": str(customs) if customs else None,
        },
        text,
    )
    return EXIT_OK


def _beside(path: Path, what: str) -> Path:
    """``labels.pdf`` → ``labels.customs.pdf`` (a PDF whatever the labels' format)."""
    return path.with_name(f"{path.stem}.{what}.pdf")


def cmd_customs(args: argparse.Namespace) -> int:
    from app.shipping.customs import set_customs_facts

    cli = _cli()
    database = cli._open(args)
    try:
        facts = set_customs_facts(
            database.unit_of_work(), cli._actor(), args.sku, args.hs_code, args.origin
        )
    finally:
        database.dispose()
    _out(
        args,
        facts.as_json(),
        _("{sku}: HS code {hs_code}, made in {origin}").format(
            sku=facts.sku, hs_code=facts.hs_code, origin=facts.origin_country
        ),
    )
    return EXIT_OK


def cmd_manifest(args: argparse.Namespace) -> int:
    from app.labels.manifest import render_manifest_csv, render_manifest_pdf
    from app.permissions import Permission, require
    from app.shipping.documents import manifest_docs

    cli = _cli()
    day = _day(args.day, "--day") if args.day else dt.date.today()
    local = dt.datetime.now().astimezone().tzinfo
    database = cli._open(args)
    try:
        require(cli._actor(), Permission.SHIP_ORDERS)
        with database.unit_of_work() as uow:
            docs = manifest_docs(uow.session, args.carrier, day, local)
    finally:
        database.dispose()
    output = Path(args.output)
    written = []
    for i, doc in enumerate(docs):
        path = output if len(docs) == 1 else output.with_stem(f"{output.stem}-{i + 1}")
        for suffix, render in ((".pdf", render_manifest_pdf), (".csv", render_manifest_csv)):
            target = path.with_suffix(suffix)
            target.write_bytes(render(doc))
            written.append(str(target))
    parcels = sum(len(doc.parcels) for doc in docs)
    _out(
        args,
        {"carrier": args.carrier, "day": day.isoformat(), "parcels": parcels, "files": written},
        _("{parcels} on {manifests}: {files}").format(
            parcels=ngettext("{n} parcel", "{n} parcels", parcels).format(n=parcels),
            manifests=ngettext("{n} manifest", "{n} manifests", len(docs)).format(n=len(docs)),
            files=", ".join(written) or "-",
        ),
    )
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from app.shipping.confirmations import export_confirmations

    cli = _cli()
    since_day = _day(args.since, "--since")
    local = dt.datetime.now().astimezone().tzinfo
    since = dt.datetime.combine(since_day, dt.time(), tzinfo=local)
    database = cli._open(args)
    try:
        export = export_confirmations(database.unit_of_work(), cli._actor(), args.channel, since)
    finally:
        database.dispose()
    Path(args.output).write_bytes(export.content)
    _out(
        args,
        {**export.as_json(), "output": str(args.output)},
        ngettext(
            "{rows} line confirmed in {path}; {skipped} confirmed earlier left out.",
            "{rows} lines confirmed in {path}; {skipped} confirmed earlier left out.",
            export.rows,
        ).format(rows=export.rows, path=args.output, skipped=export.already_confirmed),
    )
    return EXIT_OK


def register(commands, add_common) -> None:
    shipments = commands.add_parser("shipments", help="shipments: list, hand over")
    actions = shipments.add_subparsers(dest="shipments_action", required=True)
    listing = actions.add_parser("list", help="newest shipments first")
    listing.add_argument("--status", help="only shipments in this status")
    listing.add_argument("--limit", type=int, default=50)
    handing = actions.add_parser("hand-over", help="a parcel's label scanned at hand-over")
    handing.add_argument("code", help="shipment number (SH-000123) or tracking number")
    carrier_label = actions.add_parser(
        "carrier-label", help="import the carrier's label file (PDF or ZPL) for a parcel"
    )
    carrier_label.add_argument("shipment", help="SH-000123")
    carrier_label.add_argument("--parcel", type=int, default=1, help="parcel n of the shipment")
    carrier_label.add_argument("--file", required=True, help="the label file the carrier made")
    carrier_label.add_argument("--tracking", required=True, help="its tracking number")
    labels = actions.add_parser("labels", help="a shipment's label history (prints, reprints)")
    labels.add_argument("shipment", help="SH-000123")
    for p in (listing, handing, carrier_label, labels):
        add_common(p, json_flag=True)
        p.set_defaults(func=cmd_shipments)

    label = commands.add_parser("label", help="a shipment's parcel labels as PDF or ZPL")
    label.add_argument("shipment", help="SH-000123")
    label.add_argument("--format", choices=["pdf", "zpl"], default="pdf")
    label.add_argument("--dpi", type=int, choices=[203, 300], default=203, help="ZPL only")
    label.add_argument("-o", "--output", required=True)
    label.add_argument(
        "--customs", help="where a cross-border shipment's customs declaration goes (PDF)"
    )
    add_common(label, json_flag=True)
    label.set_defaults(func=cmd_label)

    customs = commands.add_parser("customs", help="what customs declarations say of products")
    customs_actions = customs.add_subparsers(dest="customs_action", required=True)
    facts = customs_actions.add_parser("set", help="a product's HS code and country of origin")
    facts.add_argument("sku")
    facts.add_argument("--hs-code", required=True, help="6 to 10 digits, e.g. 851830")
    facts.add_argument("--origin", required=True, help="where it was made: CN, DE, …")
    add_common(facts, json_flag=True)
    facts.set_defaults(func=cmd_customs)

    manifest = commands.add_parser("manifest", help="end-of-day manifest per carrier")
    manifest.add_argument("--carrier", required=True, help="carrier code, e.g. ups")
    manifest.add_argument("--day", help="YYYY-MM-DD (default today)")
    manifest.add_argument("-o", "--output", required=True, help="FILE: writes .pdf and .csv")
    add_common(manifest, json_flag=True)
    manifest.set_defaults(func=cmd_manifest)

    export = commands.add_parser("export", help="files for the channels")
    kinds = export.add_subparsers(dest="export_kind", required=True)
    confirm = kinds.add_parser("ship-confirm", help="shipping confirmation for a channel")
    confirm.add_argument("--channel", required=True, help="amazon, or a partner's channel")
    confirm.add_argument("--since", required=True, help="YYYY-MM-DD: shipped from this day")
    confirm.add_argument("-o", "--output", required=True)
    add_common(confirm, json_flag=True)
    confirm.set_defaults(func=cmd_export)
