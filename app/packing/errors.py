"""Errors of the packing station, named, with the fields a message needs."""

from __future__ import annotations

from app.errors import OrderdeskError
from app.i18n import N_


class PackingError(OrderdeskError):
    """A packing-station action refused; nothing was changed (a refused scan is counted)."""


class NotAtStation(PackingError):
    def __init__(self, code: str) -> None:
        super().__init__(
            N_("{code} is not a shipment, order or tote here: scan the shipment (SH-…), its "
               "order (SO-…) or its tote."),
            code=code,
        )  # fmt: skip
        self.scanned = code


class WrongPackItem(PackingError):
    def __init__(self, scanned: str, shipment: str) -> None:
        super().__init__(
            N_("WRONG ITEM {scanned}: not in {shipment}. Keep it out of the parcel."),
            scanned=scanned,
            shipment=shipment,
        )
        self.scanned = scanned
        self.shipment = shipment


class ExtraPackItem(PackingError):
    def __init__(self, sku: str, wanted: int) -> None:
        super().__init__(
            N_("EXTRA ITEM {sku}: the shipment has only {wanted}, all scanned. Keep it out."),
            sku=sku,
            wanted=wanted,
        )
        self.sku = sku
        self.wanted = wanted


class ShipmentNotPackable(PackingError):
    """The shipment is not waiting to be packed: cancelled, shipped, packed or not picked."""

    def __init__(self, shipment: str, status: str, what: str) -> None:
        super().__init__(N_("{shipment}: {what}"), shipment=shipment, what=what)
        self.shipment = shipment
        self.status = status

    translated_values = ("what",)


class PackNothingToUndo(PackingError):
    def __init__(self, shipment: str) -> None:
        super().__init__(N_("{shipment}: there is no scan to undo."), shipment=shipment)
        self.shipment = shipment


class VerificationIncomplete(PackingError):
    def __init__(self, shipment: str, scanned: int, wanted: int) -> None:
        super().__init__(
            N_("{shipment}: {scanned} of {wanted} items scanned. Scan every item before the "
               "label prints (a supervisor may override, with a reason)."),
            shipment=shipment,
            scanned=scanned,
            wanted=wanted,
        )  # fmt: skip
        self.shipment = shipment


class ParcelNotReady(PackingError):
    """A parcel lacks what its label needs (weight, package, items)."""

    def __init__(self, shipment: str, sequence: int, what: str) -> None:
        super().__init__(
            N_("{shipment} parcel {sequence}: {what}"),
            shipment=shipment,
            sequence=sequence,
            what=what,
        )
        self.shipment = shipment
        self.sequence = sequence

    translated_values = ("what",)


class InvalidWeight(PackingError):
    def __init__(self, grams: int, max_g: int) -> None:
        super().__init__(
            N_("Weight {grams} g refused: a parcel weighs from 1 g to {max_kg} kg. Weigh again."),
            grams=grams,
            max_kg=max_g // 1000,
        )
        self.grams = grams


class UnknownPackage(PackingError):
    def __init__(self, code: str) -> None:
        super().__init__(N_("{code} is not a package type of this station."), code=code)
        self.code_scanned = code


class LabelAlreadyPrinted(PackingError):
    def __init__(self, shipment: str) -> None:
        super().__init__(
            N_("{shipment}: its labels are printed already. Reprint (F9) if one is damaged."),
            shipment=shipment,
        )
        self.shipment = shipment


class OverrideNeedsReason(PackingError):
    def __init__(self, shipment: str) -> None:
        super().__init__(
            N_("{shipment}: printing an unverified shipment needs a supervisor's reason."),
            shipment=shipment,
        )
        self.shipment = shipment


class BadgeRefused(PackingError):
    """A scanned staff badge logs in nobody (not a badge, revoked, expired, user disabled)."""

    def __init__(self, reason: str) -> None:
        super().__init__(N_("This badge {reason}."), reason=reason)
        self.reason = reason


class NothingToPutBack(PackingError):
    """A cancelled shipment whose picked units are all back in stock already."""

    def __init__(self, shipment: str) -> None:
        super().__init__(
            N_("{shipment}: nothing to put back — its items are back in stock already."),
            shipment=shipment,
        )
        self.shipment = shipment


class ReprintNeedsReason(PackingError):
    """A reprint is an explicit act: the person says why (smudged, torn, lost…)."""

    def __init__(self, shipment: str, parcel: int) -> None:
        super().__init__(
            N_("{shipment} parcel {parcel}: a reprint needs a reason (torn, smudged, lost…)."),
            shipment=shipment,
            parcel=parcel,
        )
        self.shipment = shipment
        self.parcel = parcel


class ParcelNotLabelled(PackingError):
    """Only a parcel whose label printed can have it reprinted."""

    def __init__(self, shipment: str, parcel: int, status: str) -> None:
        super().__init__(
            N_("{shipment} parcel {parcel} has no label to reprint (it is {status})."),
            shipment=shipment,
            parcel=parcel,
            status=status,
        )
        self.shipment = shipment
        self.parcel = parcel
