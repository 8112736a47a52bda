"""Customs declarations for parcels that cross a customs border: one CN22 (up to the postal
threshold) or CN23 (above it) per parcel, printed beside its label at the packing station
and written beside the labels by ``orderdesk label``.

Which parcels need one is a pure decision over two country codes (the EU is one customs
territory); what a declaration says is read from the shipment: the contents of each parcel
(as the station scanned them, like the confirmations), each product's HS code and country
of origin, and the value the customer paid in the order's currency. A cross-border parcel
whose products lack an HS code or origin is refused by name: a parcel without its
declaration is sent back at the border.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import InvalidInput, NotFound
from app.i18n import N_
from app.labels.customs import customs_form_for, customs_pages, render_customs_pdf
from app.labels.model import CustomsCategory, CustomsDeclarationDoc, CustomsForm, CustomsItem
from app.labels.pdf import render_pdf
from app.numbers import entity_number, order_number
from app.permissions import Actor, Permission, require
from app.shipping.documents import order_address, warehouse_address
from app.shipping.errors import CustomsFactsMissing
from app.shipping.rules import units_per_parcel
from app.uow import UnitOfWork
from db.models import Order, OrderLine, Product, Shipment, ShipmentLine, Warehouse
from db.models_packing import PackScan
from db.models_shipping import Parcel

# One customs territory: parcels between these need no declaration (Monaco is inside the
# EU's customs territory through France).
EU_CUSTOMS_UNION = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MC",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)


def crosses_customs_border(from_country: str, to_country: str) -> bool:
    """Whether a parcel from ``from_country`` to ``to_country`` needs a declaration."""
    origin, destination = from_country.strip().upper(), to_country.strip().upper()
    if not origin or not destination or origin == destination:
        return False
    return not (origin in EU_CUSTOMS_UNION and destination in EU_CUSTOMS_UNION)


@dataclass(frozen=True)
class ParcelDeclaration:
    parcel_index: int  # parcel n of the shipment
    form: CustomsForm
    doc: CustomsDeclarationDoc

    def render(self) -> bytes:
        return render_customs_pdf(self.doc, form=self.form)


def _scanned(session: Session, shipment_id: int) -> dict[tuple[int, int], int]:
    return {
        (parcel_id, product_id): int(n)
        for parcel_id, product_id, n in session.execute(
            select(PackScan.parcel_id, PackScan.product_id, func.count())
            .where(
                PackScan.shipment_id == shipment_id,
                PackScan.kind == "item",
                PackScan.undone.is_(False),
                PackScan.parcel_id.is_not(None),
            )
            .group_by(PackScan.parcel_id, PackScan.product_id)
        )
    }


def shipment_declarations(
    session: Session,
    shipment_id: int,
    *,
    signed_by: str = "",
    today: dt.date | None = None,
) -> list[ParcelDeclaration]:
    """The declaration of each parcel of the shipment (one for the whole shipment when it
    has no parcel yet); empty when the shipment does not cross a customs border.
    ``CustomsFactsMissing`` names the products without an HS code or country of origin."""
    shipment = session.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFound(N_("shipment"), entity_number("shipment", shipment_id))
    order = session.get(Order, shipment.order_id)
    warehouse = session.get(Warehouse, shipment.warehouse_id)
    if not crosses_customs_border(warehouse.country_code, order.ship_country):
        return []
    rows = session.execute(
        select(ShipmentLine, OrderLine, Product)
        .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
        .outerjoin(Product, Product.id == OrderLine.product_id)
        .where(ShipmentLine.shipment_id == shipment_id)
        .order_by(OrderLine.line_no)
    ).all()
    missing = sorted(
        {
            line.sku
            for _sl, line, product in rows
            if product is None or not product.hs_code or not product.origin_country
        }
    )
    number = entity_number("shipment", shipment_id)
    if missing:
        raise CustomsFactsMissing(number, order.ship_country, ", ".join(missing))
    parcels = list(
        session.scalars(
            select(Parcel)
            .where(Parcel.shipment_id == shipment_id, Parcel.status != "voided")
            .order_by(Parcel.sequence)
        )
    )
    by_line = {sl.id: (line, product) for sl, line, product in rows}
    lines = [(sl.id, line.product_id or 0, sl.quantity) for sl, line, _p in rows]
    if parcels:
        split = units_per_parcel(lines, [p.id for p in parcels], _scanned(session, shipment_id))
    else:
        split = [(line_id, 0, quantity) for line_id, _p, quantity in lines]
    contents: dict[int, dict[int, list[int]]] = defaultdict(dict)  # parcel → line → [units]
    for line_id, parcel_id, units in split:
        contents[parcel_id].setdefault(line_id, [0])[0] += units
    common = dict(
        sender=warehouse_address(warehouse),
        recipient=order_address(order),
        currency=order.currency,
        shipment_number=number,
        category=CustomsCategory.SALE_OF_GOODS,
        invoice_number=order_number(order.id),
        signed_by=signed_by,
        signed_on=today or dt.date.today(),
    )
    out = []
    targets = [(p.sequence, p.id, p.tracking_number) for p in parcels] or [
        (1, 0, shipment.tracking_number)
    ]
    for index, parcel_id, tracking in targets:
        inside = contents.get(parcel_id)
        if not inside:
            continue
        items = []
        for line_id, (units,) in inside.items():
            line, product = by_line[line_id]
            description = line.product_name or product.name
            if product.spec:
                description = f"{description} ({product.spec})"
            items.append(
                CustomsItem(
                    description=description,
                    quantity=units,
                    weight_g=product.weight_g * units,
                    value_cents=line.unit_price_cents * units,
                    hs_code=product.hs_code,
                    origin_country=product.origin_country.upper(),
                )
            )
        doc = CustomsDeclarationDoc(items=tuple(items), tracking_number=tracking, **common)
        out.append(ParcelDeclaration(index, customs_form_for(doc), doc))
    return out


def render_declarations(declarations: list[ParcelDeclaration]) -> bytes:
    """Every parcel's declaration in one PDF (CN22 pages 4×6, CN23 pages A4)."""
    pages = [page for d in declarations for page in customs_pages(d.doc, d.form)]
    return render_pdf(pages, title=pages[0].name)


