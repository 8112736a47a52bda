"""Which carrier service a shipment goes with: pure, over plain data.

The customer's requested level first (a parcel may go faster than asked when nothing at
that level fits, never slower), then the limits (weight, destination), then the
preference rank. The shipment's value decides signature and insurance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from app.shipping.errors import NoCarrierService
from app.shipping.model import (
    LEVEL_ORDER,
    ParcelNeeds,
    ServiceChoice,
    ServiceLevel,
    ServiceOption,
)


def level_of(requested: str | None) -> ServiceLevel:
    """An order's ``requested_service`` as a level; channels' words mapped, unknown →
    standard (the slowest level promises the least)."""
    text = (requested or "").strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {
        "nextday": ServiceLevel.NEXT_DAY,
        "next_day": ServiceLevel.NEXT_DAY,
        "overnight": ServiceLevel.NEXT_DAY,
        "expedited": ServiceLevel.EXPEDITED,
        "express": ServiceLevel.EXPEDITED,
        "secondday": ServiceLevel.EXPEDITED,
        "priority": ServiceLevel.EXPEDITED,
    }
    return aliases.get(text, ServiceLevel.STANDARD)


def fits(option: ServiceOption, needs: ParcelNeeds) -> bool:
    if option.max_weight_g is not None and needs.weight_g > option.max_weight_g:
        return False
    return option.countries is None or needs.country_code.upper() in option.countries


def above(value_cents: int, currency: str, threshold: int | None, threshold_currency: str):
    """Whether the value passes a threshold. A value in another currency cannot be compared
    without a rate, so it counts as above: signing and insuring is the safe side."""
    if threshold is None:
        return False
    if currency.upper() != threshold_currency.upper():
        return True
    return value_cents > threshold


def choose_service(options: Iterable[ServiceOption], needs: ParcelNeeds) -> ServiceChoice:
    """The service for a shipment, or ``NoCarrierService`` naming what did not fit."""
    fitting = [option for option in options if fits(option, needs)]
    start = LEVEL_ORDER.index(needs.requested_level)
    for level in LEVEL_ORDER[start:]:
        at_level = [option for option in fitting if option.level == level]
        if at_level:
            best = min(at_level, key=lambda o: (o.rank, o.carrier_code, o.service_code))
            return ServiceChoice(
                option=best,
                signature=above(
                    needs.value_cents,
                    needs.currency,
                    best.signature_above_cents,
                    best.threshold_currency,
                ),
                insurance=above(
                    needs.value_cents,
                    needs.currency,
                    best.insurance_above_cents,
                    best.threshold_currency,
                ),
                faster_than_asked=level != needs.requested_level,
            )
    raise NoCarrierService(needs.requested_level.value, needs.weight_g, needs.country_code)


# --------------------------------------------------------------------------- confirmations


def units_per_parcel(
    lines: Sequence[tuple[int, int, int]],
    parcels: Sequence[int],
    packed: Mapping[tuple[int, int], int],
) -> list[tuple[int, int, int]]:
    """Which parcel each shipment line's units went in, for a confirmation per parcel.

    ``lines`` are (shipment line id, product id, quantity) in line order; ``parcels`` the
    shipment's tracked parcel ids in sequence; ``packed`` (parcel id, product id) → units
    the packing station scanned into that parcel. Lines of one product take the scanned
    units parcel by parcel, in order; a line split over two parcels is two rows. Units no
    scan placed (a label printed unverified by a supervisor, a shipment packed without the
    station) go in the last parcel when the station scanned any (where the unverified
    label declared them), else in the first. Returns (line id, parcel id, units)."""
    if not parcels:
        return []
    tracked = set(parcels)
    left: dict[int, list[list[int]]] = defaultdict(list)  # product → [[parcel, units], …]
    for parcel in parcels:
        for (parcel_id, product_id), units in sorted(packed.items()):
            if parcel_id == parcel and units > 0:
                left[product_id].append([parcel, units])
    scanned_any = any(p in tracked and n > 0 for (p, _product), n in packed.items())
    fallback = parcels[-1] if scanned_any else parcels[0]
    out: dict[tuple[int, int], int] = {}
    for line_id, product_id, quantity in lines:
        wanted = quantity
        for slot in left[product_id]:
            if wanted == 0:
                break
            take = min(wanted, slot[1])
            if take:
                out[(line_id, slot[0])] = out.get((line_id, slot[0]), 0) + take
                slot[1] -= take
                wanted -= take
        if wanted:
            out[(line_id, fallback)] = out.get((line_id, fallback), 0) + wanted
    order = {parcel: index for index, parcel in enumerate(parcels)}
    line_order = {line_id: index for index, (line_id, _p, _q) in enumerate(lines)}
    return sorted(
        ((line, parcel, n) for (line, parcel), n in out.items()),
        key=lambda row: (line_order[row[0]], order[row[1]]),
    )
