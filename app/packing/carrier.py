"""The carrier service the rules choose for a shipment at the packing station: planned
after weighing (for the station to say which carrier's waybill it wants), recorded when a
tracking number is scanned or the labels print, whichever comes first."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.errors import ConcurrentUpdate
from app.numbers import entity_number
from app.packing.queries import StationRead
from app.permissions import Actor
from app.shipping.carrier_table import carrier_table
from app.shipping.errors import NoCarrierService
from app.shipping.model import ParcelNeeds, ServiceChoice
from app.shipping.rules import choose_service, level_of
from app.shipping.service import read_for_choice, record_choice, rules_choice_for


def rules_choice(session: Session, shipment_id: int):
    """The shipment's row as shipping's carrier choice reads it, and the rules' choice."""
    row = read_for_choice(session, shipment_id)
    if row is None:
        raise ConcurrentUpdate(entity_number("shipment", shipment_id))
    return row, rules_choice_for(session, row)


def planned_carrier_code(session: Session, read: StationRead) -> str:
    """The carrier the rules will choose for a weighed shipment (its parcels' weights,
    destination and level asked: what decides the carrier; its value decides only
    signature and insurance); "" when no service fits (the print says why)."""
    weighed = sum(p.weight_g or 0 for p in read.parcels if p.status != "voided")
    needs = ParcelNeeds(
        requested_level=level_of(read.requested_service),
        value_cents=0,
        currency="",
        weight_g=weighed,
        country_code=read.ship_country,
    )
    try:
        return choose_service(carrier_table(session).options, needs).option.carrier_code
    except NoCarrierService:
        return ""


def choose_carrier_now(
    session: Session, actor: Actor, shipment_id: int
) -> tuple[ServiceChoice, int]:
    """The rules' carrier service recorded on the shipment and every parcel not voided
    (shipping's own choice: guarded by the shipment's version, audited as its ``carrier``
    event), in the caller's transaction. Returns the choice and the shipment's version
    after it."""
    row, choice = rules_choice(session, shipment_id)
    return choice, record_choice(session, actor, row, choice)
