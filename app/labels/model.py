"""The documents the labels layer draws, as plain frozen data (built by the services)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from app.address import PostalAddress


class LabelKind(StrEnum):
    BIN = "bin"
    PRODUCT = "product"
    TOTE = "tote"


@dataclass(frozen=True)
class SmallLabel:
    """A 2×1 inch bin, product or tote label: the code is what the barcode carries."""

    kind: LabelKind
    code: str
    title: str = ""  # product name, bin zone, tote number …
    subtitle: str = ""  # spec, warehouse …


@dataclass(frozen=True)
class ToteSplit:
    tote: str  # tote code (or shipment number while no tote is assigned)
    quantity: int


@dataclass(frozen=True)
class PickStop:
    sequence: int  # walk order within the list, 1-based
    bin_code: str
    sku: str
    barcode: str | None  # the product's EAN/UPC; None → the SKU is scanned
    product_name: str
    spec: str
    quantity: int  # total to take from this bin
    totes: tuple[ToteSplit, ...] = ()
    fragile: bool = False
    high_value: bool = False


@dataclass(frozen=True)
class PickListDoc:
    number: str  # PL-000123, printed as Code 128
    warehouse: str
    created_at: dt.datetime  # UTC
    stops: tuple[PickStop, ...]
    shipments: tuple[str, ...] = ()  # SH- numbers on this list
    picker: str | None = None


# --------------------------------------------------------------------------- parcels


@dataclass(frozen=True)
class ContentLine:
    """One product in a parcel, as the label, the slip and the manifest list it."""

    sku: str
    product_name: str
    spec: str
    quantity: int


class CarrierLabelSource(StrEnum):
    OURS = "ours"  # we draw the label (own fleet, couriers that accept shipper labels)
    CARRIER = "carrier"  # the carrier issues it; ours is a hand-over label


@dataclass(frozen=True)
class ShippingLabelDoc:
    """A 4×6 inch parcel label. ``shipment_number`` is always printed as Code 128 (the
    hand-over scan reads it); ``tracking_number`` as Code 128 when there is one."""

    ship_from: PostalAddress
    ship_to: PostalAddress
    order_number: str  # SO-000123
    shipment_number: str  # SH-000123
    carrier: str  # "SF Express", "Own fleet"
    service: str  # "Standard", "Next day"
    tracking_number: str | None
    parcel_index: int = 1  # parcel n …
    parcel_count: int = 1  # … of m
    contents: tuple[ContentLine, ...] = ()
    weight_g: int | None = None
    fragile: bool = False
    this_side_up: bool = False
    channel_order_id: str = ""  # the marketplace's order id, for the customer
    source: CarrierLabelSource = CarrierLabelSource.OURS


@dataclass(frozen=True)
class SlipLine:
    sku: str
    product_name: str
    spec: str
    quantity: int
    unit_price_cents: int | None = None  # None or a gift order → no prices printed


@dataclass(frozen=True)
class PackingSlipDoc:
    order_number: str
    shipment_number: str
    order_date: dt.date
    ship_to: PostalAddress
    ship_from: PostalAddress
    lines: tuple[SlipLine, ...]
    currency: str = "EUR"
    customer_po: str = ""  # the customer's purchase-order number
    channel_order_id: str = ""
    gift: bool = False
    gift_message: str = ""
    note: str = ""  # returns address, thanks …


class CustomsCategory(StrEnum):
    GIFT = "gift"
    DOCUMENTS = "documents"
    COMMERCIAL_SAMPLE = "commercial_sample"
    RETURNED_GOODS = "returned_goods"
    SALE_OF_GOODS = "sale_of_goods"
    OTHER = "other"


class CustomsForm(StrEnum):
    CN22 = "CN22"
    CN23 = "CN23"


@dataclass(frozen=True)
class CustomsItem:
    description: str
    quantity: int
    weight_g: int  # net weight of this line
    value_cents: int  # value of this line (all units), in the declaration's currency
    hs_code: str  # Harmonized System tariff number, 6–10 digits
    origin_country: str  # ISO 3166-1 alpha-2


@dataclass(frozen=True)
class CustomsDeclarationDoc:
    sender: PostalAddress
    recipient: PostalAddress
    items: tuple[CustomsItem, ...]
    currency: str
    shipment_number: str
    category: CustomsCategory = CustomsCategory.SALE_OF_GOODS
    tracking_number: str | None = None
    invoice_number: str = ""
    postage_cents: int | None = None
    explanation: str = ""  # required when category is OTHER
    sender_reference: str = ""  # importer's / sender's customs reference (EORI, VAT …)
    signed_by: str = ""
    signed_on: dt.date | None = None


@dataclass(frozen=True)
class ManifestParcel:
    shipment_number: str
    order_number: str
    tracking_number: str
    recipient: str
    city: str
    postal_code: str
    country_code: str
    service: str
    weight_g: int
    handed_over_at: dt.datetime  # UTC
    parcel_index: int = 1
    parcel_count: int = 1


@dataclass(frozen=True)
class ManifestDoc:
    """The end-of-day hand-over list for one carrier."""

    number: str  # printed as Code 128 (e.g. MF-20261129-SF)
    carrier: str
    warehouse: str
    day: dt.date
    parcels: tuple[ManifestParcel, ...]
    account: str = ""  # our account number at the carrier
