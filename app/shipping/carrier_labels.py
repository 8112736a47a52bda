"""Carrier-issued labels (UPS, FedEx, DHL Express …): a carrier adapter gives a parcel its
label and tracking number. The implementation here imports the file the carrier's desktop
software or portal wrote (PDF or ZPL); a live carrier API can implement the same protocol.
Our own hand-over label (shipment number as Code 128) goes on the parcel beside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from app.audit import record_event
from app.errors import InvalidInput, NotFound
from app.i18n import N_
from app.numbers import entity_number
from app.permissions import Actor, Permission, require
from app.shipping.errors import CarrierLabelRefused
from app.shipping.queries import carrier_of_service
from app.shipping.tracking_numbers import check_tracking_number
from app.uow import UnitOfWork
from db.models import utcnow
from db.models_shipping import Parcel, ParcelLabel

MAX_LABEL_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class LabelRequest:
    """What an adapter is told about the parcel it labels."""

    carrier_code: str
    service_code: str
    shipment_number: str
    parcel_index: int
    weight_g: int | None


@dataclass(frozen=True)
class CarrierLabel:
    tracking_number: str
    label_format: str  # pdf, zpl
    content: bytes
    name: str = ""


class CarrierAdapter(Protocol):
    def label_for(self, request: LabelRequest) -> CarrierLabel: ...


def label_format_of(name: str, content: bytes) -> str:
    """``pdf`` or ``zpl`` by content (not by the file name), else refused."""
    if not content:
        raise CarrierLabelRefused(name, N_("a PDF or ZPL label file, not an empty one"))
    if len(content) > MAX_LABEL_BYTES:
        raise CarrierLabelRefused(name, N_("a label file of at most 5 MB"))
    if content.lstrip()[:5] == b"%PDF-":
        return "pdf"
    text = content.strip()
    if text.startswith(b"^XA") and text.endswith(b"^XZ"):
        return "zpl"
    raise CarrierLabelRefused(name, N_("a PDF file or ZPL from ^XA to ^XZ"))


@dataclass(frozen=True)
class LabelFileImport:
    """The carrier's label file for one parcel, and the tracking number it shows."""

    path: Path
    tracking_number: str

    def label_for(self, request: LabelRequest) -> CarrierLabel:
        content = Path(self.path).read_bytes()
        return CarrierLabel(
            self.tracking_number,
            label_format_of(Path(self.path).name, content),
            content,
            Path(self.path).name,
        )


def import_carrier_label(
    uow: UnitOfWork, actor: Actor, parcel_id: int, adapter: CarrierAdapter
) -> str:
    """Ask the adapter for the parcel's label; check its tracking number against the
    carrier; keep the label in the parcel's label history (``import``, source ``carrier``)
    for the station to print. Returns the tracking number."""
    require(actor, Permission.PICK_AND_PACK)
    with uow:
        session = uow.session
        parcel = session.get(Parcel, parcel_id)
        if parcel is None:
            raise NotFound(N_("parcel"), parcel_id)
        carrier, service = carrier_of_service(session, parcel.carrier_service_id)
        if carrier is None:
            raise InvalidInput("carrier", "", N_("a carrier service chosen for the parcel first"))
        label = adapter.label_for(
            LabelRequest(
                carrier.code,
                service.code,
                entity_number("shipment", parcel.shipment_id),
                parcel.sequence,
                parcel.weight_g,
            )
        )
        label_format_of(label.name or str(parcel_id), label.content)
        number = check_tracking_number(carrier.code, label.tracking_number, carrier.name)
        parcel.tracking_number = number
        session.add(
            ParcelLabel(
                parcel_id=parcel.id,
                action="import",
                source="carrier",
                label_format=label.label_format,
                content=label.content,
                user_id=actor.user_id,
                created_at=utcnow(),
                reason=label.name or None,
            )
        )
        record_event(
            session,
            actor,
            entity_type="parcel",
            entity_id=parcel.id,
            action="carrier_label",
            to_state=number,
            detail={"format": label.label_format, "file": label.name},
        )
        uow.commit()
        return number
