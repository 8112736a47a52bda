"""A stand-in for the packing station (app/packing is built beside this branch), reduced
to what shipping needs: parcels weighed from the products, the carrier service chosen by
the rules, tracking numbers recorded, parcels labelled, the shipment packed. No
verification scans, no label print records: the demo uses it until the
packing verbs are merged."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.permissions import Actor
from app.shipping.service import choose_carrier, record_tracking_number
from app.shipping.tracking_numbers import example_tracking_number
from app.workflow import change_status
from db.models import OrderLine, Product, Shipment, ShipmentLine
from db.models_shipping import Parcel


def pack_stand_in(database, actor: Actor, shipment_id: int, parcels: int) -> None:
    """What the packing station does, reduced to what shipping needs: parcels weighed,
    carrier chosen, tracking numbers, labelled, shipment packed."""
    with database.unit_of_work() as uow:
        s = uow.session
        weight = s.scalar(
            select(func.coalesce(func.sum(Product.weight_g * ShipmentLine.quantity), 0))
            .select_from(ShipmentLine)
            .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
            .join(Product, Product.id == OrderLine.product_id)
            .where(ShipmentLine.shipment_id == shipment_id)
        )
        for sequence in range(1, parcels + 1):
            s.add(
                Parcel(
                    shipment_id=shipment_id,
                    sequence=sequence,
                    package_type="carton",
                    weight_g=max(100, int(weight or 0) // parcels + 150),
                )
            )
        uow.commit()
    choice = choose_carrier(database.unit_of_work(), actor, shipment_id)
    with database.unit_of_work() as uow:
        parcel_ids = list(
            uow.session.scalars(select(Parcel.id).where(Parcel.shipment_id == shipment_id))
        )
    for parcel_id in parcel_ids:
        number = (
            None
            if choice.option.carrier_code == "own_fleet"
            else example_tracking_number(choice.option.carrier_code, parcel_id)
        )
        record_tracking_number(database.unit_of_work(), actor, parcel_id, number)
    with database.unit_of_work() as uow:
        s = uow.session
        now = dt.datetime.now(dt.UTC)
        for parcel in s.scalars(select(Parcel).where(Parcel.shipment_id == shipment_id)):
            parcel.status, parcel.labelled_at = "labelled", now
        shipment = s.get(Shipment, shipment_id)
        if shipment.status == "picked":
            change_status(s, actor, shipment, "packed")
        uow.commit()