# --------------------------------------------------------------------------- products' facts


@dataclass(frozen=True)
class CustomsFacts:
    sku: str
    hs_code: str
    origin_country: str

    def as_json(self) -> dict:
        return {"sku": self.sku, "hs_code": self.hs_code, "origin_country": self.origin_country}


def set_customs_facts(
    uow: UnitOfWork, actor: Actor, sku: str, hs_code: str, origin_country: str
) -> CustomsFacts:
    """A product's HS code (6 to 10 digits; dots and spaces dropped) and the country it was
    made in (ISO two letters), as its customs declarations will say; audited."""
    require(actor, Permission.MANAGE_STOCK)
    digits = hs_code.replace(".", "").replace(" ", "")
    if not (digits.isdigit() and 6 <= len(digits) <= 10):
        raise InvalidInput(N_("HS code"), hs_code, N_("6 to 10 digits"))
    origin = origin_country.strip().upper()
    if len(origin) != 2 or not origin.isalpha():
        raise InvalidInput(N_("country of origin"), origin_country, N_("a two-letter country code"))
    with uow:
        session = uow.session
        product = session.scalar(select(Product).where(Product.sku == sku))
        if product is None:
            raise NotFound(N_("product"), sku)
        before = {"hs_code": product.hs_code, "origin_country": product.origin_country}
        product.hs_code, product.origin_country = digits, origin
        record_event(
            session,
            actor,
            entity_type="product",
            entity_id=product.id,
            action="customs_facts",
            detail={"before": before, "hs_code": digits, "origin_country": origin},
        )
        uow.commit()
    return CustomsFacts(sku, digits, origin)
