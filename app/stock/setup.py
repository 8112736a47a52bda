"""Warehouse setup and planning verbs for supervisors: warehouses, bins and their walk order,
product barcodes and handling flags, low-stock thresholds, pick-face minimums, and the CSV
imports of bins and incoming stock (all rows or none).

Totes are the picking desk's (``app/picking``); bin and product labels are printed by
``app/labels`` -- ``label_codes_for_bins`` is the hook that hands it what to print.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import AlreadyExists, CsvRejected, InvalidInput, OrderdeskError
from app.gtin import gtin_valid
from app.i18n import _
from app.permissions import Actor, require
from app.stock import csv_files, rules
from app.stock.incoming import _incoming_values, add_incoming_rows
from app.stock.model import ADD_INCOMING, SET_THRESHOLD, SET_UP, BinKind, ImportResult
from app.stock.service import find_bin, find_product, warehouse_of
from app.uow import UnitOfWork
from db.models import Bin, Product, Warehouse
from db.models_stock import PickFaceRule, ReorderRule

MAX_BARCODE_LENGTH = 32


def add_warehouse(
    uow: UnitOfWork,
    actor: Actor,
    *,
    code: str,
    name: str,
    country_code: str,
    city: str = "",
    categories: Sequence[str] = (),
) -> int:
    require(actor, SET_UP.permission)
    session = uow.session
    code = (code or "").strip().upper()
    if not code or len(code) > 16 or not code.replace("-", "").isalnum():
        raise InvalidInput("code", code, _("1 to 16 letters or digits"))
    if not (name or "").strip():
        raise InvalidInput("name", name, _("the warehouse's name"))
    country = (country_code or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise InvalidInput("country", country_code, _("a two-letter country code"))
    if session.scalar(select(Warehouse.id).where(func.upper(Warehouse.code) == code)):
        raise AlreadyExists(_("warehouse"), code)
    row = Warehouse(
        code=code,
        name=name.strip(),
        country_code=country,
        city=city.strip(),
        categories=",".join(c.strip() for c in categories if c.strip()),
    )
    session.add(row)
    session.flush()
    record_event(
        session, actor, entity_type="warehouse", entity_id=row.id, action="create", to_state=code
    )
    uow.commit()
    return row.id


def save_bin(
    uow: UnitOfWork,
    actor: Actor,
    *,
    warehouse: str | int,
    code: str,
    pick_sequence: int,
    kind: str = BinKind.STORAGE,
) -> int:
    """Add a bin, or change an existing bin's walk position and kind."""
    require(actor, SET_UP.permission)
    ids = _save_bins(uow.session, actor, [(warehouse, code, pick_sequence, kind, "")])
    uow.commit()
    return ids[0]


def _save_bins(
    session: Session,
    actor: Actor,
    rows: Sequence[tuple[str | int, str, object, str, str]],
) -> list[int]:
    """(warehouse, code, sequence, kind, where) rows; ``where`` prefixes each problem."""
    problems: list[str] = []
    resolved = []
    for warehouse, code, sequence, kind, where in rows:
        try:
            warehouse_id, warehouse_code = warehouse_of(session, warehouse)
            bin_code = (code or "").strip().upper()
            if not bin_code or len(bin_code) > 32 or " " in bin_code:
                raise InvalidInput("bin", code, _("a bin code of 1 to 32 characters, no spaces"))
            try:
                position = int(str(sequence).strip())
            except ValueError:
                raise InvalidInput(
                    "pick_sequence", sequence, _("a whole number (the walk position)")
                ) from None
            if position < 0:
                raise InvalidInput("pick_sequence", sequence, _("0 or more"))
            bin_kind = csv_files.bin_kind(kind)
            if bin_kind is None:
                raise InvalidInput("kind", kind, _("receiving, storage, pick_face or overflow"))
            resolved.append((warehouse_id, warehouse_code, bin_code, position, bin_kind))
        except OrderdeskError as error:
            problems.append(f"{where}{error.message}" if where else error.message)
    if problems:
        if len(rows) == 1:
            raise InvalidInput("bin", rows[0][1], problems[0])
        raise CsvRejected("", tuple(problems))
    # The walk order after the change must still be a walk: no two bins share a position.
    for warehouse_id in {r[0] for r in resolved}:
        walk = dict(
            session.execute(
                select(Bin.code, Bin.pick_sequence).where(Bin.warehouse_id == warehouse_id)
            ).all()
        )
        walk.update({r[2]: r[3] for r in resolved if r[0] == warehouse_id})
        clashes = rules.check_walk_order(walk)
        if clashes:
            raise CsvRejected("", tuple(clashes))
    ids = []
    for warehouse_id, warehouse_code, bin_code, position, bin_kind in resolved:
        row = session.scalar(
            select(Bin).where(Bin.warehouse_id == warehouse_id, Bin.code == bin_code)
        )
        if row is None:
            row = Bin(
                warehouse_id=warehouse_id, code=bin_code, pick_sequence=position, kind=bin_kind
            )
            session.add(row)
            session.flush()
            action, before = "create", None
        else:
            before = f"{row.pick_sequence}/{row.kind}"
            row.pick_sequence, row.kind = position, bin_kind
            action = "change"
        record_event(
            session,
            actor,
            entity_type="bin",
            entity_id=row.id,
            action=action,
            from_state=before,
            to_state=f"{position}/{bin_kind}",
            detail={"warehouse": warehouse_code, "bin": bin_code},
        )
        ids.append(row.id)
    session.flush()
    return ids


