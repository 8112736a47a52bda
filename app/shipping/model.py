"""Plain data of shipping: carrier services as the choice rules see them, what a parcel
asks of a service, the choice made, and the results the verbs hand back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class ServiceLevel(StrEnum):
    STANDARD = "standard"
    EXPEDITED = "expedited"
    NEXT_DAY = "next_day"


# Slowest first: a parcel may go faster than asked, never slower.
LEVEL_ORDER: tuple[ServiceLevel, ...] = (
    ServiceLevel.STANDARD,
    ServiceLevel.EXPEDITED,
    ServiceLevel.NEXT_DAY,
)


@dataclass(frozen=True)
class ServiceOption:
    """One active carrier service and the limits the choice reads (None = no limit)."""

    service_id: int
    carrier_code: str
    carrier_name: str
    service_code: str
    service_name: str
    level: ServiceLevel
    max_weight_g: int | None = None
    countries: frozenset[str] | None = None
    signature_above_cents: int | None = None
    insurance_above_cents: int | None = None
    threshold_currency: str = "EUR"
    rank: int = 100
    issues_labels: bool = False


@dataclass(frozen=True)
class ParcelNeeds:
    """What a shipment asks of a service: the customer's requested level, its value (the
    goods in this shipment), its weight and where it goes."""

    requested_level: ServiceLevel
    value_cents: int
    currency: str
    weight_g: int
    country_code: str


@dataclass(frozen=True)
class ServiceChoice:
    option: ServiceOption
    signature: bool
    insurance: bool
    faster_than_asked: bool  # no service at the requested level fitted; a faster one did


@dataclass(frozen=True)
class HandOver:
    """What one hand-over scan did, for the screen and the CLI."""

    shipment_number: str
    order_number: str
    parcel_index: int
    parcel_count: int
    tracking_number: str | None
    carrier: str | None
    parcels_left: int  # of this shipment, still to hand over
    shipment_shipped: bool
    order_status: str
    handed_over_at: dt.datetime

    def as_json(self) -> dict:
        return {
            "shipment": self.shipment_number,
            "order": self.order_number,
            "parcel": self.parcel_index,
            "parcels": self.parcel_count,
            "tracking_number": self.tracking_number,
            "carrier": self.carrier,
            "parcels_left": self.parcels_left,
            "shipment_shipped": self.shipment_shipped,
            "order_status": self.order_status,
            "handed_over_at": self.handed_over_at.isoformat(),
        }


@dataclass(frozen=True)
class ConfirmationRow:
    """One line of a shipping confirmation: an order item, how many of it left in this
    shipment, and the parcel's carrier and tracking number."""

    channel_order_id: str
    channel_line_id: str
    sku: str
    quantity: int
    ship_date: dt.date
    carrier_code: str  # the channel's code for the carrier, or "Other"
    carrier_name: str  # filled when the code is "Other"
    tracking_number: str
    ship_method: str
    shipment_number: str = ""
    order_number: str = ""


@dataclass(frozen=True)
class ShipmentRow:
    """One shipment as ``shipments list`` shows it."""

    number: str
    order: str
    status: str
    carrier: str | None
    service: str | None
    tracking_number: str | None
    parcels: int

    def as_json(self) -> dict:
        return {
            "number": self.number,
            "order": self.order,
            "status": self.status,
            "carrier": self.carrier,
            "service": self.service,
            "tracking_number": self.tracking_number,
            "parcels": self.parcels,
        }
