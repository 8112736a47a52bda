"""The documents the labels layer draws, as plain frozen data (built by the services)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


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