def import_bins_csv(uow: UnitOfWork, actor: Actor, path: str | Path) -> ImportResult:
    """Bins from a CSV (warehouse, bin, pick_sequence, kind): new ones added, known ones
    moved in the walk or given another kind. Any bad row: nothing imported."""
    require(actor, SET_UP.permission)
    name = Path(path).name
    rows, problems = csv_files.read_rows(
        _read_text(path), csv_files.BIN_COLUMNS, csv_files.BIN_REQUIRED
    )
    if problems:
        raise CsvRejected(name, tuple(problems))
    try:
        ids = _save_bins(
            uow.session,
            actor,
            [
                (
                    row.values["warehouse"],
                    row.values["bin"],
                    row.values["pick_sequence"],
                    row.values.get("kind", ""),
                    _("line {line}: ").format(line=row.line),
                )
                for row in rows
            ],
        )
    except CsvRejected as error:
        raise CsvRejected(name, error.problems) from None
    uow.commit()
    return ImportResult(name, len(rows), len(ids))


def import_incoming_csv(uow: UnitOfWork, actor: Actor, path: str | Path) -> ImportResult:
    """Incoming stock from a CSV (sku, quantity, expected_date, warehouse, reference).
    Any bad row: nothing imported, every problem named with its line."""
    require(actor, ADD_INCOMING.permission)
    name = Path(path).name
    rows, problems = csv_files.read_rows(
        _read_text(path), csv_files.INCOMING_COLUMNS, csv_files.INCOMING_REQUIRED
    )
    if problems:
        raise CsvRejected(name, tuple(problems))
    values = []
    for row in rows:
        try:
            values.append(
                _incoming_values(
                    uow.session,
                    row.values["sku"],
                    row.values["quantity"],
                    row.values["expected_date"],
                    row.values.get("warehouse") or None,
                    row.values.get("reference", ""),
                )
            )
        except OrderdeskError as error:
            problems.append(
                _("line {line}: {problem}").format(line=row.line, problem=error.message)
            )
    if problems:
        raise CsvRejected(name, tuple(problems))
    ids = add_incoming_rows(uow, actor, values, file_name=name)
    return ImportResult(name, len(rows), len(ids))


