"""Errors of shipping: carriers, tracking numbers, hand-over, carriers' labels."""

from __future__ import annotations

from app.errors import InvalidInput, OrderdeskError
from app.i18n import N_


class ShippingError(OrderdeskError):
    """Carrier choice, tracking numbers, hand-over and confirmations (app/shipping)."""


class TrackingNumberRefused(ShippingError, InvalidInput):
    """A tracking number that is not this carrier's: wrong check digit, wrong format, or
    another carrier's format (``other_carrier`` names it)."""

    translated_values = ("expected",)

    def __init__(self, number: str, carrier: str, expected: str) -> None:
        OrderdeskError.__init__(
            self,
            N_("Tracking number {number} is not valid for {carrier}; expected {expected}."),
            number=number,
            carrier=carrier,
            expected=expected,
        )
        self.field, self.value, self.expected = "tracking_number", number, expected
        self.number = number
        self.carrier = carrier
        self.looks_like: str | None = None

    @classmethod
    def other_carrier(cls, number: str, carrier: str, looks_like: str) -> TrackingNumberRefused:
        error = cls(number, carrier, "")
        OrderdeskError.__init__(
            error,
            N_("Tracking number {number} is a {other} number, not {carrier}'s."),
            number=number,
            carrier=carrier,
            other=looks_like,
        )
        error.looks_like = looks_like
        return error


class NoCarrierService(ShippingError):
    """No active service takes this parcel (weight, destination, requested level)."""

    def __init__(self, level: str, weight_g: int, country: str) -> None:
        super().__init__(
            N_(
                "No carrier service takes a {weight_g} g parcel to {country} at {level} or "
                "faster; add a service or split the parcel."
            ),
            level=level,
            weight_g=weight_g,
            country=country or "?",
        )
        self.level, self.weight_g, self.country = level, weight_g, country


class UnknownLabelScan(ShippingError):
    def __init__(self, code: str) -> None:
        super().__init__(
            N_("{code} is neither a shipment number nor a tracking number of ours."), code=code
        )
        self.scanned = code


class ShipmentNotReady(ShippingError):
    """Hand-over refused: cancelled (put it back), already shipped, not packed, or the
    parcel not labelled or already handed over. ``state`` says which, loudly."""

    def __init__(self, template: str, shipment: str, state: str, **values: object) -> None:
        super().__init__(template, shipment=shipment, **values)
        self.shipment = shipment
        self.state = state


class CarrierLabelRefused(ShippingError, InvalidInput):
    """An imported carrier label file that is not a PDF or ZPL label."""

    def __init__(self, name: str, expected: str) -> None:
        OrderdeskError.__init__(
            self,
            N_("Carrier label {name} was not imported; expected {expected}."),
            name=name,
            expected=expected,
        )
        self.field, self.value, self.expected = "label", name, expected

    translated_values = ("expected",)


class ConfirmationExportBusy(ShippingError):
    """Another desk kept writing the same channel's confirmation file at the same moment."""

    def __init__(self, channel: str) -> None:
        super().__init__(
            N_(
                "Another desk is writing the {channel} shipping confirmations right now; "
                "export again in a moment (no line is confirmed twice)."
            ),
            channel=channel,
        )
        self.channel = channel


class CustomsFactsMissing(ShippingError):
    """A parcel crosses a customs border but some of its products have no HS code or
    country of origin, so no declaration can be made for it."""

    def __init__(self, shipment: str, country: str, skus: str) -> None:
        super().__init__(
            N_(
                "{shipment} goes to {country} and needs a customs declaration, but {skus} "
                "has no HS code or country of origin: set them with "
                "'orderdesk customs set SKU --hs-code CODE --origin COUNTRY'."
            ),
            shipment=shipment,
            country=country,
            skus=skus,
        )
        self.shipment, self.country, self.skus = shipment, country, skus