def _read_text(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput("file", str(path), _("an existing CSV file")) from None
    except UnicodeDecodeError:
        raise InvalidInput("file", str(path), _("a UTF-8 text file")) from None


def set_product_barcode(uow: UnitOfWork, actor: Actor, product: str, barcode: str) -> None:
    """A product's scannable code: a GTIN must carry a right check digit; any other code is
    printable ASCII without spaces (Code 128). Empty removes it (the SKU is scanned then)."""
    require(actor, SET_UP.permission)
    session = uow.session
    item = find_product(session, product)
    code = (barcode or "").strip()
    if code:
        if (
            len(code) > MAX_BARCODE_LENGTH
            or not code.isascii()
            or not code.isprintable()
            or " " in code
        ):
            raise InvalidInput(
                "barcode", barcode, _("at most 32 printable characters without spaces")
            )
        if code.isdigit() and len(code) in (8, 12, 13, 14) and not gtin_valid(code):
            raise InvalidInput("barcode", barcode, _("a GTIN with a correct check digit"))
        other = session.scalar(
            select(Product.sku).where(Product.barcode == code, Product.id != item.id)
        )
        if other:
            raise AlreadyExists(_("product with barcode"), f"{code} ({other})")
    row = session.get(Product, item.id)
    assert row is not None
    before = row.barcode
    row.barcode = code or None
    record_event(
        session,
        actor,
        entity_type="product",
        entity_id=item.id,
        action="barcode",
        from_state=before,
        to_state=row.barcode,
    )
    uow.commit()


def set_product_flags(
    uow: UnitOfWork, actor: Actor, product: str, *, fragile: bool, high_value: bool
) -> None:
    require(actor, SET_UP.permission)
    session = uow.session
    item = find_product(session, product)
    row = session.get(Product, item.id)
    assert row is not None
    before = f"fragile={row.fragile} high_value={row.high_value}"
    row.fragile, row.high_value = bool(fragile), bool(high_value)
    record_event(
        session,
        actor,
        entity_type="product",
        entity_id=item.id,
        action="flags",
        from_state=before,
        to_state=f"fragile={row.fragile} high_value={row.high_value}",
    )
    uow.commit()


def set_reorder_rule(
    uow: UnitOfWork,
    actor: Actor,
    *,
    product: str,
    warehouse: str | int,
    min_quantity: object,
    pack_size: object = 1,
) -> int:
    """The low-stock threshold of a product in a warehouse (0 keeps it watched but never low)."""
    require(actor, SET_THRESHOLD.permission)
    session = uow.session
    minimum = rules.parse_quantity("threshold", min_quantity, allow_zero=True)
    pack = rules.parse_quantity("pack size", pack_size)
    item = find_product(session, product)
    warehouse_id, warehouse_code = warehouse_of(session, warehouse)
    rule = session.scalar(
        select(ReorderRule).where(
            ReorderRule.product_id == item.id, ReorderRule.warehouse_id == warehouse_id
        )
    )
    before = None
    if rule is None:
        rule = ReorderRule(product_id=item.id, warehouse_id=warehouse_id, min_quantity=minimum)
        session.add(rule)
    else:
        before = str(rule.min_quantity)
    rule.min_quantity, rule.pack_size = minimum, pack
    session.flush()
    record_event(
        session,
        actor,
        entity_type="reorder_rule",
        entity_id=rule.id,
        action="set",
        from_state=before,
        to_state=str(minimum),
        detail={"sku": item.sku, "warehouse": warehouse_code, "pack_size": pack},
    )
    uow.commit()
    return rule.id


def set_pick_face_rule(
    uow: UnitOfWork,
    actor: Actor,
    *,
    warehouse: str | int,
    bin_code: str,
    product: str,
    min_quantity: object,
    max_quantity: object,
) -> int:
    """A pick face keeps at least ``min`` of the product; replenishment fills it to ``max``."""
    require(actor, SET_UP.permission)
    session = uow.session
    minimum = rules.parse_quantity("minimum", min_quantity, allow_zero=True)
    maximum = rules.parse_quantity("maximum", max_quantity)
    if maximum < minimum:
        raise InvalidInput(
            "maximum", max_quantity, _("at least the minimum ({n})").format(n=minimum)
        )
    warehouse_id, _code = warehouse_of(session, warehouse)
    place = find_bin(session, warehouse_id, bin_code)
    if place.kind != BinKind.PICK_FACE:
        raise InvalidInput(
            "bin", bin_code, _("a pick-face bin (this one is {kind})").format(kind=place.kind)
        )
    item = find_product(session, product)
    rule = session.scalar(
        select(PickFaceRule).where(
            PickFaceRule.bin_id == place.id, PickFaceRule.product_id == item.id
        )
    )
    if rule is None:
        rule = PickFaceRule(
            bin_id=place.id, product_id=item.id, min_quantity=minimum, max_quantity=maximum
        )
        session.add(rule)
    rule.min_quantity, rule.max_quantity = minimum, maximum
    session.flush()
    record_event(
        session,
        actor,
        entity_type="pick_face_rule",
        entity_id=rule.id,
        action="set",
        to_state=f"{minimum}..{maximum}",
        detail={"sku": item.sku, "bin": place.code},
    )
    uow.commit()
    return rule.id


def label_codes_for_bins(session: Session, warehouse: str | int) -> list[tuple[str, str]]:
    """(code, caption) of every bin of a warehouse in walk order: what ``app/labels`` prints
    as bin labels (the stock desk's Setup tab makes ``SmallLabel``s of it and prints them)."""
    warehouse_id, warehouse_code = warehouse_of(session, warehouse)
    rows = session.execute(
        select(Bin.code, Bin.kind)
        .where(Bin.warehouse_id == warehouse_id)
        .order_by(Bin.pick_sequence, Bin.code)
    ).all()
    return [(code, f"{warehouse_code} · {kind.replace('_', ' ')}") for code, kind in rows]


def label_codes_for_product(session: Session, product: str) -> list[tuple[str, str]]:
    """(code, caption) of a product's label: its barcode, or its SKU when it has none (the
    desk scans either), captioned with SKU and name -- for ``app/labels``."""
    item = find_product(session, product)
    return [(item.barcode or item.sku, f"{item.sku} · {item.name}")]
